"""The mapping's own findings (DATA codes: unreadable, unknown or bad values, missing fields,
broken relations) in German: each keeps its English message as its identity and carries a
catalogue id with named values, so a German source's warnings are German."""

from __future__ import annotations

import re

import pytest

from okrsync.i18n import translator
from okrsync.i18n.message import render
from okrsync.mapping.apply import MappingResult, apply_mapping
from okrsync.mapping.loader import parse_mapping
from okrsync.model import Finding
from okrsync.rules import finding_message, finding_record
from tests.unit.test_mapping_apply import NOTION, key_result, objective, rec, run

GERMAN = translator("de")
ENGLISH = translator("en")
# Words of the English frames that must not survive in German (source values and the
# mapping's own field names may).
ENGLISH_WORDS = re.compile(
    r"\b(holds|which|is not|cannot read|no value|skipped|another|objectives?|key results?|"
    r"linked to|its objective|uses the first|source field|the mapping|value map|it knows|"
    r"Input should|Value error|Field required|greater than|a number|a date|a confidence)\b"
)


def _broken() -> list[Finding]:
    """Something wrong in every way the mapping reports."""
    cycle_fields = NOTION.replace(
        "      start: Dates\n      end: Dates\n", "      start: From\n      end: To\n"
    )
    records = [
        objective("o1", "Umsatz", Type="Moonshot", Owner={"unreadable": "button", "raw": "Klick"}),
        objective("o0", ""),
        objective("o1", "Doppelt"),
        objective("o5", "Wachstum", Quarter="irgendwann", Level="Galaxie"),
        key_result(
            "k1",
            "Neukunden",
            "o1",
            **{
                "Target Value": "etwa 20",
                "Current Value": "1,5",
                "Start Value": "10.25",  # both marks: the record's locale stays "."
                "Due": "31.02.2025",
                "Confidence": "12",
                "Done": "vielleicht",
            },
        ),
        key_result("k3", "Gewicht", "o1", Weight=-2, Owner=5, Due="1 Foo 2025"),
        key_result("k4", "Verwaist", "weg"),
        rec("key_results", "k2", **{"Key Result": "Geteilt", "Objective": ["o1", "o5"]}),
        rec("cycles", "c1", Name="Rückwärts", Dates={"start": "2025-09-30", "end": "2025-09-01"}),
    ]
    found = list(run(records).findings)
    odd = rec("cycles", "c9", Name="Seltsam", From="2025-09-30", To="2025-09-01")
    found += run([odd], cycle_fields).findings
    bad: MappingResult = apply_mapping(
        parse_mapping(NOTION), [{"collection": "objectives", "fields": 3}], connector="test"
    )
    return [*found, *bad.findings]


@pytest.fixture(scope="module")
def findings() -> list[Finding]:
    return _broken()


def test_every_mapping_finding_has_a_message_id_and_its_english_is_its_identity(
    findings: list[Finding],
) -> None:
    assert {f.code for f in findings} >= {
        "DATA001",
        "DATA002",
        "DATA003",
        "DATA004",
        "DATA005",
        "DATA006",
        "DATA007",
    }
    for f in findings:
        assert f.message_id, f
        assert render(f.message_id, f.params, ENGLISH) == f.message
        assert finding_message(f, ENGLISH) == f.message


def test_every_mapping_finding_is_said_in_german(findings: list[Finding]) -> None:
    for f in findings:
        german = finding_message(f, GERMAN)
        assert not re.search(r"\{[a-z_]+(![rs])?\}", german), german  # every placeholder filled
        assert not ENGLISH_WORDS.search(german), german
        assert finding_message(f, GERMAN) == german  # rendering is stable


def _german(findings: list[Finding], code: str, subject: str, contains: str) -> str:
    said = [finding_message(f, GERMAN) for f in findings if (f.code, f.subject) == (code, subject)]
    matching = [text for text in said if contains in text]
    assert matching, said
    return matching[0]


def test_german_names_the_record_the_field_and_what_was_expected(findings: list[Finding]) -> None:
    assert _german(findings, "DATA001", "k1", "Target Value") == (
        "Schlüsselergebnis „Neukunden“ (k1): Quellfeld „Target Value“ (target): Der Wert "
        '"etwa 20" ist nicht lesbar; erwartet: eine Zahl (wie 27, „27 %“, „500 Tsd. €“, '
        "„1,2 Mio.“, „1.234,5“ oder „4,5 Sterne“)"
    )
    assert "diesen Tag gibt es im Kalender nicht" in _german(findings, "DATA001", "k1", "Due")
    assert "„Foo“ ist kein Monatsname" in _german(findings, "DATA001", "k3", "Due")
    assert "„,“ trennt hier Tausender" in _german(findings, "DATA001", "k1", "Current")
    assert "eine Zuversicht" in _german(findings, "DATA001", "k1", "Confidence")
    assert _german(findings, "DATA003", "o5", "Level").endswith(
        'deshalb gilt der Standardwert "team" (sie kennt " bereich ", "TRIBE")'
    )
    assert _german(findings, "DATA002", "o0", "Kein Wert") == (
        "Ziel o0: Kein Wert für Quellfeld „Objective“ (title); das Ziel wird übersprungen"
    )
    assert "Ein anderes Ziel hat dieselbe ID" in _german(findings, "DATA005", "o1", "ID")
    assert "vom Typ button ist nicht lesbar" in _german(findings, "DATA006", "o1", "Klick")
    assert "Mit 2 Zielen verknüpft (o1, o5)" in _german(findings, "DATA001", "k2", "Mit")
    assert "Das zugehörige Ziel weg" in _german(findings, "DATA004", "k4", "weg")


def test_pydantic_problems_are_said_by_their_kind(findings: list[Finding]) -> None:
    weight = next(f for f in findings if f.subject == "k3" and "weight" in f.message)
    assert "Input should be greater than or equal to 0" in weight.message  # English as before
    assert finding_message(weight, GERMAN).endswith("weight -2.0: muss mindestens 0 sein")
    odd = next(f for f in findings if f.subject == "c9")
    assert odd.code == "DATA007" and "ends (2025-09-01) before it starts" in odd.message
    assert finding_message(odd, GERMAN) == (
        "Zyklus „Seltsam“ (c9): die Werte widersprechen sich (etwa ein Ende vor dem Anfang); "
        "der Eintrag wird übersprungen"
    )
    record = next(f for f in findings if f.subject == "record #1")
    assert finding_message(record, GERMAN) == (
        "Quelldatensatz record #1: external_id: ein Wert ist Pflicht; fields: kein gültiger Wert"
    )


def test_a_mapping_finding_as_data_keeps_its_english_values(findings: list[Finding]) -> None:
    target = next(f for f in findings if f.subject == "k1" and "Target Value" in f.message)
    data = finding_record(target, GERMAN)
    assert data["message"] == finding_message(target, GERMAN)
    assert data["params"] == {
        "who": 'key result "Neukunden" (k1)',
        "field": 'source field "Target Value" (target)',
        "problem": target.message.split("(target) ", 1)[1],
    }
