"""Charts from the value history: the right numbers, and deterministic files.

Same data -> identical PNG and SVG bytes (no timestamps, no random ids); different data ->
different bytes; the PNG decodes at the promised size.
"""

from __future__ import annotations

import io
import re
import warnings
from collections import Counter
from datetime import UTC, date, datetime
from typing import Final

import matplotlib
import numpy as np
import pytest
from lxml import etree
from matplotlib.image import imread
from PIL import Image

from okrsync.charts.draw import (
    CHART_DPI,
    CHART_PIXELS,
    CHART_SIZE,
    STYLE,
    SVG_DPI,
    Kind,
    _Canvas,
    chart_png,
    chart_svg,
    sparkline_html,
)
from okrsync.charts.glyphs import UNDRAWABLE, drawable
from okrsync.charts.labels import ENGLISH, ChartLabels
from okrsync.charts.png import png_of_rgba
from okrsync.charts.series import (
    Pace,
    Point,
    Series,
    cycle_series,
    key_result_series,
    objective_series,
)
from okrsync.evaluation import ScoringSettings
from okrsync.model import CheckIn, Cycle, KeyResult, Objective, Workspace, check_ins_by_key_result

CYCLE = Cycle(id="q1", name="Q1 2026", start=date(2026, 1, 1), end=date(2026, 3, 31))
SETTINGS = ScoringSettings()


def _workspace() -> Workspace:
    return Workspace(
        cycles=(CYCLE,),
        objectives=(
            Objective(id="o1", title="Grow revenue", cycle="q1", kind="committed"),
            Objective(id="o2", title="Delight users", cycle="q1"),
        ),
        key_results=(
            KeyResult(id="k1", objective="o1", title="ARR", start=0, target=100, current=60),
            KeyResult(id="k2", objective="o1", title="Deals", start=0, target=10, weight=3),
            KeyResult(id="k3", objective="o2", title="NPS", start=20, target=60, current=40),
        ),
    )


def _at(day: int, month: int = 1) -> datetime:
    return datetime(2026, month, day, 9, 0, tzinfo=UTC)


HISTORY = check_ins_by_key_result(
    [
        CheckIn(key_result="k1", at=_at(5), value=10),
        CheckIn(key_result="k1", at=_at(5, 1).replace(hour=17), value=20),  # same day: last wins
        CheckIn(key_result="k2", at=_at(12), value=5),
        CheckIn(key_result="k1", at=_at(19), value=60),
        CheckIn(key_result="k3", at=_at(12), value=40),
        CheckIn(key_result="k3", at=_at(19), value=None, confidence=0.5),  # no value: no point
    ]
)


def test_objective_series_is_the_weighted_mean_of_its_key_results() -> None:
    workspace = _workspace()
    series = objective_series(workspace, workspace.objectives[0], HISTORY, SETTINGS)
    assert series.name == "Grow revenue"
    assert [p.at for p in series.points] == [date(2026, 1, d) for d in (5, 12, 19)]
    assert [p.score for p in series.points] == pytest.approx(
        [0.2, (0.2 * 1 + 0.5 * 3) / 4, (0.6 * 1 + 0.5 * 3) / 4]  # day 5: k2 has no value yet
    )
    assert series.pace == Pace(CYCLE.start, CYCLE.end, 1.0)  # committed: the full score


def test_cycle_series_is_the_mean_of_objectives_against_full_pace() -> None:
    workspace = _workspace()
    series = cycle_series(workspace, CYCLE, HISTORY, SETTINGS)
    assert [p.at.day for p in series.points] == [5, 12, 19]
    assert series.points[1].score == pytest.approx(((0.2 + 1.5) / 4 + 0.5) / 2)
    assert series.pace == Pace(CYCLE.start, CYCLE.end, 1.0)
    aspirational = objective_series(workspace, workspace.objectives[1], HISTORY, SETTINGS)
    assert aspirational.pace is not None and aspirational.pace.target == 0.7


def test_same_data_same_bytes_and_different_data_different_bytes() -> None:
    workspace = _workspace()
    series = objective_series(workspace, workspace.objectives[0], HISTORY, SETTINGS)
    again = objective_series(_workspace(), _workspace().objectives[0], HISTORY, SETTINGS)
    assert chart_png(series, "objective") == chart_png(again, "objective")
    assert chart_svg(series, "objective") == chart_svg(again, "objective")
    moved = check_ins_by_key_result(
        [*HISTORY["k1"], CheckIn(key_result="k1", at=_at(26), value=80)]
    )
    changed = objective_series(workspace, workspace.objectives[0], {**HISTORY, **moved}, SETTINGS)
    assert chart_png(changed, "objective") != chart_png(series, "objective")
    assert chart_svg(changed, "objective") != chart_svg(series, "objective")


