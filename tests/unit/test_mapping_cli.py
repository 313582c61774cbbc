"""`okrsync mapping validate|infer` through the real command line entry point."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest

from okrsync.cli.main import main
from okrsync.connector import (
    ConnectorContext,
    ConnectorStats,
    FieldInfo,
    Problem,
    SourceRecord,
    SourceSchema,
    Write,
    WriteResult,
)
from okrsync.mapping.loader import parse_mapping
from okrsync.mapping.schema import Mapping

ROOT = Path(__file__).resolve().parents[2]

SCHEMA = SourceSchema(
    connector="fake",
    collections={
        "Objectives": (
            FieldInfo(name="Objective", type="title"),
            FieldInfo(name="Owner", type="people"),
            FieldInfo(name="Score", type="number"),
        ),
        "Key Results": (
            FieldInfo(name="Key Result", type="title"),
            FieldInfo(name="Objective", type="relation", target="Objectives"),
            FieldInfo(name="Target Value", type="number"),
            FieldInfo(name="Current Value", type="number"),
        ),
    },
)


class FakeConnector:
    """A stand-in for a vendor connector: a fixed schema, and a log of added properties."""

    name: ClassVar[str] = "fake"

    def __init__(self, context: ConnectorContext) -> None:
        self.context = context
        self.log = Path(context.options["log"])
        assert isinstance(context.mapping, Mapping)

    def check(self) -> list[Problem]:
        return []

    def describe(self) -> SourceSchema:
        return SCHEMA

    def pull(self, since: datetime | None) -> Iterator[SourceRecord]:
        return iter(())

    def cursor(self) -> datetime | None:
        return None

    def plan(self, review: Any) -> list[Write]:
        return []

    def apply(self, write: Write) -> WriteResult:
        return WriteResult(target=write.target, status="unchanged")

    def stats(self) -> ConnectorStats:
        return ConnectorStats()

    def close(self) -> None:
        pass

    def missing_outputs(self) -> list[tuple[str, str, str]]:
        from okrsync.mapping.infer import missing_outputs

        return missing_outputs(self.context.mapping, SCHEMA)

    def add_missing_outputs(self, missing: Sequence[tuple[str, str, str]]) -> list[Any]:
        with self.log.open("a", encoding="utf-8") as out:
            for collection, name, vendor_type in missing:
                out.write(f"{collection}:{name}:{vendor_type}\n")
        return list(missing)


def create_fake(context: ConnectorContext) -> FakeConnector:
    return FakeConnector(context)


def write_config(tmp_path: Path, mapping: str = "okr.yaml") -> Path:
    config = tmp_path / "okrsync.toml"
    log = tmp_path / "added.log"
    config.write_text(
        f"""
state_path = "state.db"

