"""Drawing the charts with matplotlib's object API: PNG for the workspaces, SVG for HTML.

`matplotlib.figure.Figure` with the Agg canvas, never pyplot (its global figure registry
leaks in a long-running process). The files are deterministic, so an unchanged chart is
never uploaded again: PNGs are written by `png` (no timestamp, no software name), SVGs carry no
`<dc:date>`, the SVG ids are hashed with a fixed salt (`svg.hashsalt`), text stays `<text>`
(`svg.fonttype: none`) and the font is matplotlib's bundled DejaVu Sans. The same series and
labels give the same bytes on every run with the pinned matplotlib minor version. Every text
is cleaned by `glyphs.drawable` and drawn without math notation (a `$` is a dollar sign).

A process draws every chart on one figure (`_Canvas`), changing only what differs between
charts: a new figure per chart spent most of its time creating axes and ticks; and a PNG
redraws only the chart's own artists over a kept background (BENCHMARKS.md 7.1, 7.2), an SVG
paints them as a second layer over a kept background document (7.3). The pixels are those a
new figure gives.
"""

from __future__ import annotations

import html
import io
import re
import threading
from datetime import date
from typing import Any, Final, Literal, cast

import matplotlib
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, DateFormatter
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.transforms import Bbox

from .glyphs import FONT, drawable
from .labels import ENGLISH, ChartLabels
from .png import png_of_rgba
from .series import Series

Kind = Literal["objective", "cycle"]

CHART_SIZE: Final = (8.0, 4.0)
"""Inches; at `CHART_DPI` an 800 x 400 pixel PNG."""
CHART_DPI: Final = 100
CHART_PIXELS: Final = (800, 400)
SVG_DPI: Final = 72
"""matplotlib draws an SVG at 72 dpi (its units are points)."""
BACKGROUNDS_KEPT: Final = 8
"""Chart backgrounds a process keeps (1.3 MB each): one per cycle date range, language and
legend; a review's charts share a few."""
LEGEND_CLEARANCE: Final = 5.0
"""Pixels around the legend no line may enter for the legend to be drawn in the background:
more than half a line's width plus a marker's radius and the antialiasing."""
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
    "font.family": FONT,
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
SVG_METADATA: Final = {"Date": None, "Creator": None}


_SVG_ID: Final = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')


def _scoped(svg: str, scope: str) -> str:
    """The SVG element with every id (and every reference to one) prefixed by `scope`:
    matplotlib names its groups `figure_1`, `axes_1`..., the same in every chart, and ids
    must be unique in an HTML document holding many charts."""
    element = svg[svg.index("<svg") :]
    return _SVG_ID.sub(lambda m: f"{m[1]}{scope}-{m[2]}", element)


def _document(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata=SVG_METADATA)
    return buffer.getvalue().decode("utf-8")


_FRONT: Final = "front"


