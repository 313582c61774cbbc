"""The rule catalogue in German: findings keep their English identity and their message id
with parameters, and say themselves in German without English left over."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from okrsync.cli.sync_cmd import format_lint
from okrsync.config import Config, parse_config
from okrsync.errors import ConfigError
from okrsync.i18n import translator
from okrsync.i18n.message import param_names, render
from okrsync.model import CheckIn, Cycle, Finding, Workspace
from okrsync.rules import (
    RuleSettings,
    catalogue,
    check,
    describe_rule,
    finding_hint,
    finding_message,
    finding_record,
    make_finding,
    rule_title,
)
from okrsync.scoring import evaluate
from okrsync.sync import LintResult
from tests.unit.test_rules_checks import AT, Q2, Q3, base_workspace, key_result, objective, stamp

GERMAN = translator("de")
ENGLISH = translator("en")
# Words of the English messages that must not survive in German (the titles below are German).
ENGLISH_WORDS = re.compile(
    r"\b(key results?|objectives?|has no|is off track|on track|at risk|cycle|owner|"
    r"score|checked in|aligned|more than|fewer than|which|days?)\b"
)


def messy_workspace() -> Workspace:
    """German OKRs with something wrong almost everywhere, so that most rules fire."""
    ws = base_workspace()
    long_title = "Wir werden " + "sehr " * 30 + "gut"
    objectives = [
        *ws.objectives,
        *(objective(f"T{i}", title=f"Vertrieb stärken {i}", owners=("ana",)) for i in range(2, 6)),
        objective("D1", title="Vertrieb stärken 2", team="Marketing", owners=("ben",)),
        objective("M1", title="Umsatz um 20 % steigern", team="Marketing", owners=()),
        objective("L1", title=long_title, team="Support", parents=()),
        objective("X1", title="Ohne Zyklus", team="Support", cycle=None),
        objective("P1", title="Altes Ziel", team="Support", parents=("T1", "C1", "M1")),
        objective("Q1", title="Im alten Quartal", team="Support", parents=("ZZ",)),
        objective("C2", title="Neuen Markt öffnen", level="company", team=None, parents=()),
        objective("R1", title="Kreis eins", team="Ops", parents=("R2",)),
        objective("R2", title="Kreis zwei", team="Ops", parents=("R1",)),
        objective("I1", title="Firma folgt Team", level="company", team=None, parents=("T1",)),
    ]
    key_results = [
        *ws.key_results,
        key_result("K1", "M1", title="Marktanteil", target=None, start=None, current=None),
        key_result("K2", "M1", title="Onboarding-Prozess einführen", owners=()),
        key_result("K3", "D1", title="Kosten senken", start=None, kind="decrease"),
        key_result("K4", "D1", title="Quote halten", start=50.0, target=50.0, current=50.0),
        key_result("K5", "T2", title="Anteil der Stammkunden", unit="%", start=10.0, target=250.0),
        key_result("K6", "T2", title="Abschlussquote", kind="increase", start=30.0, target=20.0),
        key_result(
            "K7", "T3", title="Neukunden", current=60.0, confidence=0.1, updated_at=stamp(AT)
        ),
        key_result("K8", "T3", title="Termine", due=date(2026, 1, 10)),
        key_result("K9", "T4", title="Vertriebsgespräche", updated_at=stamp(date(2025, 7, 2))),
        key_result("KA", "T4", title="Angebote", updated_at=stamp(date(2025, 7, 3))),
        key_result("KB", "T5", title="Rückläufer", weight=0.0, current=22.0, confidence=0.95),
        key_result("KC", "T5", title="Nachfasser", weight=0.0, current=22.0),
        key_result("KD", "Q1", title="Leads", kind="at_least"),
        *(key_result(f"KE{i}", "I1", title=f"Kennzahl {i}") for i in range(6)),
    ]
    check_ins = [
        CheckIn(key_result=kr.id, at=stamp(date(2025, 8, 10)), value=kr.current)
        for kr in key_results
        if kr.id not in ("K9", "KA")
    ]
    check_ins.append(CheckIn(key_result="ZZ-1", at=stamp(date(2025, 8, 1)), value=1.0))
    empty = Cycle(id="q4", name="Q4 2025", start=date(2025, 10, 1), end=date(2025, 10, 10))
    return ws.model_copy(
        update={
            "cycles": (Q3, Q2, empty),
            "objectives": tuple(
                o.model_copy(update={"cycle": "q2"}) if o.id == "Q1" else o for o in objectives
            ),
            "key_results": tuple(key_results),
            "check_ins": tuple(check_ins),
        }
    )


@pytest.fixture(scope="module")
def findings() -> list[Finding]:
    ws = messy_workspace()
    return check(ws, evaluate(ws, AT), RuleSettings())


def test_findings_keep_their_message_id_and_parameters(findings: list[Finding]) -> None:
    ids = {f.message_id for f in findings}
    assert len({f.code for f in findings}) >= 25
    assert len(ids) >= 25 and "" not in ids
    for f in findings:
        assert render(f.message_id, f.params, ENGLISH) == f.message, "English is the identity"
        assert finding_message(f, ENGLISH) == f.message


def test_every_finding_is_said_in_german_without_english_left(findings: list[Finding]) -> None:
    for f in findings:
        german = finding_message(f, GERMAN)
        assert german != f.message
        assert "{" not in german and "}" not in german, german
        assert not ENGLISH_WORDS.search(german), german
        hint = finding_hint(f, GERMAN)
        assert hint and hint != f.hint, f.code


def test_german_formats_numbers_dates_and_quotes_titles(findings: list[Finding]) -> None:
    stale = next(f for f in findings if f.code == "KR006" and f.subject == "T4")
    assert finding_message(stale, GERMAN) == (
        "Bei „Vertrieb stärken 4“ sind 2 von 2 Schlüsselergebnissen länger als 14 Tage ohne "
        "Check-in oder Aktualisierung (am längsten 44 Tage, seit 2. Juli 2025)"
    )
    weights = next(f for f in findings if f.code == "OBJ011")
    assert finding_message(weights, GERMAN) == (
        "Alle 2 Schlüsselergebnisse von „Vertrieb stärken 5“ haben das Gewicht 0"
    )
    percent = next(f for f in findings if f.code == "KR008")
    assert "250\u00a0%" in finding_message(percent, GERMAN)


def test_a_finding_as_data_names_its_parameters() -> None:
    finding = make_finding(
        "DATA001",
        "p1",
        collection="key_results",
        field="Current",
        value="etwa 20",
        expected="a number",
    )
    record = finding_record(finding, GERMAN)
    assert record["message_id"].startswith("{collection} field {field!r} holds")
    assert record["params"] == {
        "collection": "key_results",
        "field": "Current",
        "value": "etwa 20",
        "expected": "a number",
    }
    assert record["message"].startswith("key_results: Feld „Current“ enthält „etwa 20“")
    assert finding_record(finding, ENGLISH)["message"] == finding.message


def test_every_rule_has_german_texts() -> None:
    for rule in catalogue():
        words = describe_rule(rule, GERMAN)
        english = rule.describe()
        for key in ("title", "summary", "explanation", "hint"):
            assert words[key] and words[key] != english[key], (rule.code, key)
        assert rule_title(rule, ENGLISH) == rule.name.replace("-", " ")


def _config(tmp_path: Path) -> dict[str, Any]:
    (tmp_path / "mapping.yaml").write_text("version: 1\n", encoding="utf-8")
    return tomllib.loads(SOURCES)


SOURCES = """
[sources.wiki]
connector = "notion"
mapping = "mapping.yaml"
language = "de"
options = { token_env = "NOTION_TOKEN", base_url = "http://127.0.0.1:8765" }

