"""`okrsync report`, `okrsync rules` and `okrsync schema` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def okrsync(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "okrsync.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )


def test_report_json_holds_the_worked_example_from_the_issue() -> None:
    proc = okrsync(
        "report",
        "--input",
        str(EXAMPLES / "sales-example.json"),
        "--at",
        "2025-08-15",
        "--format",
        "json",
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    (objective,) = report["objectives"]
    assert objective["score"] == 0.3 and objective["grade"] == 0.3
    assert objective["health"] == "on_track"
    assert round(objective["expected"], 2) == 0.34
    assert round(objective["gap"], 2) == 0.04
    krs = {kr["title"]: kr for kr in report["key_results"]}
    scores = sorted(kr["score"] for kr in krs.values())
    assert scores == [0.0, 0.4, 0.5]
    for kr in report["key_results"]:
        assert {"id", "progress", "score", "health"} <= set(kr)
    for finding in report["findings"]:
        assert {"code", "severity", "subject", "message", "hint"} <= set(finding)


def test_report_markdown_and_html_render_the_example_company(tmp_path: Path) -> None:
    for fmt, marker in (("markdown", "# OKR Review"), ("html", "<table")):
        out = tmp_path / f"report.{fmt}"
        proc = okrsync(
            "report",
            "--input",
            str(EXAMPLES / "acme-workspace.json"),
            "--at",
            "2026-11-16",
            "--format",
            fmt,
            "--out",
            str(out),
        )
        assert proc.returncode == 0, proc.stderr
        assert marker in out.read_text(encoding="utf-8")


def test_report_on_a_broken_file_names_the_path_and_field_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    data = json.loads((EXAMPLES / "sales-example.json").read_text(encoding="utf-8"))
    data["key_results"][1]["kind"] = "sideways"
    bad.write_text(json.dumps(data), encoding="utf-8")
    proc = okrsync("report", "--input", str(bad), "--format", "json")
    assert proc.returncode == 2
    assert str(bad) in proc.stderr
    assert "key_results[1].kind" in proc.stderr

    broken = tmp_path / "broken.json"
    broken.write_text('{"objectives": [', encoding="utf-8")
    proc = okrsync("report", "--input", str(broken))
    assert proc.returncode == 2 and "not valid JSON" in proc.stderr

    proc = okrsync("report", "--input", str(tmp_path / "missing.json"))
    assert proc.returncode == 2 and "no such file" in proc.stderr


def test_rules_lists_the_catalogue_as_text_and_json_and_explains_one() -> None:
    proc = okrsync("rules", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    rules = json.loads(proc.stdout)
    assert len(rules) >= 35
    assert all({"code", "name", "severity", "summary"} <= set(r) for r in rules)
    assert len({r["code"] for r in rules}) == len(rules)

    text = okrsync("rules")
    assert text.returncode == 0 and "KR002" in text.stdout

    one = okrsync("rules", "KR002")
    assert one.returncode == 0
    assert "Fix:" in one.stdout and len(one.stdout) > 200

    unknown = okrsync("rules", "KR999")
    assert unknown.returncode == 2 and "KR999" in unknown.stderr


def test_schema_prints_json_schemas_for_all_three_formats() -> None:
    for kind, key in (
        ("workspace", "key_results"),
        ("mapping", "collections"),
        ("config", "sources"),
    ):
        proc = okrsync("schema", kind)
        assert proc.returncode == 0, proc.stderr
        schema = json.loads(proc.stdout)
        assert key in json.dumps(schema)
        assert schema.get("type") == "object" or "properties" in schema or "$defs" in schema
