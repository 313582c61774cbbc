"""Drawing the charts with matplotlib's object API: PNG for the workspaces, SVG for HTML.

`matplotlib.figure.Figure` with the Agg canvas, never pyplot (its global figure registry
leaks in a long-running process). The files are deterministic, so an unchanged chart is
never uploaded again: PNGs carry no `Software` text chunk, SVGs no `<dc:date>`, the SVG ids
are hashed with a fixed salt (`svg.hashsalt`), text stays `<text>` (`svg.fonttype: none`) and
the font is matplotlib's bundled DejaVu Sans. The same series and labels give the same bytes
on every run with the pinned matplotlib minor version.
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterator
from contextlib import contextmanager
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
SPARKLINE_SIZE: Final = (1.6, 0.4)
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


@contextmanager
def _style() -> Iterator[None]:
    with matplotlib.rc_context(STYLE):
        yield


def _days(days: list[date]) -> list[float]:
    """Dates as matplotlib's date numbers (days since `EPOCH`, the `date.epoch` set above)."""
    return [float((day - EPOCH).days) for day in days]


def _progress_figure(series: Series, kind: Kind, labels: ChartLabels) -> Figure:
    figure = Figure(figsize=CHART_SIZE, dpi=CHART_DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    template = labels.objective_title if kind == "objective" else labels.cycle_title
    axes.set_title(template.format(name=series.name), loc="left")
    axes.set_ylim(0.0, 1.05)
    axes.set_ylabel(labels.score_axis)
    axes.grid(axis="y", color="#dfe1e6", linewidth=0.8)
    if series.pace is not None:
        pace = series.pace
        axes.plot(
            _days([pace.start, pace.end]),
            [0.0, pace.target],
            linestyle="--",
            color=PACE_COLOUR,
            label=labels.expected_pace,
        )
    if series.points:
        axes.plot(
            _days([p.at for p in series.points]),
            [p.score for p in series.points],
            marker="o",
            markersize=4,
            color=PROGRESS_COLOUR,
            label=labels.progress if kind == "objective" else labels.mean_score,
        )
    else:
        axes.text(0.5, 0.5, labels.no_data, transform=axes.transAxes, ha="center", va="center")
    if series.pace is not None or series.points:
        # matplotlib.dates is not annotated: build its locator and formatter untyped
        axes.xaxis.set_major_locator(cast(Any, AutoDateLocator)(minticks=3, maxticks=8))
        axes.xaxis.set_major_formatter(cast(Any, DateFormatter)(labels.date_format))
        axes.legend(loc="upper left", frameon=False)
    figure.tight_layout()
    return figure


def _save(figure: Figure, fmt: Literal["png", "svg"]) -> bytes:
    buffer = io.BytesIO()
    metadata = PNG_METADATA if fmt == "png" else SVG_METADATA
    figure.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


def chart_png(series: Series, kind: Kind, labels: ChartLabels = ENGLISH) -> bytes:
    """An objective's progress chart or a cycle's burn-up as PNG (800 x 400 pixels)."""
    with _style():
        return _save(_progress_figure(series, kind, labels), "png")


def chart_svg(series: Series, kind: Kind, labels: ChartLabels = ENGLISH) -> str:
    """The same chart as an SVG document, to inline in HTML."""
    with _style():
        return _save(_progress_figure(series, kind, labels), "svg").decode("utf-8")


def sparkline_html(series: Series, labels: ChartLabels = ENGLISH) -> str:
    """The sparkline inline in HTML, named for screen readers; empty without a trend."""
    svg = sparkline_svg(series)
    if not svg:
        return ""
    name = html.escape(labels.sparkline.format(name=series.name), quote=True)
    start = svg.index("<svg")
    return f'<span class="sparkline" role="img" aria-label="{name}">{svg[start:]}</span>'


def sparkline_svg(series: Series) -> str:
    """A key result's scores over time as a small axis-less SVG line (empty when fewer than
    two points: a single value is no trend)."""
    if len(series.points) < 2:
        return ""
    with _style():
        figure = Figure(figsize=SPARKLINE_SIZE, dpi=CHART_DPI)
        FigureCanvasAgg(figure)
        axes = figure.add_axes((0.0, 0.0, 1.0, 1.0))
        axes.set_axis_off()
        axes.set_ylim(-0.05, 1.05)
        axes.plot(
            _days([p.at for p in series.points]),
            [p.score for p in series.points],
            color=PROGRESS_COLOUR,
            linewidth=1.5,
        )
        figure.patch.set_alpha(0.0)
        return _save(figure, "svg").decode("utf-8")