def test_reused_figure_draws_each_chart_as_if_it_were_the_first() -> None:
    """One figure is drawn again for every chart: drawing A twice gives the same bytes, and
    A after charts of other kinds, languages and shapes (B) gives A's bytes again."""
    workspace = _workspace()
    a = objective_series(workspace, workspace.objectives[0], HISTORY, SETTINGS)
    german = ChartLabels(objective_title="{name}: Fortschritt", no_data="Noch keine Werte")
    others: list[tuple[Series, Kind, ChartLabels]] = [
        (cycle_series(workspace, CYCLE, HISTORY, SETTINGS), "cycle", ENGLISH),
        (objective_series(workspace, workspace.objectives[0], {}, SETTINGS), "objective", german),
        (Series("No pace", a.points[:2], None), "objective", ENGLISH),
        (Series("Nothing", (), None), "cycle", german),
    ]
    png, svg = chart_png(a, "objective"), chart_svg(a, "objective")
    assert chart_png(a, "objective") == png and chart_svg(a, "objective") == svg
    for b, kind, labels in others:
        b_png, b_svg = chart_png(b, kind, labels), chart_svg(b, kind, labels)
        assert b_png != png and b_svg != svg
        assert chart_png(a, "objective") == png, b.name
        assert chart_svg(a, "objective") == svg, b.name
        assert chart_png(b, kind, labels) == b_png, b.name  # and B after A is B again
    # nothing of a chart stays on the figure for the next: no legend, line or notice
    empty = chart_svg(Series("Nothing", (), None), "cycle", german)
    assert "Noch keine Werte" in empty and "Expected pace" not in empty
    assert "Progress" not in empty and "Grow revenue" not in empty
    assert "No values recorded yet" not in svg and "Noch keine Werte" not in svg


def test_files_carry_no_timestamp_or_version() -> None:
    workspace = _workspace()
    series = cycle_series(workspace, CYCLE, HISTORY, SETTINGS)
    png = chart_png(series, "cycle")
    svg = chart_svg(series, "cycle")
    assert b"Software" not in png and b"matplotlib" not in png.lower()
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg
    assert "Q1 2026: mean score" in svg  # text stays text (svg.fonttype none)


def test_png_decodes_at_the_promised_size() -> None:
    workspace = _workspace()
    png = chart_png(cycle_series(workspace, CYCLE, HISTORY, SETTINGS), "cycle")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    pixels = imread(io.BytesIO(png), format="png")
    width, height = (int(side * CHART_DPI) for side in CHART_SIZE)
    assert pixels.shape[:2] == (height, width)


def test_labels_come_from_one_place() -> None:
    workspace = _workspace()
    series = objective_series(workspace, workspace.objectives[0], HISTORY, SETTINGS)
    german = ChartLabels(
        objective_title="{name}: Fortschritt", expected_pace="Erwartetes Tempo", progress="Stand"
    )
    svg = chart_svg(series, "objective", german)
    assert "Grow revenue: Fortschritt" in svg and "Erwartetes Tempo" in svg
    assert "Expected pace" not in svg


def test_empty_history_draws_a_notice_and_sparkline_needs_a_trend() -> None:
    workspace = _workspace()
    empty = objective_series(workspace, workspace.objectives[0], {}, SETTINGS)
    assert empty.points == ()
    assert "No values recorded yet" in chart_svg(empty, "objective")
    one_point = key_result_series(workspace.key_results[1], HISTORY)
    assert len(one_point.points) == 1 and sparkline_html(one_point) == ""
    trend = key_result_series(workspace.key_results[0], HISTORY)
    html = sparkline_html(trend)
    assert html.startswith('<span class="sparkline" role="img" aria-label="ARR: score over time">')
    assert "<svg" in html and "<?xml" not in html
    assert html == sparkline_html(key_result_series(workspace.key_results[0], HISTORY))


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def _cases() -> list[tuple[Series, Kind, ChartLabels]]:
    """Charts of every layering: a legend in the background, one a line crosses, no data."""
    workspace = _workspace()
    pace = Pace(CYCLE.start, CYCLE.end, 1.0)
    german = ChartLabels(objective_title="{name}: Fortschritt", no_data="Noch keine Werte")
    early = (Point(date(2026, 1, 2), 0.95), Point(date(2026, 1, 20), 1.0))
    return [
        (
            objective_series(workspace, workspace.objectives[0], HISTORY, SETTINGS),
            "objective",
            ENGLISH,
        ),
        (Series("Early surge", early, pace), "objective", ENGLISH),  # through the legend
        (cycle_series(workspace, CYCLE, HISTORY, SETTINGS), "cycle", german),
        (Series("Nothing", (), None), "cycle", german),
        (Series("No pace", early, None), "objective", ENGLISH),
    ]