[sources.team]
connector = "tests.unit.test_mapping_cli:create_fake"
mapping = "{mapping}"
options = {{ log = "{log.as_posix()}" }}
""",
        encoding="utf-8",
    )
    return config


def test_validate_ok(capsys: pytest.CaptureFixture[str]) -> None:
    path = ROOT / "mappings" / "notion-okr-template.yaml"
    assert main(["mapping", "validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"OK {path}: objectives (9 fields), key_results (13 fields)")


def test_validate_lists_every_problem_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "version: 1\ncollections:\n  objectives:\n    fields:\n      titel: A\n      ownr: B\n",
        encoding="utf-8",
    )
    assert main(["mapping", "validate", str(path)]) == 2
    out = capsys.readouterr().out
    assert (
        f"{path}:5 collections.objectives.fields.titel: not a canonical field — "
        'did you mean "title"?' in out
    )
    assert (
        f"{path}:6 collections.objectives.fields.ownr: not a canonical field — "
        'did you mean "owners"?' in out
    )
    assert f"{path}:4 collections.objectives.fields: `title` is required" in out


def test_validate_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mapping", "validate", str(tmp_path / "none.yaml")]) == 2
    assert "does not exist" in capsys.readouterr().out


def test_infer_from_schema_json_prints_a_loadable_draft(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(SCHEMA.model_dump_json(), encoding="utf-8")
    assert main(["mapping", "infer", "--schema-json", str(schema_file)]) == 0
    draft = capsys.readouterr().out
    mapping = parse_mapping(draft, source="stdout")
    assert mapping.collections["key_results"].fields["target"].field == "Target Value"


def test_infer_writes_out_and_never_overwrites_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(SCHEMA.model_dump_json(), encoding="utf-8")
    out = tmp_path / "draft.yaml"
    args = ["mapping", "infer", "--schema-json", str(schema_file), "--out", str(out)]
    assert main(args) == 0
    assert 'title: "Objective"' in out.read_text(encoding="utf-8")
    out.write_text("mine", encoding="utf-8")
    assert main(args) == 2
    assert "exists; not overwriting it" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "mine"
    assert main([*args, "--force"]) == 0
    assert out.read_text(encoding="utf-8") != "mine"


def test_infer_rejects_bad_schema_json_and_missing_arguments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "schema.json"
    bad.write_text('{"connector": "x",\n "collections": [}', encoding="utf-8")
    assert main(["mapping", "infer", "--schema-json", str(bad)]) == 2
    assert f"{bad}:2: not valid JSON" in capsys.readouterr().err
    bad.write_text(json.dumps({"collections": {}}), encoding="utf-8")
    assert main(["mapping", "infer", "--schema-json", str(bad)]) == 2
    assert "connector: Field required" in capsys.readouterr().err
    assert main(["mapping", "infer"]) == 2
    assert "needs --config and --source" in capsys.readouterr().err
    assert main(["mapping", "infer", "--schema-json", str(bad), "--apply"]) == 2
    assert "needs a live source" in capsys.readouterr().err


def test_infer_from_a_configured_source_before_its_mapping_exists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path)
    out = tmp_path / "okr.yaml"
    assert (
        main(["mapping", "infer", "--config", str(config), "--source", "team", "--out", str(out)])
        == 0
    )
    mapping = parse_mapping(out.read_text(encoding="utf-8"), source=str(out))
    assert mapping.connector == "fake"
    assert mapping.collections["objectives"].source == "Objectives"
    assert not (tmp_path / "added.log").exists()  # nothing added without --apply


def test_infer_apply_adds_the_missing_outputs_after_listing_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path)
    args = ["mapping", "infer", "--config", str(config), "--source", "team", "--apply"]
    # No terminal to ask on and no --yes: nothing changes.
    assert main(args) == 2
    assert "pass --yes" in capsys.readouterr().err
    assert not (tmp_path / "added.log").exists()
    assert main([*args, "--yes"]) == 0
    captured = capsys.readouterr()
    assert "--apply will add these output properties (named in the draft above):" in captured.err
    assert "key_results: Score (number)" in captured.err
    assert "added 7 output properties:\n  objectives: Health (select)\n" in captured.out
    added = (tmp_path / "added.log").read_text(encoding="utf-8").splitlines()
    assert added == [
        "objectives:Health:select",
        "objectives:Warnings:rich_text",
        "objectives:Last synced:date",
        "key_results:Score:number",
        "key_results:Health:select",
        "key_results:Warnings:rich_text",
        "key_results:Last synced:date",
    ]


def test_infer_unknown_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path)
    (tmp_path / "okr.yaml").write_text(
        "version: 1\ncollections:\n  objectives:\n    fields: {title: Objective}\n",
        encoding="utf-8",
    )
    assert main(["mapping", "infer", "--config", str(config), "--source", "other"]) == 2
    assert "no source named 'other'" in capsys.readouterr().err


def test_check_runs_the_doctor_against_the_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path)
    (tmp_path / "okr.yaml").write_text(
        "version: 1\ncollections:\n  objectives:\n    fields: {title: Objective}\n",
        encoding="utf-8",
    )
    assert main(["mapping", "check", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "mappings: ok" in out
    (tmp_path / "okr.yaml").write_text("version: 1\ncollections: {}\n", encoding="utf-8")
    assert main(["mapping", "check", "--config", str(config)]) == 2
    assert "`objectives` is required" in capsys.readouterr().out


def test_infer_apply_asks_first_on_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from okrsync.cli.mapping_cmd import infer_command

    config = write_config(tmp_path)
    args = argparse.Namespace(
        config=config,
        source="team",
        schema_json=None,
        out=None,
        force=False,
        apply=True,
        yes=False,
    )
    asked: list[str] = []

    def say_no(question: str) -> bool:
        asked.append(question)
        return False

    assert infer_command(args, confirm=say_no) == 0
    assert asked == ["add these 7 properties?"]
    assert "nothing was added" in capsys.readouterr().out
    assert not (tmp_path / "added.log").exists()
    assert infer_command(args, confirm=lambda _q: True) == 0
    assert len((tmp_path / "added.log").read_text(encoding="utf-8").splitlines()) == 7