def _layered(background: str, front: str) -> str:
    """One SVG document: `background`'s, with the body of `front` (a document of the same size:
    everything after its style definitions) painted over it, its ids prefixed so both keep
    their own markers and clip paths."""
    body = front[front.index("</defs>\n") + len("</defs>\n") : front.rindex("</svg>")]
    end = background.rindex("</svg>")
    return background[:end] + _SVG_ID.sub(lambda m: f"{m[1]}{_FRONT}-{m[2]}", body) + "</svg>\n"


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
    so a drawing never depends on the chart drawn before it (the tests draw A, B, A).

    A PNG is drawn in two layers (matplotlib's blitting API): the background (the axes, their
    ticks, tick labels, grid and axis label, and the legend when no line comes near it) is drawn
    once per x range, language and legend and kept as pixels (`backgrounds`); a chart restores
    it and draws only its own artists on top, in the order a full drawing draws them, so the
    pixels are those of a full drawing (the tests compare them)."""

    def __init__(self, dpi: float = CHART_DPI) -> None:
        self.figure = Figure(figsize=CHART_SIZE, dpi=dpi)
        # the Agg backend is not annotated: keep its canvas untyped
        self.canvas: Any = FigureCanvasAgg(self.figure)
        self.figure.subplots_adjust(**MARGINS)
        axes = self.axes = self.figure.add_subplot()
        axes.set_ylim(0.0, 1.05)
        axes.grid(axis="y", color="#dfe1e6", linewidth=0.8)
        (self.pace,) = axes.plot([], [], linestyle="--", color=PACE_COLOUR)
        (self.progress,) = axes.plot([], [], marker="o", markersize=4, color=PROGRESS_COLOUR)
        self.no_data = axes.text(
            0.5, 0.5, "", transform=axes.transAxes, ha="center", va="center", parse_math=False
        )
        self.empty_locator = axes.xaxis.get_major_locator()
        self.empty_formatter = axes.xaxis.get_major_formatter()
        # matplotlib.dates is not annotated: build its locator untyped
        self.date_locator = cast(Any, AutoDateLocator)(minticks=3, maxticks=8)
        self.legends: dict[tuple[str, ...], Legend] = {}
        """A legend per set of labels: the lines' styles never change, so one is reused."""
        self.legend_areas: dict[Legend, Bbox] = {}
        """Where each legend is drawn, with `LEGEND_CLEARANCE` around it."""
        self.backgrounds: dict[tuple[Any, ...], Any] = {}
        """Background pixels (or SVG documents) by what they show, least recently used first."""
        self.date_format = ""

    def draw(self, series: Series, kind: Kind, labels: ChartLabels) -> Figure:
        axes = self.axes
        template = labels.objective_title if kind == "objective" else labels.cycle_title
        title = drawable(template.format(name=_shown(drawable(series.name))))
        # a fixed title height: placing it above the x-axis' ticks (matplotlib's default)
        # measures the whole axes on every draw, and the charts have no ticks on top
        axes.set_title(title, loc="left", y=1.0, parse_math=False)
        axes.set_ylabel(drawable(labels.score_axis), parse_math=False)
        pace = series.pace
        # a line not shown is hidden, emptied and unlabelled (left out of the legend and limits)
        self.pace.set_visible(pace is not None)
        self.pace.set_data(
            _days([pace.start, pace.end]) if pace else [], [0.0, pace.target] if pace else []
        )
        self.pace.set_label(drawable(labels.expected_pace) if pace is not None else "_pace")
        points = series.points
        self.progress.set_visible(bool(points))
        self.progress.set_data(_days([p.at for p in points]), [p.score for p in points])
        label = labels.progress if kind == "objective" else labels.mean_score
        self.progress.set_label(drawable(label) if points else "_progress")
        self.no_data.set_visible(not points)
        self.no_data.set_text("" if points else drawable(labels.no_data))
        # the x range from the lines shown, as `plot` sets it on a new axes
        axes.relim()
        axes.set_xlim(0.0, 1.0)
        axes.set_autoscalex_on(True)
        if pace is not None or points:
            axes.xaxis.set_major_locator(self.date_locator)
            axes.xaxis.set_major_formatter(cast(Any, DateFormatter)(labels.date_format))
            self.date_format = labels.date_format
            axes.autoscale_view(scaley=False)
            self._legend()
        else:
            axes.xaxis.set_major_locator(self.empty_locator)
            axes.xaxis.set_major_formatter(self.empty_formatter)
            self.date_format = ""
            axes.legend_ = None
        return self.figure

    def _legend(self) -> None:
        """The legend of the lines shown (as `axes.legend()` makes it), reused by labels."""
        shown = tuple(str(line.get_label()) for line in (self.pace, self.progress))
        key = tuple(label for label in shown if not label.startswith("_"))
        legend = self.legends.get(key)
        if legend is None:
            self.axes.legend_ = None
            legend = self.legends[key] = self.axes.legend(loc="upper left", frameon=False)
            for text in legend.get_texts():
                text.set_parse_math(False)
        self.axes.legend_ = legend

    def _layers(self) -> tuple[list[Artist], list[Artist], tuple[Any, ...]]:
        """The artists of the background and the chart's own (in the axes' order), and what
        the background shows (its key in `backgrounds`), for the chart just `draw`n."""
        axes = self.axes
        legend = axes.legend_
        behind: list[Artist] = [axes.patch, axes.xaxis, axes.yaxis]
        own = [a for a in axes.get_children() if a not in behind and a is not legend]
        legend_behind = legend is not None and self._clear_of(legend)
        if legend is not None:
            (behind if legend_behind else own).append(legend)
        key = (
            axes.get_xlim(),
            self.date_format,
            axes.yaxis.label.get_text(),
            legend if legend_behind else None,
        )
        return behind, own, key

    def _kept(self, key: tuple[Any, ...]) -> Any:
        """The background kept for `key` (now the most recently used), None if none is."""
        background = self.backgrounds.pop(key, None)
        if background is not None:
            self.backgrounds[key] = background
        return background

    def _keep(self, key: tuple[Any, ...], background: Any) -> None:
        if len(self.backgrounds) >= BACKGROUNDS_KEPT:
            del self.backgrounds[next(iter(self.backgrounds))]  # the least recently used
        self.backgrounds[key] = background

    def rgba(self, series: Series, kind: Kind, labels: ChartLabels) -> memoryview:
        """The chart's pixels (RGBA, `CHART_SIZE` at `CHART_DPI`), drawn on its background."""
        self.draw(series, kind, labels)
        _, own, key = self._layers()
        for artist in self.axes.get_children():
            artist.set_animated(artist in own)
        canvas = self.canvas
        background = self._kept(key)
        if background is None:
            canvas.draw()  # everything but the chart's own artists (the animated ones)
            background = canvas.copy_from_bbox(self.figure.bbox)
            self._keep(key, background)
        else:
            canvas.restore_region(background)
        renderer = canvas.get_renderer()
        # the order of `Axes.draw`: by z-order, ties in the order of the axes' children; the
        # background's artists all come first (z-order 1.5 and the patch)
        for artist in sorted(own, key=lambda a: a.get_zorder()):
            if artist.get_visible():
                artist.draw(renderer)
        return cast(memoryview, canvas.buffer_rgba())

    def svg(self, series: Series, kind: Kind, labels: ChartLabels) -> str:
        """The chart as an SVG document in two layers, as `rgba` draws it: the background's
        document (axes, ticks, grid, axis label, a legend no line comes near), kept per what it
        shows, then the chart's own artists drawn alone, as a group painted over it. Laying out
        and writing the ticks was most of an SVG's time; the reader sees the same picture."""
        self.draw(series, kind, labels)
        behind, own, key = self._layers()
        shown = {artist: artist.get_visible() for artist in (*behind, *own)}
        try:
            background = self._kept(key)
            if background is None:
                for artist in own:
                    artist.set_visible(False)
                background = _document(self.figure)
                self._keep(key, background)
                for artist in own:
                    artist.set_visible(shown[artist])
            for artist in (self.figure.patch, *behind):
                artist.set_visible(False)
            front = _document(self.figure)
        finally:
            self.figure.patch.set_visible(True)
            for artist, visible in shown.items():
                artist.set_visible(visible)
        return _layered(background, front)

    def _clear_of(self, legend: Legend) -> bool:
        """Whether no line and no notice of the chart comes near the legend, so that it can be
        part of the background (drawn under them instead of over them: the same pixels). The
        chart's other artists cannot: the titles are above the axes, the spines on their edges,
        and the legend is inset from the edges by its `borderaxespad`."""
        renderer = self.canvas.get_renderer()
        area = self.legend_areas.get(legend)
        if area is None:  # a legend stays where it is: upper left, the same texts
            area = self.legend_areas[legend] = legend.get_window_extent(renderer).padded(
                LEGEND_CLEARANCE
            )
        for line in (self.pace, self.progress):
            if line.get_visible():  # the path: the line's box would cover most of the plot
                path = line.get_transform().transform_path(line.get_path())
                if path.intersects_bbox(area, filled=False) or area.count_contains(path.vertices):
                    return False
        notice = self.no_data
        return not (notice.get_visible() and notice.get_window_extent(renderer).overlaps(area))


