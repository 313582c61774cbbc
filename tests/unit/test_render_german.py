"""Everything okrsync writes for people reads German with `--language de` (issue 13).

The acceptance check: `okrsync report --input examples/sales-example.json --at 2025-08-15
--format markdown --language de` has no English left. What the workspace itself says (titles,
names, descriptions, units) stays as people wrote it; every other word must be German. "English"
is measured against the catalogue: a word of an English message that no German translation
uses.
"""

from __future__ import annotations

import functools
import html
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from babel.messages.pofile import read_po

from okrsync.cli.main import main
from okrsync.i18n import translator
from okrsync.model import Workspace
from okrsync.render.html import render_html
from okrsync.render.markdown import render_markdown
from okrsync.report import review_workspace
from tests.json_strings import json_strings

ROOT = Path(__file__).resolve().parents[2]
SALES = ROOT / "examples" / "sales-example.json"
ACME = ROOT / "examples" / "acme-workspace.json"
PO = ROOT / "okrsync" / "locale" / "de" / "LC_MESSAGES" / "okrsync.po"
WORD = re.compile(r"[A-Za-zÄÖÜäöüß]{4,}")
ENGLISH_HEALTH = ("On track", "At risk", "Off track", "Not started", "No data")


@functools.cache
def english_words() -> frozenset[str]:
    """Words of the English messages that no German translation uses (read once per process:
    the German demo test asks for every page it reads, and parsing the catalogue costs ~0.1 s)."""
    with PO.open("rb") as handle:
        catalogue = read_po(handle)
    english: set[str] = set()
    german: set[str] = set()
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in ids:
            english |= {w.casefold() for w in WORD.findall(re.sub(r"\{\w+\}", "", text))}
        for text in strings:
            german |= {w.casefold() for w in WORD.findall(re.sub(r"\{\w+\}", "", text))}
    return frozenset(english - german)


def okrsync_words(text: str, workspace_file: Path) -> set[str]:
    """The words of `text` once everything the workspace says is taken out."""
    own = sorted(json_strings(json.loads(workspace_file.read_text(encoding="utf-8"))), key=len)
    for piece in reversed(own):
        if len(piece) > 2:
            text = text.replace(piece, " ")
    return {w.casefold() for w in WORD.findall(text)}


def test_the_report_acceptance_command_writes_no_english(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["report", "--input", str(SALES), "--at", "2025-08-15", "--format", "markdown"]
    assert main([*args, "--language", "de"]) == 0
    german = capsys.readouterr().out
    for label in ENGLISH_HEALTH:
        assert label not in german
    assert "# OKR-Review Q3 2025" in german
    assert "## Braucht Aufmerksamkeit" in german and "| Ziel | Ebene |" in german
    assert "Stand 15. August 2025" in german and "24,5 %" in german
    left = okrsync_words(german, SALES) & english_words()
    assert not left, f"English words left in the German report: {sorted(left)}"
    # The same command in English still speaks English (the default).
    assert main(args) == 0
    english = capsys.readouterr().out
    assert "## Needs attention" in english and "As of August 15, 2025" in english


def test_a_larger_workspace_in_german_markdown_and_html() -> None:
    workspace = Workspace.model_validate_json(ACME.read_text(encoding="utf-8"))
    review = review_workspace(
        workspace, at=date(2026, 11, 16), generated_at=datetime(2026, 11, 16, 9, tzinfo=UTC)
    )
    t = translator("de")
    english = english_words()
    page = render_html(review, t=t)
    shown = lxml.html.fromstring(page).xpath("//body")[0].text_content()  # not the CSS
    for text in (render_markdown(review, per_team=True, t=t), shown):
        for label in ENGLISH_HEALTH:
            assert f">{label}<" not in text and f"| {label} |" not in text
        left = okrsync_words(text, ACME) & english
        assert not left, f"English words left: {sorted(left)}"
    assert '<html lang="de">' in page


def _notion_texts(blocks: Any) -> str:
    """Every text a Notion block tree shows."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("content"), str):
                found.append(value["content"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(blocks)
    return "\n".join(found)


def _storage_texts(body: str) -> str:
    """What a reader sees of a Confluence storage body (macro ids and colours left out)."""
    hidden = r'<ac:parameter ac:name="(colour|id|)">[^<]*</ac:parameter>'
    body = re.sub(hidden, "", body)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_notion_and_confluence_review_pages_in_german() -> None:
    from okrsync_confluence.review_page import render_review
    from okrsync_notion.blocks import review_blocks, skeleton_blocks

    from okrsync.review_build import build_cycle_reviews

    workspace = Workspace.model_validate_json(ACME.read_text(encoding="utf-8"))
    review = review_workspace(
        workspace, at=date(2026, 11, 16), generated_at=datetime(2026, 11, 16, 9, tzinfo=UTC)
    )
    t = translator("de")
    english = english_words()
    reviews = build_cycle_reviews(review, per_team=True, t=t)
    assert reviews
    for cycle_review in reviews:
        notion = _notion_texts([*skeleton_blocks("marker", t), *review_blocks(cycle_review, t)])
        confluence = _storage_texts(render_review(cycle_review, title="x", t=t).body())
        for text in (notion, confluence):
            assert "Braucht Aufmerksamkeit" in text and "Fehlende Check-ins" in text
            left = okrsync_words(text, ACME) & english
            assert not left, f"English words left: {sorted(left)}"
    assert "Notizen (bleiben erhalten)" in confluence


def test_chart_words_in_german() -> None:
    from okrsync.charts.labels import ENGLISH as CHART_ENGLISH
    from okrsync.charts.labels import chart_labels

    german = chart_labels(translator("de"))
    assert german.objective_title.format(name="Umsatz") == "Umsatz: Fortschritt"
    assert german.expected_pace == "Erwarteter Verlauf"
    assert german.date_format == "%d.%m.", "no month names: strftime would spell them in English"
    assert chart_labels(translator("en")) == CHART_ENGLISH
