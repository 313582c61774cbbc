"""Drawing the charts with matplotlib's object API: PNG for the workspaces, SVG for HTML.

`matplotlib.figure.Figure` with the Agg canvas, never pyplot (its global figure registry
leaks in a long-running process). The files are deterministic, so an unchanged chart is
never uploaded again: PNGs carry no `Software` text chunk, SVGs no `<dc:date>`, the SVG ids
are hashed with a fixed salt (`svg.hashsalt`), text stays `<text>` (`svg.fonttype: none`) and
the font is matplotlib's bundled DejaVu Sans. The same series and labels give the same bytes
on every run with the pinned matplotlib minor version.

A process draws every chart on one figure (`_Canvas`), changing only what differs between
charts: a new figure per chart spent most of its time creating axes and ticks (BENCHMARKS.md 7).
The bytes are those a new figure gives.
"""

from __future__ import annotations

import html
import io
import re
import threading
from datetime import date
from typing import Any, Final, Literal, cast

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, DateFormatter
from matplotlib.figure import Figure

from .labels import ENGLISH, ChartLabels
from .series import Series

Kind = Literal["objective", "cycle"]

CHART_SIZE: Final = (8.0, 4.0)
"""Inches; at `CHART_DPI` an 800 x 400 pixel PNG."""
CHART_DPI: Final = 100
SPARKLINE_SIZE: Final = (80, 20)
"""Pixels of a sparkline (drawn as a hand-written SVG polyline: a thousand of them cost
milliseconds, where matplotlib takes a few milliseconds each)."""
MARGINS: Final = {"left": 0.08, "right": 0.98, "bottom": 0.1, "top": 0.9}
"""Fixed axes margins: `tight_layout` would lay every chart out twice (half the time)."""
TITLE_LIMIT: Final = 90
"""Characters of a name shown in a chart title; longer names end in an ellipsis."""
PROGRESS_COLOUR: Final = "#0b6bcb"
PACE_COLOUR: Final = "#8993a4"
EPOCH: Final = date(1970, 1, 1)
STYLE: Final[dict[Any, Any]] = {
    "date.epoch": "1970-01-01T00:00:00",
    "svg.hashsalt": "okrsync",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
PNG_METADATA: Final = {"Software": None}
SVG_METADATA: Final = {"Date": None, "Creator": None}


_SVG_ID: Final = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')


def _scoped(svg: str, scope: str) -> str:
    """The SVG element with every id (and every reference to one) prefixed by `scope`:
    matplotlib names its groups `figure_1`, `axes_1`..., the same in every chart, and ids
    must be unique in an HTML document holding many charts."""
    element = svg[svg.index("<svg") :]
    return _SVG_ID.sub(lambda m: f"{m[1]}{scope}-{m[2]}", element)


def _shown(name: str) -> str:
    return name if len(name) <= TITLE_LIMIT else name[: TITLE_LIMIT - 1] + "…"


def _days(days: list[date]) -> list[float]:
    """Dates as matplotlib's date numbers (days since `EPOCH`, the `date.epoch` set above)."""
    return [float((day - EPOCH).days) for day in days]


class _Canvas:
    """One figure with its axes, lines and texts, drawn again for every chart.

    Creating a figure, its axes and their ticks costs more than drawing it, so one process
    keeps one and changes only what differs between charts: the title, the lines' data and
    labels, the x range, the legend. Every property a chart sets is set again on every draw,
    so a drawing never depends on the chart drawn before it (the tests draw A, B, A)."""

    def __init__(self) -> None:
        self.figure = Figure(figsize=CHART_SIZE, dpi=CHART_DPI)
        FigureCanvasAgg(self.figure)
        self.figure.subplots_adjust(**MARGINS)
        axes = self.axes = self.figure.add_subplot()
        axes.set_ylim(0.0, 1.05)
        axes.grid(axis="y", color="#dfe1e6", linewidth=0.8)
        (self.pace,) = axes.plot([], [], linestyle="--", color=PACE_COLOUR)
        (self.progress,) = axes.plot([], [], marker="o", markersize=4, color=PROGRESS_COLOUR)
        self.no_data = axes.text(0.5, 0.5, "", transform=axes.transAxes, ha="center", va="center")
        self.empty_locator = axes.xaxis.get_major_locator()
        self.empty_formatter = axes.xaxis.get_major_formatter()
        # matplotlib.dates is not annotated: build its locator untyped
        self.date_locator = cast(Any, AutoDateLocator)(minticks=3, maxticks=8)

    def draw(self, series: Series, kind: Kind, labels: ChartLabels) -> Figure:
        axes = self.axes
        template = labels.objective_title if kind == "objective" else labels.cycle_title
        # a fixed title height: placing it above the x-axis' ticks (matplotlib's default)
        # measures the whole axes on every draw, and the charts have no ticks on top
        axes.set_title(template.format(name=_shown(series.name)), loc="left", y=1.0)
        axes.set_ylabel(labels.score_axis)
        pace = series.pace
        # a line not shown is hidden, emptied and unlabelled (left out of the legend and limits)
        self.pace.set_visible(pace is not None)
        self.pace.set_data(
            _days([pace.start, pace.end]) if pace else [], [0.0, pace.target] if pace else []
        )
        self.pace.set_label(labels.expected_pace if pace is not None else "_pace")
        points = series.points
        self.progress.set_visible(bool(points))
        self.progress.set_data(_days([p.at for p in points]), [p.score for p in points])
        label = labels.progress if kind == "objective" else labels.mean_score
        self.progress.set_label(label if points else "_progress")
        self.no_data.set_visible(not points)
        self.no_data.set_text("" if points else labels.no_data)
        # the x range from the lines shown, as `plot` sets it on a new axes
        axes.relim()
        axes.set_xlim(0.0, 1.0)
        axes.set_autoscalex_on(True)
        if pace is not None or points:
            axes.xaxis.set_major_locator(self.date_locator)
            axes.xaxis.set_major_formatter(cast(Any, DateFormatter)(labels.date_format))
            axes.autoscale_view(scaley=False)
            axes.legend(loc="upper left", frameon=False)
        else:
            axes.xaxis.set_major_locator(self.empty_locator)
            axes.xaxis.set_major_formatter(self.empty_formatter)
            if axes.legend_ is not None:
                axes.legend_.remove()
        return self.figure


_CANVAS: _Canvas | None = None
_DRAWING: Final = threading.Lock()
"""One chart at a time per process: the canvas and matplotlib's rc parameters are shared."""


def _drawn(series: Series, kind: Kind, labels: ChartLabels, fmt: Literal["png", "svg"]) -> bytes:
    global _CANVAS
    with _DRAWING, matplotlib.rc_context(STYLE):
        if _CANVAS is None:
            _CANVAS = _Canvas()
        figure = _CANVAS.draw(series, kind, labels)
        buffer = io.BytesIO()
        metadata = PNG_METADATA if fmt == "png" else SVG_METADATA
        figure.savefig(buffer, format=fmt, metadata=metadata)
        return buffer.getvalue()


def chart_png(series: Series, kind: Kind, labels: ChartLabels = ENGLISH) -> bytes:
    """An objective's progress chart or a cycle's burn-up as PNG (800 x 400 pixels)."""
    return _drawn(series, kind, labels, "png")


def chart_svg(series: Series, kind: Kind, labels: ChartLabels = ENGLISH) -> str:
    """The same chart as an SVG document."""
    return _drawn(series, kind, labels, "svg").decode("utf-8")


def chart_html(
    series: Series, kind: Kind, labels: ChartLabels = ENGLISH, *, scope: str = "chart"
) -> str:
    """The chart inline in HTML: a `<figure>` holding the SVG element, named for screen
    readers by its title; its ids start with `scope` (give each chart of a page its own)."""
    svg = _scoped(chart_svg(series, kind, labels), scope)
    template = labels.objective_title if kind == "objective" else labels.cycle_title
    name = html.escape(template.format(name=series.name), quote=True)
    return f'<figure class="chart" role="img" aria-label="{name}">{svg}</figure>'


def sparkline_html(series: Series, labels: ChartLabels = ENGLISH) -> str:
    """The sparkline inline in HTML, named for screen readers; empty without a trend."""
    svg = sparkline_svg(series)
    if not svg:
        return ""
    name = html.escape(labels.sparkline.format(name=series.name), quote=True)
    return f'<span class="sparkline" role="img" aria-label="{name}">{svg}</span>'


def sparkline_svg(series: Series) -> str:
    """A key result's scores over time as a small axis-less SVG line (empty when fewer than
    two points: a single value is no trend). Time runs left to right in proportion to the
    days between the points; scores 0..1 bottom to top."""
    if len(series.points) < 2:
        return ""
    width, height = SPARKLINE_SIZE
    days = _days([p.at for p in series.points])
    first, span = days[0], (days[-1] - days[0]) or 1.0
    pad = 1.5
    coords = " ".join(
        f"{pad + (day - first) / span * (width - 2 * pad):.1f},"
        f"{pad + (1.0 - min(max(p.score, 0.0), 1.0)) * (height - 2 * pad):.1f}"
        for day, p in zip(days, series.points, strict=True)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><polyline fill="none" stroke="{PROGRESS_COLOUR}" '
        f'stroke-width="1.5" stroke-linejoin="round" points="{coords}"/></svg>'
    )
