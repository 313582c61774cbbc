"""The shipped example workspaces load, score as described, and render in every format."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import lxml.html

from okrsync.model import Workspace
from okrsync.render import render_json, render_markdown
from okrsync.render.html import render_html
from okrsync.review import Review
from okrsync.scoring import evaluate

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
IN_Q4 = date(2026, 11, 16)


def acme() -> Workspace:
    return Workspace.model_validate_json((EXAMPLES / "acme-workspace.json").read_text())


def test_acme_has_the_shape_the_docs_promise() -> None:
    ws = acme()
    assert len(ws.cycles) == 3
    assert 9 <= len(ws.objectives) <= 12
    assert 28 <= len(ws.key_results) <= 35
    assert {o.level for o in ws.objectives} == {"company", "department", "team"}
    assert {kr.kind for kr in ws.key_results} >= {"at_least", "at_most", "milestone", None}
    assert ws.check_ins
    owners = {p for o in ws.objectives for p in o.owners} | {
        p for kr in ws.key_results for p in kr.owners
    }
    assert owners <= {p.id for p in ws.people}
    objective_ids = {o.id for o in ws.objectives}
    assert all(kr.objective in objective_ids for kr in ws.key_results)


def test_acme_scores_in_the_running_quarter() -> None:
    ev = evaluate(acme(), IN_Q4)
    assert {c.id: c.phase for c in ev.cycles.values()} == {
        "2026-Q3": "after",
        "2026-Q4": "during",
        "2027-Q1": "before",
    }
    inferred = {ev.key_results[kr.id].kind for kr in acme().key_results}
    assert inferred == {"increase", "decrease", "at_least", "at_most", "milestone"}
    launch = ev.objectives["acme-q3-c1"]
    assert launch.miss is True  # the committed launch ended at 0.97
    assert launch.health == "green"
    assert ev.objectives["acme-q1-c1"].health == "not_started"
    healths = {r.health for r in ev.objectives.values()}
    assert {"on_track", "at_risk"} <= healths
    assert ev.key_results["kr-cs-ttv"].unscored == "missing_start"


def test_acme_renders_in_every_format() -> None:
    ws = acme()
    review = Review(
        workspace=ws,
        evaluation=evaluate(ws, IN_Q4),
        generated_at=datetime(2026, 11, 16, 7, tzinfo=UTC),
        source="acme",
    )
    report = render_json(review)
    assert json.loads(json.dumps(report, allow_nan=False)) == report
    assert len(report["objectives"]) == len(ws.objectives)
    markdown = render_markdown(review, per_team=True)
    assert "# OKR Review Q4 2026 - Platform" in markdown
    doc: Any = lxml.html.document_fromstring(render_html(review, per_team=True))
    sections = [str(s) for s in doc.xpath('//section[@class="review"]/@id')]
    # the running quarter leads, with its teams; then the next quarter; then the finished one
    cycles = [key for key in sections if ":" not in key]
    assert cycles == ["2026-Q4", "2027-Q1", "2026-Q3"]
    assert sections[1] == "2026-Q4:customer-success"
    assert sections[-1] == "2026-Q3:support"
    # the lead review has the short anchors, the others suffixed ones; ids stay unique
    ids = [str(i) for i in doc.xpath("//@id")]
    assert len(ids) == len(set(ids))
    assert {"objectives", "alignment", "findings", "findings-2026-Q3"} <= set(ids)
    assert markdown.index("# OKR Review Q4 2026\n") < markdown.index("# OKR Review Q3 2026\n")


def test_sales_example_report_via_json() -> None:
    ws = Workspace.model_validate_json((EXAMPLES / "sales-example.json").read_text())
    review = Review(
        workspace=ws,
        evaluation=evaluate(ws, date(2025, 8, 15)),
        generated_at=datetime(2025, 8, 15, tzinfo=UTC),
    )
    (objective,) = render_json(review)["objectives"]
    assert (objective["score"], objective["grade"], objective["health"]) == (0.3, 0.3, "on_track")
