"""Configuring the rules like a linter: select, ignore, severity, thresholds, suppressions."""

from __future__ import annotations

import random

import pytest
from pydantic import ValidationError

from okrsync.errors import ConfigError
from okrsync.model import Finding, Severity, Workspace
from okrsync.rules import (
    FailOn,
    RuleSettings,
    catalogue,
    check,
    fails,
    filter_findings,
    make_finding,
    parse_suppressions,
    select_rules,
)
from tests.unit.test_rules_checks import base_workspace, evaluation, key_result, objective, replace


def messy_workspace() -> Workspace:
    """The baseline with several problems across families."""
    ws = base_workspace()
    return replace(
        ws,
        objectives=[objective("T1", parents=(), owners=()), objective("T2", title="Grow by 20%")],
        key_results=[
            key_result("T1-1", "T1", owners=(), title="Launch the referral programme"),
            key_result("T1-2", "T1", owners=(), start=None),
            key_result("T2-1", "T2", owners=()),
        ],
    )


def codes(settings: RuleSettings | None = None) -> set[str]:
    """The codes `check` reports on the messy workspace under `settings`."""
    ws = messy_workspace()
    settings = settings or RuleSettings()
    return {f.code for f in check(ws, evaluation(ws), settings)}


def test_default_settings_run_every_family() -> None:
    found = codes()
    assert {"OBJ005", "OBJ006", "KR002", "KR003", "KR007", "ALN001", "PF001"} <= found


@pytest.mark.parametrize(
    ("select", "expected"),
    [
        (("KR002",), {"KR002"}),
        (("kr002",), {"KR002"}),
        (("key-result-is-a-task",), {"KR002"}),
        (("alignment",), {"ALN001"}),
        (("ALN",), {"ALN001"}),
        (("key_results",), {"KR002", "KR003", "KR007"}),
        (("KR00",), {"KR002", "KR003", "KR007"}),
        (("objectives", "PF001"), {"OBJ002", "OBJ005", "OBJ006", "PF001"}),
    ],
)
def test_select_by_code_name_family_and_prefix(select: tuple[str, ...], expected: set[str]) -> None:
    assert codes(RuleSettings(select=select)) == expected


def test_ignore_by_code_and_family_wins_over_select() -> None:
    everything = codes()
    assert codes(RuleSettings(ignore=("KR007",))) == everything - {"KR007"}
    assert codes(RuleSettings(ignore=("key_results",))) == {
        c for c in everything if not c.startswith("KR")
    }
    assert codes(RuleSettings(select=("KR002",), ignore=("kr",))) == set()


def test_severity_override_by_code_or_name() -> None:
    ws = messy_workspace()
    default = check(ws, evaluation(ws), RuleSettings(select=("KR007",)))
    assert {f.severity for f in default} == {"info"}
    for key in ("KR007", "key-result-without-owner"):
        raised = check(ws, evaluation(ws), RuleSettings(select=("KR007",), severity={key: "error"}))
        assert {f.severity for f in raised} == {"error"}
        assert len(raised) == len(default) == 3


def test_thresholds_for_fills_defaults_and_applies_overrides() -> None:
    settings = RuleSettings(thresholds={"OBJ001": {"max_per_team": 4}})
    values = settings.thresholds_for("OBJ001").model_dump()
    assert values == {"max_per_team": 4, "max_per_owner": 3, "max_company": 5}
    assert RuleSettings().thresholds_for("KR006").model_dump() == {"days": 14}


@pytest.mark.parametrize(
    ("settings", "fragments"),
    [
        ({"thresholds": {"OBJ001": {"max_per_tem": 4}}}, ["OBJ001", "max_per_tem", "unknown key"]),
        ({"thresholds": {"KR006": {"days": "soon"}}}, ["KR006", "days", "integer"]),
        ({"thresholds": {"KR006": {"days": 0}}}, ["KR006", "days", "greater than or equal"]),
        ({"thresholds": {"KR999": {"days": 3}}}, ["KR999", "not a rule code"]),
        ({"select": ["KR02"]}, ["select", "KR02"]),
        ({"ignore": ["alignmnet"]}, ["ignore", "alignmnet", "did you mean", "alignment"]),
        ({"severity": {"KR007": "fatal"}}, ["severity", "KR007"]),
        ({"severity": {"missing-baselin": "error"}}, ["missing-baselin", "missing-baseline"]),
        ({"fail_on": "sometimes"}, ["fail_on"]),
    ],
)
def test_invalid_settings_name_the_rule_and_key(
    settings: dict[str, object], fragments: list[str]
) -> None:
    with pytest.raises(ValidationError) as caught:
        RuleSettings.model_validate(settings)
    text = str(caught.value)
    for fragment in fragments:
        assert fragment in text