_CANVAS: _Canvas | None = None
_SVG_CANVAS: _Canvas | None = None
_DRAWING: Final = threading.Lock()
"""One chart at a time per process: the canvas and matplotlib's rc parameters are shared."""


def _canvas() -> _Canvas:
    global _CANVAS
    if _CANVAS is None:
        _CANVAS = _Canvas()
    return _CANVAS


def _svg_canvas() -> _Canvas:
    """The canvas of the SVGs, at the 72 dpi an SVG is drawn at (`savefig` would switch a
    100 dpi figure to 72 and back for each, making every kept layout stale)."""
    global _SVG_CANVAS
    if _SVG_CANVAS is None:
        _SVG_CANVAS = _Canvas(dpi=SVG_DPI)
    return _SVG_CANVAS


def chart_png(series: Series, kind: Kind, labels: ChartLabels = ENGLISH) -> bytes:
    """An objective's progress chart or a cycle's burn-up as PNG (800 x 400 pixels)."""
    with _DRAWING, matplotlib.rc_context(STYLE):
        return png_of_rgba(_canvas().rgba(series, kind, labels), CHART_PIXELS)


def chart_svg(series: Series, kind: Kind, labels: ChartLabels = ENGLISH) -> str:
    """The same chart as an SVG document."""
    with _DRAWING, matplotlib.rc_context(STYLE):
        return _svg_canvas().svg(series, kind, labels)


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
