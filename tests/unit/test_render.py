"""Tests of the Markdown, HTML and JSON renderers, including hostile workspace text."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from okrsync.model import Cycle, Finding, KeyResult, Objective, Person, Workspace
from okrsync.render import render_json, render_markdown
from okrsync.render.figures import change_text, value_text
from okrsync.render.html import render_html
from okrsync.render.markdown import escape
from okrsync.review import Review
from okrsync.scoring import evaluate

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HOSTILE = '<script>alert(1)</script> | <img src=x onerror="alert(2)"> & [x](javascript:y)'
GENERATED = datetime(2025, 8, 15, 6, 30, tzinfo=UTC)


def sales_review() -> Review:
    ws = Workspace.model_validate_json((EXAMPLES / "sales-example.json").read_text())
    finding = Finding(
        code="KR011",
        severity="warning",
        subject="kr-pipeline",
        message="A KPI kept as a key result",
        hint="Track the pipeline as a health metric",
    )
    return Review(
        workspace=ws,
        evaluation=evaluate(ws, date(2025, 8, 15)),
        findings=(finding,),
        generated_at=GENERATED,
        previous_scores={"obj-sales-win": 0.2},
        source="notion",
        planning_weeks=13,  # the whole quarter: planning findings are shown in full
    )


def hostile_review() -> Review:
    cycle = Cycle(id="c", name=HOSTILE, start=date(2025, 7, 1), end=date(2025, 9, 30))
    ws = Workspace(
        cycles=(cycle,),
        people=(Person(id="p", name=HOSTILE),),
        objectives=(
            Objective(
                id="o",
                title=HOSTILE,
                description=HOSTILE,
                team=HOSTILE,
                owners=("p",),
                cycle="c",
                level="company",
            ),
            Objective(id='o2"><b>', title=HOSTILE, cycle="c", parents=("o",), team=HOSTILE),
        ),
        key_results=(
            KeyResult(
                id="k", objective="o", title=HOSTILE, start=0, target=1, current=0.5, unit=HOSTILE
            ),
        ),
    )
    finding = Finding(code=HOSTILE, severity="error", subject="o", message=HOSTILE, hint=HOSTILE)
    return Review(
        workspace=ws,
        evaluation=evaluate(ws, date(2025, 8, 15)),
        findings=(finding,),
        generated_at=GENERATED,
        source=HOSTILE,
    )


# --- JSON ---------------------------------------------------------------------------------------


def test_json_report_matches_the_worked_example() -> None:
    report = render_json(sales_review())
    json.dumps(report, allow_nan=False)  # plain, valid JSON
    assert report["at"] == "2025-08-15"
    (objective,) = report["objectives"]
    assert objective["id"] == "obj-sales-win"
    assert objective["score"] == 0.3
    assert objective["progress"] == 0.3
    assert objective["grade"] == 0.3
    assert objective["health"] == "on_track"
    assert objective["expected"] == pytest.approx(0.34, abs=0.005)
    assert objective["gap"] == pytest.approx(0.04, abs=0.005)
    assert objective["miss"] is False
    assert objective["change"] == 0.1
    krs = {k["id"]: k for k in report["key_results"]}
    assert (krs["kr-close-rate"]["score"], krs["kr-close-rate"]["progress"]) == (0.5, 0.5)
    assert (krs["kr-calls"]["score"], krs["kr-calls"]["grade"]) == (0.4, 0.4)
    assert krs["kr-pipeline"]["score"] == 0.0
    assert krs["kr-pipeline"]["kind"] == "at_least"
    assert krs["kr-pipeline"]["objective"] == "obj-sales-win"
    for kr in report["key_results"]:
        assert {"id", "objective", "title", "progress", "score", "grade", "health", "kind"} <= set(
            kr
        )
    assert report["findings"] == [
        {
            "code": "KR011",
            "severity": "warning",
            "subject": "kr-pipeline",
            "message": "A KPI kept as a key result",
            "hint": "Track the pipeline as a health metric",
            "family": "",
            "name": "",
        }
    ]
    assert report["cycles"][0]["id"] == "2025-Q3"
    assert report["cycles"][0]["phase"] == "during"


def test_json_report_has_no_non_finite_numbers() -> None:
    ws = Workspace(
        objectives=(Objective(id="o", title="O"),),
        key_results=(KeyResult(id="k", objective="o", title="K", start=float("inf"), target=1),),
    )
    review = Review(workspace=ws, evaluation=evaluate(ws, date(2025, 1, 1)), generated_at=GENERATED)
    report = render_json(review)
    json.dumps(report, allow_nan=False)
    assert report["key_results"][0]["start"] is None


# --- Markdown -------------------------------------------------------------------------------------


def test_markdown_shows_the_review() -> None:
    text = render_markdown(sales_review())
    assert text.startswith("# OKR Review Q3 2025\n")
    assert "| Win more of the deals we already have in reach | Team | Maria Lopez | 0.3 |" in text
    assert "| On track | 0.34 | – | +0.08 since Mon, Aug 11 | – |" in text
    assert "| Increase close rate from 22% to 27% | Tom Becker | Increase | 22% | 24.5% |" in text
    assert "$420K" in text
    assert "*Fix:* Track the pipeline as a health metric" in text
    assert "### Warnings (1)" in text


def test_markdown_escapes_pipes_and_markup_in_cells() -> None:
    text = render_markdown(hostile_review())
    table_rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert table_rows
    for line in table_rows:
        # every unescaped pipe is a column border: the header and the rows agree on the count
        cells = line.replace("\\|", "").count("|")
        # 9 columns in the objectives table, 12 in the key results, 5, 5 and 3 in the meeting
        # view (needs attention, what changed, missing check-ins)
        assert cells in (10, 13, 6, 4)
    assert "<script>" not in text
    assert "\\<script\\>" in text
    assert "\\[x\\](javascript:y)" in text


def test_markdown_escape_flattens_lines() -> None:
    assert escape("a\n\n# b|c") == "a \\# b\\|c"


def test_markdown_per_team_adds_team_sections() -> None:
    text = render_markdown(sales_review(), per_team=True)
    assert "# OKR Review Q3 2025 - Sales" in text
    assert text.count("\n---\n") == 1


def parse(page: str) -> Any:
    """The document as an lxml tree (typed Any: lxml's XPath results are a wide union)."""
    return lxml.html.document_fromstring(page)


# --- HTML -----------------------------------------------------------------------------------------


def test_html_parses_and_shows_the_review() -> None:
    page = render_html(sales_review())
    doc = parse(page)
    assert doc.findtext(".//title") == "OKR Review - notion"
    rows = doc.xpath('//h2[@id="objectives"]/following-sibling::table[1]/tbody/tr')
    cells = [c.text_content() for c in rows[0].xpath("td")]
    assert cells == [
        "Win more of the deals we already have in reach",
        "Team",
        "Maria Lopez",
        "0.3",
        "On track",
        "0.34",
        "–",
        "+0.08 since Mon, Aug 11",
        "–",
    ]
    badges = doc.xpath('//span[contains(@class, "health")]/@class')
    assert "health c-green" in badges
    assert "health c-red" in badges  # the pipeline KR
    bars = doc.xpath('//span[@class="bar"]/span/@style')
    assert sorted(bars) == ["width:0%", "width:40%", "width:50%"]
    assert doc.xpath('//ul[@class="tree"]/li')
    assert "Fix: Track the pipeline as a health metric" in doc.text_content()


def test_html_never_turns_workspace_text_into_markup() -> None:
    page = render_html(hostile_review(), per_team=True)
    doc = parse(page)
    assert doc.xpath("//script") == []
    assert doc.xpath("//img") == []
    assert doc.xpath("//*[@onerror]") == []
    assert doc.xpath("//b") == []
    assert all(href.startswith("#") for href in doc.xpath("//a/@href"))  # in-page links only
    # the hostile text is still there, as text
    assert doc.text_content().count("<script>alert(1)</script>") >= 5


def test_html_of_an_empty_workspace() -> None:
    ws = Workspace()
    review = Review(workspace=ws, evaluation=evaluate(ws, date(2025, 1, 1)), generated_at=GENERATED)
    doc = parse(render_html(review))
    assert "No objectives in this workspace." in doc.text_content()
    assert "No objectives in this workspace." in render_markdown(review)


# --- figures -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (24.5, "%", "24.5%"),
        (500000, "$", "$500K"),
        (2_400_000, "$", "$2.4M"),
        (95_000, "$", "$95,000"),
        (2.4e6, "accounts", "2,400,000 accounts"),
        (-1200, "€", "-€1,200"),
        (4.2, "calls/week", "4.2 calls/week"),
        (3.0, None, "3"),
        (-0.001, None, "0"),
        (None, "%", "–"),
    ],
)
def test_value_text(value: float | None, unit: str | None, text: str) -> None:
    assert value_text(value, unit) == text


def test_change_text() -> None:
    assert change_text(0.1) == "+0.10"
    assert change_text(-0.05) == "-0.05"
    assert change_text(0.0001) == "0.00"
    assert change_text(None) == ""
