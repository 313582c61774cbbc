"""The catalogue itself: complete entries, stable unique codes, lookups and generated docs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from okrsync.errors import ConfigError
from okrsync.rules import FAMILIES, catalogue, get_rule, render_rules_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
PREFIX = {
    "objectives": "OBJ",
    "key_results": "KR",
    "alignment": "ALN",
    "cycles": "CYC",
    "portfolio": "PF",
    "data": "DATA",
}
# Codes are a public contract: users write them in config files and workspace notes.
STABLE = {
    "OBJ001": "too-many-objectives",
    "OBJ002": "too-few-key-results",
    "OBJ003": "too-many-key-results",
    "OBJ005": "objective-without-owner",
    "OBJ006": "objective-phrased-as-metric",
    "OBJ007": "duplicate-objective",
    "OBJ008": "committed-miss",
    "KR001": "key-result-not-measurable",
    "KR002": "key-result-is-a-task",
    "KR003": "missing-baseline",
    "KR004": "start-equals-target",
    "KR005": "never-checked-in",
    "KR006": "stale-check-in",
    "KR007": "key-result-without-owner",
    "KR008": "unit-mismatch",
    "KR011": "kpi-as-key-result",
    "KR012": "confidence-contradicts-progress",
    "KR013": "due-outside-cycle",
    "ALN001": "orphan-objective",
    "ALN002": "unsupported-company-objective",
    "ALN003": "parent-in-other-cycle",
    "ALN004": "alignment-loop",
    "ALN005": "dangling-parent",
    "ALN006": "level-inversion",
    "CYC001": "cycle-too-short",
    "CYC002": "cycle-too-long",
    "CYC003": "overlapping-team-cycles",
    "PF001": "low-alignment-share",
    "PF002": "too-many-team-key-results",
    "PF003": "grades-too-safe",
    "PF004": "grades-too-ambitious",
    "PF005": "team-silence",
    "DATA001": "unparseable-value",
    "DATA002": "missing-required-field",
    "DATA003": "unknown-option-value",
    "DATA004": "dangling-relation",
    "DATA005": "duplicate-id",
}


def test_catalogue_integrity() -> None:
    rules = catalogue()
    assert len(rules) >= 35
    codes = [r.code for r in rules]
    names = [r.name for r in rules]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)
    for rule in rules:
        assert rule.code.startswith(PREFIX[rule.family]), rule.code
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name), rule.name
        for text in (rule.summary, rule.explanation, rule.hint):
            assert text.strip(), rule.code
        assert "\n" not in rule.summary and len(rule.summary) <= 100, rule.code
        assert len(rule.explanation) > len(rule.summary), rule.code
        assert rule.severity in ("error", "warning", "info")
        for threshold in rule.threshold_docs():
            assert threshold["description"], f"{rule.code}.{threshold['key']}"
    assert {r.family for r in rules} == set(FAMILIES)


def test_every_rule_outside_the_mapping_family_has_a_check() -> None:
    mapping_only = {"DATA001", "DATA002", "DATA003", "DATA005", "DATA006", "DATA007", "DATA009"}
    for rule in catalogue():
        assert (rule.check is None) == (rule.code in mapping_only), rule.code


def test_explanations_name_the_practice_they_come_from() -> None:
    sources = ("Doerr", "Google", "Wodtke", "Castro", "Niven", "Grove", "re:Work")
    for rule in catalogue():
        if rule.family != "data":
            assert any(s in rule.explanation for s in sources), rule.code


def test_codes_are_stable() -> None:
    by_code = {r.code: r.name for r in catalogue()}
    assert {code: by_code.get(code) for code in STABLE} == STABLE


def test_catalogue_order_is_by_family_then_code() -> None:
    order = {f: i for i, f in enumerate(FAMILIES)}
    keys = [(order[r.family], r.code) for r in catalogue()]
    assert keys == sorted(keys)


def test_get_rule_by_code_or_name() -> None:
    assert get_rule("KR002").name == "key-result-is-a-task"
    assert get_rule(" kr002 ").code == "KR002"
    assert get_rule("missing-baseline").code == "KR003"


def test_get_rule_unknown_lists_close_matches() -> None:
    with pytest.raises(ConfigError) as caught:
        get_rule("KR0002")
    text = str(caught.value)
    assert "KR0002" in text and "KR002" in text and "okrsync rules" in text
    with pytest.raises(ConfigError):
        get_rule("alignment")  # a family is not one rule


def test_describe_is_json_ready() -> None:
    described = [r.describe() for r in catalogue()]
    parsed = json.loads(json.dumps(described))
    first = next(d for d in parsed if d["code"] == "OBJ001")
    assert {"code", "name", "severity", "summary", "explanation", "hint", "family"} <= set(first)
    assert {t["key"]: t["default"] for t in first["thresholds"]} == {
        "max_per_team": 3,
        "max_per_owner": 3,
        "max_company": 5,
    }


def test_docs_rules_md_is_up_to_date() -> None:
    generated = render_rules_markdown()
    assert DOCS.read_text(encoding="utf-8") == generated, (
        "docs/rules.md is stale; regenerate it with: .venv/bin/python -c "
        "\"import okrsync.rules as r; print(r.render_rules_markdown(), end='')\" > docs/rules.md"
    )


def test_docs_list_every_rule_with_its_thresholds() -> None:
    text = render_rules_markdown()
    for rule in catalogue():
        assert f"### {rule.code} {rule.name}" in text
        for threshold in rule.threshold_docs():
            assert f"`{threshold['key']}`" in text
