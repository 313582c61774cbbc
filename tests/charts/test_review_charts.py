"""review.html's charts: a burn-up per cycle review, a progress chart per objective and a
sparkline per key result, inline SVG, deterministic, escaped, with unique ids."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import lxml.html

from okrsync.charts.labels import ChartLabels
from okrsync.charts.review_charts import (
    Chart,
    cycle_charts,
    labels_from_json,
    labels_to_json,
    series_from_json,
    series_to_json,
)
from okrsync.model import CheckIn, Cycle, KeyResult, Objective, Workspace
from okrsync.render.html import render_html
from okrsync.review import Review
from okrsync.review_build import build_cycle_reviews
from okrsync.scoring import evaluate

CYCLE = Cycle(id="q1", name="Q1 2026", start=date(2026, 1, 1), end=date(2026, 3, 31))
HOSTILE = '<script>alert(1)</script> & "x"'


def _at(day: int) -> datetime:
    return datetime(2026, 1, day, 9, 0, tzinfo=UTC)


def _review(extra: tuple[CheckIn, ...] = ()) -> Review:
    workspace = Workspace(
        cycles=(CYCLE,),
        objectives=(
            Objective(id="o1", title="Grow revenue", cycle="q1", kind="committed"),
            Objective(id="o2", title=HOSTILE, cycle="q1"),
        ),
        key_results=(
            KeyResult(id="k1", objective="o1", title="ARR", start=0, target=100, current=60),
            KeyResult(id="k2", objective="o1", title="Deals", start=0, target=10, current=5),
            KeyResult(id="k3", objective="o2", title="NPS", start=20, target=60, current=40),
        ),
        check_ins=(
            CheckIn(key_result="k1", at=_at(5), value=10),
            CheckIn(key_result="k1", at=_at(12), value=30),
            CheckIn(key_result="k1", at=_at(19), value=60),
            CheckIn(key_result="k2", at=_at(12), value=5),
            CheckIn(key_result="k3", at=_at(5), value=40),
            *extra,
        ),
    )
    return Review(
        workspace=workspace,
        evaluation=evaluate(workspace, date(2026, 1, 20)),
        generated_at=datetime(2026, 1, 20, 6, 0, tzinfo=UTC),
    )


def test_review_html_holds_a_burn_up_a_chart_per_objective_and_sparklines() -> None:
    text = render_html(_review())
    doc = lxml.html.fromstring(text)
    figures = doc.xpath("//figure[@class='chart']")
    labels = [f.get("aria-label") for f in figures]
    assert labels[0] == "Q1 2026: mean score"  # the burn-up leads, before the objectives
    assert sorted(labels[1:]) == sorted(["Grow revenue: progress", f"{HOSTILE}: progress"])
    assert all(f.xpath(".//*[local-name()='svg']") for f in figures)
    sparks = doc.xpath("//span[@class='sparkline']")
    # ARR moved three times; Deals and NPS have one value each: no trend, no sparkline
    assert [s.get("aria-label") for s in sparks] == ["ARR: score over time"]
    ids = [str(i) for i in doc.xpath("//@id")]
    assert len(ids) == len(set(ids))
    refs = set(re.findall(r'(?:url\(#|href="#)([^")]+)', text))
    assert refs <= set(ids)  # every reference inside an SVG points at its own chart's ids


def test_review_html_charts_are_deterministic_and_follow_the_data() -> None:
    assert render_html(_review()) == render_html(_review())
    moved = render_html(_review((CheckIn(key_result="k3", at=_at(19), value=55),)))
    assert moved != render_html(_review())
    assert moved.count('class="sparkline"') == 2  # NPS now has a trend


def test_workspace_text_in_a_chart_is_escaped() -> None:
    text = render_html(_review())
    assert "<script>alert(1)" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_sparkline_rises_with_the_score() -> None:
    text = render_html(_review())
    (points,) = re.findall(r'<polyline[^>]* points="([^"]+)"', text)
    ys = [float(pair.split(",")[1]) for pair in points.split()]
    assert ys == sorted(ys, reverse=True) and ys[0] > ys[-1]  # SVG y grows downwards


def test_chart_digest_and_file_name_are_stable_and_follow_what_is_drawn() -> None:
    review = _review()
    (cycle_review,) = build_cycle_reviews(review)
    history = review.workspace.check_ins_by_key_result()
    charts = cycle_charts(cycle_review, history, review.evaluation.settings)
    again = cycle_charts(cycle_review, history, review.evaluation.settings)
    assert [c.digest() for c in charts.all()] == [c.digest() for c in again.all()]
    german = ChartLabels(cycle_title="{name}: Mittelwert")
    assert charts.burn_up.digest(german) != charts.burn_up.digest()
    names = [c.filename for c in charts.all()]
    assert len(set(names)) == 3 and all(
        re.fullmatch(r"okrsync-[a-z]+-[\w-]+\.png", n) for n in names
    )
    assert (
        Chart("objective", "a:b", charts.burn_up.series).filename
        != Chart("objective", "a-b", charts.burn_up.series).filename
    )
    burn_up = charts.burn_up.series
    assert series_from_json(series_to_json(burn_up)) == burn_up
    assert labels_from_json(labels_to_json(german)) == german
