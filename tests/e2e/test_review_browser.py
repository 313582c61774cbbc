"""The review HTML lays out its meeting view, objectives table and findings in a real browser.

Renders the demo company's review (the same `render_html` that writes the demo's review.html),
loads it in headless Chromium, measures the layout from inside the page, and saves screenshots
to test-artifacts/ (review.png, the whole page; meeting-view.png, the top a meeting starts
from; review-de.png and meeting-view-de.png in German) for a person to look at.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from lxml import html as lxml_html

from okrsync.demo.company import demo_company
from okrsync.i18n import translator
from okrsync.render.html import render_html
from okrsync.report import review_workspace
from tests.e2e.browser import file_url, run_chromium

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

MEASURE = """
<script>
window.addEventListener('load', () => {
  const box = (el) => { const r = el.getBoundingClientRect();
    return {top: r.top + window.scrollY, width: r.width, height: r.height}; };
  const tables = [...document.querySelectorAll('table')];
  const heading = document.querySelector('#objectives');
  const table = tables.find(t => heading && (heading.compareDocumentPosition(t) & 4));
  const rows = table ? [...table.querySelectorAll('tr')] : [];
  const findings = document.querySelector('#findings');
  const meeting = document.querySelector('#meeting');
  const result = {
    viewport: document.documentElement.clientWidth,
    scrollWidth: document.documentElement.scrollWidth,
    tables: tables.length,
    firstTable: table ? box(table) : null,
    rowHeights: rows.map(r => r.getBoundingClientRect().height),
    findings: findings ? box(findings) : null,
    findingItems: findings ? findings.querySelectorAll('li').length : 0,
    meeting: meeting ? box(meeting) : null,
    meetingHeadings: meeting ? [...meeting.querySelectorAll('h2')].map(h => h.textContent) : [],
    attentionRows: meeting ? meeting.querySelectorAll('table tbody tr').length : 0,
  };
  const out = document.createElement('pre');
  out.id = 'layout-result';
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
});
</script>
"""


MEETING_HEADINGS = {
    "en": ["Needs attention", "What changed since Mon, Nov 16", "Missing check-ins", "Decisions"],
    "de": [
        "Braucht Aufmerksamkeit",
        "Was sich seit Mo., 16. Nov. verändert hat",
        "Fehlende Check-ins",
        "Entscheidungen",
    ],
}


def _review_html(language: str = "en") -> str:
    today = date(2026, 11, 21)
    review = review_workspace(
        demo_company(today), at=today, generated_at=datetime(2026, 11, 21, 9, tzinfo=UTC)
    )
    return render_html(review, t=translator(language))


@pytest.mark.parametrize("language", ["en", "de"])
def test_review_html_lays_out_table_and_findings_in_chromium(tmp_path: Path, language: str) -> None:
    page = _review_html(language)
    measured = tmp_path / "review-measured.html"
    measured.write_text(page.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    proc = run_chromium(
        "--window-size=1280,900", "--virtual-time-budget=5000", "--dump-dom", file_url(measured)
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = lxml_html.fromstring(proc.stdout)
    result_text = dom.get_element_by_id("layout-result").text_content()
    layout = json.loads(result_text)

    assert layout["tables"] >= 1
    table = layout["firstTable"]
    assert table["width"] > 600, "the objectives table should use the page width"
    assert len(layout["rowHeights"]) >= 10 and all(h > 10 for h in layout["rowHeights"])
    assert layout["scrollWidth"] <= layout["viewport"] + 2, "nothing may overflow sideways"
    findings = layout["findings"]
    assert findings is not None, "the page must have a #findings section"
    assert findings["height"] > 50 and layout["findingItems"] >= 5
    assert findings["top"] > table["top"], "findings come after the objectives table"
    meeting = layout["meeting"]
    assert meeting is not None, "the review must open with the meeting view"
    assert layout["meetingHeadings"] == MEETING_HEADINGS[language]
    assert meeting["top"] < table["top"] and meeting["top"] < 900, "the meeting view comes first"
    assert meeting["width"] > 600 and layout["attentionRows"] >= 3

    ARTIFACTS.mkdir(exist_ok=True)
    suffix = "" if language == "en" else f"-{language}"
    plain = ARTIFACTS / f"review{suffix}.html"
    plain.write_text(page, encoding="utf-8")
    for name, height in (
        (f"review{suffix}.png", 2400),
        (f"meeting-view{suffix}.png", int(meeting["top"] + meeting["height"]) + 40),
    ):
        shot = ARTIFACTS / name
        shot.unlink(missing_ok=True)
        proc = run_chromium(f"--window-size=1280,{height}", f"--screenshot={shot}", file_url(plain))
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert shot.stat().st_size > 10_000
        assert re.match(rb"\x89PNG", shot.read_bytes()[:4])