def test_every_invalid_setting_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        RuleSettings.model_validate(
            {"select": ["NOPE1"], "thresholds": {"OBJ001": {"max_company": -1, "x": 1}}}
        )
    text = str(caught.value)
    assert "NOPE1" in text and "max_company" in text and "thresholds.OBJ001.x" in text


def test_suppression_on_one_key_result_only() -> None:
    ws = messy_workspace()
    quiet = replace(
        ws, key_results=[key_result("T1-1", "T1", owners=(), ignore_rules=("KR007", "kr002"))]
    )
    before = {(f.code, f.subject) for f in check(ws, evaluation(ws))}
    after = {(f.code, f.subject) for f in check(quiet, evaluation(quiet))}
    assert before - after == {("KR007", "T1-1"), ("KR002", "T1-1")}
    assert ("KR007", "T1-2") in after
    assert after - before == set()


def test_suppression_by_family_on_an_objective() -> None:
    ws = messy_workspace()
    quiet = replace(
        ws, objectives=[objective("T1", parents=(), owners=(), ignore_rules=("alignment",))]
    )
    after = {(f.code, f.subject) for f in check(quiet, evaluation(quiet))}
    assert ("ALN001", "T1") not in after
    assert ("OBJ005", "T1") in after  # other families still report on it
    assert ("KR007", "T1-1") in after  # its key results are not silenced


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("okrsync: ignore KR002", ("KR002",)),
        ("okrsync: ignore KR002, OBJ001", ("KR002", "OBJ001")),
        ("okrsync:ignore kr002 alignment", ("KR002", "alignment")),
        ("OKRSYNC: IGNORE ALN001", ("ALN001",)),
        ("okrsync ignore KR002 OBJ001", ("KR002", "OBJ001")),
        ("Context first. OKRSYNC: IGNORE kr002, obj001. More notes", ("KR002", "OBJ001")),
        ("Notes first\nokrsync: ignore KR002\nokrsync: ignore OBJ006, KR002", ("KR002", "OBJ006")),
        ("okrsync: ignore KR002 because the launch is the outcome", ("KR002",)),
        ("okrsync: ignore KR002 -- agreed with the coach", ("KR002",)),
        ("okrsync: ignore missing-baseline; see notes", ("missing-baseline",)),
        ("okrsync: ignore KR999", ("KR999",)),
        ("okrsync: ignore KR1 and KR2", ("KR1", "KR2")),
        ("okrsync: ignore alignment, KR002", ("alignment", "KR002")),
        ("okrsync: ignore", ()),
        ("no directive here, KR002", ()),
        ("", ()),
    ],
)
def test_parse_suppressions(text: str, expected: tuple[str, ...]) -> None:
    assert parse_suppressions(text) == expected


def test_suppressions_in_a_multi_select() -> None:
    """The mapping hands a multi-select over as a list: one item per line."""
    assert parse_suppressions(["okrsync: ignore KR002", "other"]) == ("KR002",)


def test_parsed_suppressions_select_rules() -> None:
    for token in parse_suppressions("okrsync: ignore kr002, key-results, ALN"):
        assert select_rules(token)


def test_check_is_deterministic_and_sorted() -> None:
    ws = messy_workspace()
    ev = evaluation(ws)
    first = check(ws, ev)
    shuffled_objectives = list(ws.objectives)
    shuffled_krs = list(ws.key_results)
    rng = random.Random(7)
    rng.shuffle(shuffled_objectives)
    rng.shuffle(shuffled_krs)
    shuffled = ws.model_copy(
        update={"objectives": tuple(shuffled_objectives), "key_results": tuple(shuffled_krs)}
    )
    assert check(shuffled, ev) == first == check(ws, ev)
    rank = {"error": 0, "warning": 1, "info": 2}
    keys = [(rank[f.severity], f.code, f.subject, f.message) for f in first]
    assert keys == sorted(keys)
    assert len(first) > 5


