"""The charts one review page shows, each with a stable file name and a digest of what it draws.

Per cycle review: the burn-up (the mean score of its objectives against the pace to a full
score), per objective its progress against its expected pace, per key result the data of its
sparkline. Every format takes them from here: review.html inlines them as SVG, the connectors
upload them as PNG (Confluence attachments, Notion file uploads).

A chart's `digest` hashes exactly what its picture is drawn from (kind, series, labels, the
drawing's version, matplotlib's and zlib's), so a connector can tell an unchanged chart without
drawing it: a no-change sync draws nothing and sends nothing, and a changed chart is drawn once,
when it is uploaded. The files are deterministic (see `draw`): the same digest gives the same bytes.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from importlib.metadata import version
from typing import TYPE_CHECKING, Any, Final

from okrsync.evaluation import ScoringSettings
from okrsync.model import CheckIn
from okrsync.records import content_hash
from okrsync.review import CycleReview, Review

if TYPE_CHECKING:  # `draw` imports matplotlib's figure and Agg: only a drawing process pays
    from .draw import Kind

from .labels import ENGLISH, ChartLabels
from .series import (
    Pace,
    Point,
    Series,
    key_result_series,
    mean_series,
    objective_series_of,
)

MATPLOTLIB_VERSION: Final = version("matplotlib")
"""Read from the package metadata once: importing matplotlib for its `__version__` cost every
process that loads a connector ~0.25 s of CPU, though only a drawing process needs it."""

DRAWING_VERSION: Final = 2
"""Raise when `draw` changes the bytes the same data give, so every chart is uploaded again.
2: the PNG is written by `png` (RGB, zlib level 1) instead of matplotlib's `savefig` (the same
pixels in other bytes); chart text cleaned by `glyphs`, no math notation."""


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart of a review page: what it shows and under which file name it is kept."""

    kind: Kind
    key: str
    """The objective's id, or the review's title key for the burn-up."""
    series: Series

    @property
    def filename(self) -> str:
        """`okrsync-objective-<readable id>-<hash>.png`: stable, safe as an attachment name
        and unique per page (the hash keeps ids apart that read the same once cleaned)."""
        readable = re.sub(r"[^A-Za-z0-9]+", "-", self.key).strip("-")[:40] or "chart"
        tag = hashlib.sha256(self.key.encode()).hexdigest()[:8]
        return f"okrsync-{self.kind}-{readable}-{tag}.png"

    def digest(self, labels: ChartLabels = ENGLISH) -> str:
        """The hash of everything the picture is drawn from."""
        return content_hash(
            {
                "kind": self.kind,
                "series": series_to_json(self.series),
                "labels": labels_to_json(labels),
                "drawing": DRAWING_VERSION,
                "matplotlib": MATPLOTLIB_VERSION,
                "zlib": zlib.ZLIB_RUNTIME_VERSION,
            }
        )


@dataclass(frozen=True, slots=True)
class CycleCharts:
    """The charts of one cycle review."""

    burn_up: Chart
    objectives: dict[str, Chart]
    """Objective id -> its progress chart."""
    key_results: dict[str, Series]
    """Key result id -> its sparkline's data."""

    def all(self) -> list[Chart]:
        """The burn-up first, then the objectives' charts in the review's order."""
        return [self.burn_up, *self.objectives.values()]


def burn_up_name(review: CycleReview) -> str:
    cycle = review.cycle.name if review.cycle is not None else "OKRs"
    return f"{cycle} · {review.team}" if review.team else cycle


def cycle_charts(
    review: CycleReview,
    history: Mapping[str, Sequence[CheckIn]],
    settings: ScoringSettings,
) -> CycleCharts:
    """The charts of `review` from the value history (`history`: check-ins per key result,
    oldest first, as `Workspace.check_ins_by_key_result` groups them)."""
    objectives: dict[str, Chart] = {}
    key_results: dict[str, Series] = {}
    for row in review.objectives:
        krs = [kr_row.key_result for kr_row in row.key_results]
        scores = {kr_row.key_result.id: kr_row.result.score for kr_row in row.key_results}
        series = objective_series_of(row.objective, krs, review.cycle, history, settings, scores)
        objectives[row.objective.id] = Chart("objective", row.objective.id, series)
        key_results.update((kr.id, key_result_series(kr, history)) for kr in krs)
    burn_up = mean_series(
        burn_up_name(review), (c.series for c in objectives.values()), review.cycle
    )
    return CycleCharts(Chart("cycle", review.title_key, burn_up), objectives, key_results)


def charts_by_review(review: Review, reviews: Sequence[CycleReview]) -> dict[str, CycleCharts]:
    """The charts of each cycle review of `review`, by title key, from the value history the
    review's workspace holds."""
    history = review.workspace.check_ins_by_key_result()
    settings = review.evaluation.settings
    return {r.title_key: cycle_charts(r, history, settings) for r in reviews}


# ----------------------------------------------------------------------------- as data


def series_to_json(series: Series) -> dict[str, Any]:
    """A series as JSON-able data (for a write's payload and for hashing)."""
    pace = series.pace
    return {
        "name": series.name,
        "points": [[p.at.isoformat(), p.score] for p in series.points],
        "pace": None
        if pace is None
        else [pace.start.isoformat(), pace.end.isoformat(), pace.target],
    }


def series_from_json(data: Mapping[str, Any]) -> Series:
    """The series `series_to_json` wrote."""
    pace = data.get("pace")
    return Series(
        str(data["name"]),
        tuple(Point(date.fromisoformat(at), float(score)) for at, score in data["points"]),
        None
        if pace is None
        else Pace(date.fromisoformat(pace[0]), date.fromisoformat(pace[1]), float(pace[2])),
    )


def labels_to_json(labels: ChartLabels) -> dict[str, str]:
    return {f.name: getattr(labels, f.name) for f in fields(ChartLabels)}


def labels_from_json(data: Mapping[str, Any]) -> ChartLabels:
    known = {f.name for f in fields(ChartLabels)}
    return ChartLabels(**{k: str(v) for k, v in data.items() if k in known})
