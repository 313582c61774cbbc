"""`okrsync demo --language de`: the review pages and OKR outputs in Notion and Confluence, and
review.html / review.md, read German (issue 13), and a second sync still writes nothing.

Runs the whole demo once in German (both sandboxes, two syncs) and reads what it wrote as a
person would. What the demo company itself says (its titles and names, in English) stays as
written; every word okrsync adds must be German. Saves the German review pages as screenshots
(test-artifacts/notion-review-de.png, confluence-review-de.png) beside the English ones.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date

import pytest
from lxml import html

from okrsync.demo.company import demo_company
from okrsync.demo.play import NOTES, SURGE_TEXTS, TODAY_TEXTS
from okrsync.demo.run import DemoResult, run_demo
from okrsync.i18n import translator
from okrsync.render.figures import health_text
from tests.e2e.browser import save_screenshot
from tests.e2e.demo_outputs import notion_pages, rich_text, visible_text
from tests.unit.test_render_german import WORD, english_words

TODAY = date(2026, 11, 21)
GERMAN = translator("de")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoResult]:
    yield run_demo(tmp_path_factory.mktemp("demo-de"), today=TODAY, language="de", weeks=3)


def _company_texts(demo: DemoResult) -> list[str]:
    """Everything the demo company says (its titles, names, units and notes)."""
    workspace = demo_company(TODAY)
    texts = [o.title for o in workspace.objectives] + [k.title for k in workspace.key_results]
    texts += [o.description or "" for o in workspace.objectives]
    texts += [o.team or "" for o in workspace.objectives] + [p.name for p in workspace.people]
    texts += [c.name for c in workspace.cycles] + [k.unit or "" for k in workspace.key_results]
    # the notes people wrote with their check-ins during the played weeks (the company's words)
    texts += [ci.note or "" for ci in (*workspace.check_ins, *demo.review.workspace.check_ins)]
    return sorted((t for t in texts if len(t) > 2), key=len, reverse=True)


def _english_left(text: str, company: list[str]) -> set[str]:
    text = re.sub(r"\\(.)", r"\1", text)  # Markdown's escapes ("People \& Operations")
    for piece in company:
        text = text.replace(piece, " ")
    return {w.casefold() for w in WORD.findall(text)} & english_words()


def _review_pages(demo: DemoResult) -> dict[str, str]:
    pages = {}
    for folder in ("notion-pages", "confluence-pages"):
        for page in sorted((demo.out / folder).glob("OKR-Review-*.html")):
            body = page.read_text(encoding="utf-8")
            body = re.sub(r'<p class="meta">.*?</p>', " ", body, count=1)  # the sandbox's bar
            pages[f"{folder}/{page.name}"] = visible_text(body)
    return pages


def test_the_german_demo_syncs_twice_and_the_second_writes_nothing(demo: DemoResult) -> None:
    assert demo.summaries[1].writes == 0
    assert demo.exit_code == 0
    assert 'language = "de"' in (demo.out / "okrsync.toml").read_text(encoding="utf-8")


def test_review_pages_read_german_in_notion_confluence_and_the_files(demo: DemoResult) -> None:
    pages = _review_pages(demo)
    assert any(name.startswith("notion-pages/") for name in pages)
    assert any(name.startswith("confluence-pages/") for name in pages)
    pages["review.md"] = (demo.out / "review.md").read_text(encoding="utf-8")
    pages["review.html"] = visible_text((demo.out / "review.html").read_text(encoding="utf-8"))
    company = _company_texts(demo)
    for name, text in pages.items():
        assert "Braucht Aufmerksamkeit" in text and "Fehlende Check-ins" in text, name
        assert "Needs attention" not in text and "On track" not in text, name
        left = _english_left(text, company)
        context = [line for line in text.splitlines() if any(w in line.casefold() for w in left)]
        assert not left, f"{name}: English words left: {sorted(left)} in {context[:3]}"
    notion = next(text for name, text in pages.items() if name.startswith("notion-pages/"))
    assert "Notizen" in notion and "Alles darunter erstellt okrsync" in notion
    confluence = pages["confluence-pages/OKR-Review-Q4-2026.html"]
    assert "Notizen (bleiben erhalten)" in confluence


def test_okr_page_outputs_are_german(demo: DemoResult) -> None:
    labels = {
        health_text(h, miss, GERMAN)
        for h in ("not_started", "on_track", "at_risk", "off_track", "green", "yellow", "red")
        for miss in (False, True)
    } | {health_text("no_data", False, GERMAN)}
    healths = [p.properties.get("Health") for p in notion_pages(demo.out / "notion-sandbox.json")]
    written = [h for h in healths if h]
    assert written and set(written) <= labels, set(written) - labels
    company = _company_texts(demo)
    for page in notion_pages(demo.out / "notion-sandbox.json"):
        warnings = rich_text(page.properties.get("Warnings"))
        assert not _english_left(warnings, company), warnings
    # The wiki's objective pages: okrsync's own box below the page's, its rows named in German
    # too (okrsync names them; "Ampel", not "Status", which the page's people keep for theirs).
    shown = 0
    for path in (demo.out / "confluence-pages").glob("*.html"):
        boxes = html.fromstring(path.read_text(encoding="utf-8")).xpath(
            "//div[@class='page-properties']"
        )
        if len(boxes) < 2:
            continue
        rows = {
            r[0].text_content().strip(): r[1].text_content().strip()
            for r in boxes[1].xpath(".//tr")
        }
        assert list(rows) == ["Bewertung", "Ampel", "Warnungen"], path.name
        assert rows["Ampel"] in labels and "." not in rows["Bewertung"], rows
        left = _english_left(f"{rows['Ampel']} {rows['Warnungen']}", company)
        assert not left, (path.name, left, rows["Warnungen"])
        shown += 1
    assert shown >= 5, "every objective page in the wiki shows okrsync's outputs"
    # The Objectives overview (a Page Properties Report) shows them as German columns, each
    # objective's Ampel the one on its page.
    overview = html.fromstring(
        (demo.out / "confluence-pages" / "Objectives.html").read_text(encoding="utf-8")
    ).xpath("//div[contains(@class, 'page-properties-report')]//table")[0]
    headers = [th.text_content().strip() for th in overview.xpath(".//thead//th")]
    assert {"Bewertung", "Ampel", "Warnungen"} <= set(headers), headers
    ampel = [
        r[headers.index("Ampel")].text_content().strip() for r in overview.xpath(".//tbody/tr")
    ]
    assert len(ampel) == shown and set(ampel) <= labels, ampel


@pytest.mark.parametrize("tool", ["notion", "confluence"])
def test_german_review_pages_in_chromium(demo: DemoResult, tool: str) -> None:
    page = demo.out / f"{tool}-pages" / "OKR-Review-Q4-2026.html"
    save_screenshot(page, f"{tool}-review-de.png")


def test_the_german_wiki_teams_write_their_check_ins_in_german(demo: DemoResult) -> None:
    """The German demo's wiki teams head their Check-ins table in German and write their notes in
    German; okrsync reads that table, and the Confluence review shows their German notes."""
    wiki = json.loads((demo.out / "confluence-sandbox.json").read_text(encoding="utf-8"))
    bodies = [p["versions"][-1]["body"] for p in wiki["pages"] if "okr" in p["labels"]]
    tables = [b.split("<h2>Check-ins</h2>", 1)[1] for b in bodies if "<h2>Check-ins</h2>" in b]
    assert tables, "the demo's wiki teams wrote check-ins with notes"
    for table in tables:
        header = visible_text(table.split("</tr>", 1)[0])
        assert "Schlüsselergebnis" in header and "Zuversicht" in header, header
        assert "Key result" not in header and "Confidence" not in header, header
    english = {*NOTES.values(), *TODAY_TEXTS, *SURGE_TEXTS}
    german = {GERMAN.gettext(note) for note in english}
    assert not german & english
    written = " ".join(visible_text(t) for t in tables)
    assert any(note in written for note in german) and not any(n in written for n in english)
    shown = " ".join(
        visible_text(page.read_text(encoding="utf-8"))
        for page in (demo.out / "confluence-pages").glob("OKR-Review-*.html")
    )
    assert any(note in shown and note in written for note in german)
    assert not any(note in shown for note in english)