[sources.plain]
connector = "notion"
mapping = "mapping.yaml"
options = { token_env = "NOTION_TOKEN", base_url = "http://127.0.0.1:8766" }

[destinations.board]
connector = "notion"
language = "en"
[destinations.board.options]
token_env = "NOTION_TOKEN"
base_url = "http://127.0.0.1:8767"
review_parent = "0123456789abcdef0123456789abcdef"
"""


def _languages(config: Config) -> dict[str, str]:
    return {s.name: s.language for s in (*config.sources, *config.destinations)}


def test_language_is_set_globally_per_source_and_per_destination(tmp_path: Path) -> None:
    data = _config(tmp_path)
    config = parse_config(data, tmp_path / "okrsync.toml")
    assert config.language == "en"
    assert _languages(config) == {"wiki": "de", "plain": "en", "board": "en"}
    data["language"] = "DE"
    del data["destinations"]["board"]["language"]
    config = parse_config(data, tmp_path / "okrsync.toml")
    assert _languages(config) == {"wiki": "de", "plain": "de", "board": "de"}


def test_an_unknown_language_names_the_file_and_the_key(tmp_path: Path) -> None:
    data = _config(tmp_path)
    data["sources"]["plain"]["language"] = "fr"
    data["destinations"]["board"]["language"] = "tlh"
    data["language"] = "klingon"
    with pytest.raises(ConfigError) as caught:
        parse_config(data, tmp_path / "okrsync.toml")
    text = str(caught.value)
    assert str(tmp_path / "okrsync.toml") in text
    assert "sources.plain.language" in text and "'fr'" in text
    assert "destinations.board.language" in text and "'tlh'" in text
    assert "\n  - language: " in text and "'klingon'" in text and "en, de" in text


def test_lint_prints_findings_in_the_chosen_language(findings: list[Finding]) -> None:
    result = LintResult(findings={"team": findings[:3]})
    german = format_lint(result, "text", "de")
    english = format_lint(result, "text")
    for f in findings[:3]:
        assert finding_message(f, GERMAN) in german and f.message not in german
        assert f.message in english
    data = json.loads(format_lint(result, "json", "de"))
    first = data["findings"]["team"][0]
    assert first["message"] == finding_message(findings[0], GERMAN)
    assert first["message_id"] == findings[0].message_id
    assert set(first["params"]) == set(param_names(findings[0].message_id))


def test_rules_command_lists_and_explains_in_german() -> None:
    run = [sys.executable, "-m", "okrsync.cli.main", "rules"]
    listing = subprocess.run([*run, "--language", "de"], capture_output=True, text=True)
    assert listing.returncode == 0, listing.stderr
    assert "Schlüsselergebnisse" in listing.stdout and "Ein Ziel hat keine" in listing.stdout
    one = subprocess.run([*run, "KR006", "--language", "de"], capture_output=True, text=True)
    assert "veralteter Check-in" in one.stdout and "Fix: Aktuellen Wert" in one.stdout
    bad = subprocess.run([*run, "--language", "fr"], capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown language 'fr'" in bad.stderr