def test_png_pixels_are_those_of_a_full_drawing_on_a_new_figure() -> None:
    """A PNG restores a kept background and draws only the chart's own artists on it: its
    pixels are those of a full drawing on a new figure, whatever was drawn before, with the
    legend in the background or (a line crossing it) drawn over the lines."""
    cases = _cases()
    full = []
    for series, kind, labels in cases:
        with matplotlib.rc_context(STYLE):
            buffer = io.BytesIO()
            _Canvas().draw(series, kind, labels).savefig(buffer, format="rgba")
        width, height = CHART_PIXELS
        full.append(np.frombuffer(buffer.getvalue(), np.uint8).reshape(height, width, 4)[..., :3])
    for index in [0, 1, 2, 3, 4, 0, 4, 3, 2, 1, 0]:
        series, kind, labels = cases[index]
        assert np.array_equal(_pixels(chart_png(series, kind, labels)), full[index]), index


_REFERENCE: Final = re.compile(r"url\(#[^)]+\)|^#.+")


def _painted(svg: str) -> Counter[tuple[str, str, str]]:
    """What an SVG paints: every drawing element outside `<defs>` with its attributes and text,
    ids and references to ids left out (they name, they do not draw)."""
    root = etree.fromstring(svg.encode())
    found: Counter[tuple[str, str, str]] = Counter()
    for element in root.iter("{*}path", "{*}use", "{*}text", "{*}rect", "{*}polyline"):
        if any(etree.QName(a).localname in ("defs", "clipPath") for a in element.iterancestors()):
            continue
        attributes = sorted(
            (etree.QName(k).localname, _REFERENCE.sub("#", str(v)))
            for k, v in element.attrib.items()
            if k != "id"
        )
        found[(etree.QName(element).localname, str(attributes), element.text or "")] += 1
    return found


def test_svg_paints_what_a_full_drawing_on_a_new_figure_paints() -> None:
    """An SVG is a kept background document with the chart's own artists painted over it:
    the same elements a full drawing has, whatever was drawn before; a legend a line crosses
    is painted over the lines, as in a full drawing."""
    cases = _cases()
    full = []
    for series, kind, labels in cases:
        with matplotlib.rc_context(STYLE):
            buffer = io.BytesIO()
            _Canvas(dpi=SVG_DPI).draw(series, kind, labels).savefig(buffer, format="svg")
        full.append(_painted(buffer.getvalue().decode()))
    for index in [0, 1, 2, 3, 4, 0, 4, 3, 2, 1, 0]:
        series, kind, labels = cases[index]
        svg = chart_svg(series, kind, labels)
        assert _painted(svg) == full[index], index
        crossed = bool(series.points) and series.points[0].score > 0.9  # the early surges
        assert ('id="front-legend_1"' in svg) == crossed, index


def test_png_writer_keeps_every_pixel() -> None:
    rgba = bytes([10, 20, 30, 255, 255, 255, 255, 255, 0, 0, 0, 255] * 2)  # 3 x 2 pixels
    png = png_of_rgba(rgba, (3, 2))
    expected = np.frombuffer(rgba, np.uint8).reshape(2, 3, 4)[..., :3]
    assert np.array_equal(_pixels(png), expected)
    assert png == png_of_rgba(rgba, (3, 2))


def test_hostile_title_is_cleaned_and_drawn_without_a_warning() -> None:
    """Control characters, lone surrogates, bidirectional overrides, private-use characters,
    emoji and scripts the font lacks leave a chart's text; `$` stays a dollar sign."""
    name = "\U0001f680 Launch\x00\x07 v2\ud800 \u202eevil\u202c\ue000 from $1M to $\\frac{$"
    name += " 增长\n next"
    series = Series(name, (Point(date(2026, 1, 5), 0.2), Point(date(2026, 1, 12), 0.4)), None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib's "Glyph ... missing from font(s)" included
        png = chart_png(series, "objective")
        svg = chart_svg(series, "objective")
    shown = "Launch v2 evil from $1M to $\\frac{$ next"
    assert drawable(name) == shown
    assert f"{shown}: progress" in svg  # one text, not math: matplotlib would split it
    assert png.startswith(b"\x89PNG") and _pixels(png).shape == (400, 800, 3)
    assert drawable("\U0001f680\U0001f9d1\u200d\U0001f4bb") == UNDRAWABLE
    assert drawable(" \t") == "" and drawable("e\u0301 \u00fc") == "e\u0301 \u00fc"


def test_check_ins_of_one_instant_give_the_same_series_in_any_order() -> None:
    """The workspace and the state store may list them in either order: the chart (and its
    digest, which decides an upload) must not follow that order."""
    same = [
        CheckIn(key_result="k1", at=_at(5), value=20),
        CheckIn(key_result="k1", at=_at(5), value=90),
    ]
    workspace = _workspace()
    one = objective_series(
        workspace, workspace.objectives[0], check_ins_by_key_result(same), SETTINGS
    )
    other = objective_series(
        workspace, workspace.objectives[0], check_ins_by_key_result(same[::-1]), SETTINGS
    )
    assert one == other
    assert one.points[0].score == pytest.approx(0.9)  # the larger value counts as the last