def test_findings_carry_catalogue_fields() -> None:
    ws = messy_workspace()
    by_code = {r.code: r for r in catalogue()}
    for finding in check(ws, evaluation(ws)):
        rule = by_code[finding.code]
        assert (finding.hint, finding.family, finding.name) == (rule.hint, rule.family, rule.name)
        assert finding.message


def test_filter_findings_applies_settings_and_suppressions_to_mapping_findings() -> None:
    ws = replace(base_workspace(), objectives=[objective("T1", ignore_rules=("DATA003",))])
    found = [
        make_finding("DATA001", "T1-1", field="Target"),
        make_finding("DATA003", "T1", collection="objectives", field="Level", value="x", known=""),
        make_finding("DATA005", "dup", collection="objectives", id="dup"),
        Finding(code="X-CONNECTOR", severity="info", subject="s", message="other stage"),
    ]
    settings = RuleSettings(ignore=("DATA005",), severity={"DATA001": "error"})
    kept = filter_findings(found, settings, ws)
    assert [(f.code, f.severity) for f in kept] == [("DATA001", "error"), ("X-CONNECTOR", "info")]


def test_make_finding_falls_back_to_summary_when_params_are_missing() -> None:
    finding = make_finding("DATA001", "rec", field="Target")
    assert finding.message.startswith("A source value could not be read")
    assert "field='Target'" in finding.message
    assert make_finding("DATA001", "rec", message="custom").message == "custom"
    assert make_finding("kr002", "k").code == "KR002"


@pytest.mark.parametrize(
    ("severities", "fail_on", "expected"),
    [
        (["warning", "info"], "error", False),
        (["warning", "error"], "error", True),
        (["warning"], "warning", True),
        (["info"], "warning", False),
        (["info"], "info", True),
        (["error"], "never", False),
        ([], "info", False),
    ],
)
def test_fails(severities: list[Severity], fail_on: FailOn, expected: bool) -> None:
    findings = [Finding(code="KR002", severity=s, subject="x", message="m") for s in severities]
    assert fails(findings, fail_on) is expected


def test_settings_from_toml_shaped_data() -> None:
    settings = RuleSettings.model_validate(
        {
            "select": ["ALL"],
            "ignore": ["KR007", "alignment"],
            "severity": {"kr011": "warning"},
            "thresholds": {"objective-title-too-long": {"max_chars": 80}},
            "fail_on": "warning",
        }
    )
    assert settings.severity == {"KR011": "warning"}
    assert settings.thresholds_for("OBJ013").model_dump() == {"max_chars": 80}
    rules = {r.code: r for r in catalogue()}
    assert not settings.enabled(rules["ALN001"]) and settings.enabled(rules["KR002"])


def test_severity_by_family_with_a_single_rule_winning() -> None:
    settings = RuleSettings(severity={"ALN004": "error", "alignment": "info"})
    rules = {r.code: r for r in catalogue()}
    assert settings.severity_of(rules["ALN004"]) == "error"
    assert settings.severity_of(rules["ALN001"]) == "info"
    assert settings.severity_of(rules["KR002"]) == "warning"  # untouched default


def test_threshold_models_check_their_own_consistency() -> None:
    with pytest.raises(ValidationError) as caught:
        RuleSettings(thresholds={"KR012": {"low": 0.9}})
    assert "thresholds.KR012" in str(caught.value) and "below high" in str(caught.value)
    with pytest.raises(ValidationError) as family:
        RuleSettings(thresholds={"alignment": {"max_parents": 3}})
    assert "per rule code" in str(family.value)


def test_enabled_codes() -> None:
    settings = RuleSettings(select=("KR", "ALN004"), ignore=("KR007", "kpi-as-key-result"))
    kr_codes = {r.code for r in catalogue() if r.family == "key_results"}
    assert settings.enabled_codes() == (kr_codes - {"KR007", "KR011"}) | {"ALN004"}
    assert RuleSettings().enabled_codes() == {r.code for r in catalogue()}


def test_make_finding_rejects_unknown_codes() -> None:
    with pytest.raises(ConfigError) as caught:
        make_finding("DATA0001", "rec")
    assert "DATA001" in str(caught.value)
