"""How the renderers show numbers, health and names: one place, so every format agrees.

These return plain text; each renderer escapes it for its own format (Markdown or HTML).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date

from okrsync.evaluation import Evaluation, Health
from okrsync.i18n.format import count, format_amount
from okrsync.mapping.schema import OutputMap
from okrsync.model import Cycle
from okrsync.review import ChildrenRollup, CycleReview
from okrsync.trends import ChangeItem, CheckInNote, DatedChange, Trend

HEALTH_LABELS: Mapping[str, str] = {
    "not_started": "Not started",
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "green": "Green",
    "yellow": "Yellow",
    "red": "Red",
    "no_data": "No data",
}

SEVERITY_HEADINGS: Mapping[str, str] = {
    "error": "Errors",
    "warning": "Warnings",
    "info": "Suggestions",
}

KIND_LABELS: Mapping[str, str] = {
    "increase": "Increase",
    "decrease": "Decrease",
    "at_least": "At least",
    "at_most": "At most",
    "milestone": "Milestone",
}

UNSCORED_LABELS: Mapping[str, str] = {
    "missing_target": "no target",
    "missing_current": "no current value",
    "missing_start": "no baseline",
    "start_equals_target": "start equals target",
    "no_key_results": "no key results to score",
    "no_cycle": "no cycle",
}

DASH = "–"


HEALTH_COLOURS: Mapping[str, str] = {
    "on_track": "green",
    "green": "green",
    "at_risk": "yellow",
    "yellow": "yellow",
    "off_track": "red",
    "red": "red",
    "not_started": "grey",
    "no_data": "grey",
}
"""The one colour scheme of every output: green fine, yellow behind, red far behind, grey none."""
MISS_COLOUR = "red"


def health_label(health: Health | str) -> str:
    """Human label of a health value ("on_track" -> "On track")."""
    return HEALTH_LABELS.get(health, health)


def health_text(health: Health | str, miss: bool = False) -> str:
    """The label with a committed miss spelled out: "Green (miss)"."""
    return f"{health_label(health)} (miss)" if miss else health_label(health)


def output_health(outputs: OutputMap, health: Health | str, miss: bool = False) -> str:
    """The health written on an OKR page: the workspace's own option for it when the mapping
    names one (`health_options`), else okrsync's label."""
    return outputs.health_option(health, miss) or health_text(health, miss)


def health_colour(health: Health | str, miss: bool = False) -> str:
    """green, yellow, red or grey; a committed miss is red whatever its grade."""
    return MISS_COLOUR if miss else HEALTH_COLOURS.get(health, "grey")


def children_text(rollup: ChildrenRollup | None) -> str:
    """The aligned children beside a parent's score: "mean 0.3 · 4 of 7 behind"; "" if none."""
    if rollup is None:
        return ""
    mean = grade_text(None if rollup.mean_score is None else round(rollup.mean_score, 1))
    text = f"mean {mean} · {rollup.behind} of {rollup.count} behind"
    return f"⚠ {text}" if rollup.masks else text


def pace_text(grade: float | None, expected: float | None) -> str:
    """Score against the pace: "0.3 of 0.72 expected"."""
    if expected is None:
        return grade_text(grade)
    return f"{grade_text(grade)} of {expected:.2f} expected"


def check_in_text(oldest: date | None, at: date | None = None) -> str:
    """When the oldest of an owner's missing check-ins was: "2026-10-12 (40 days ago)", "never"."""
    if oldest is None:
        return "never"
    if at is None:
        return oldest.isoformat()
    return f"{oldest.isoformat()} ({count((at - oldest).days, 'day')} ago)"


def grade_text(grade: float | None) -> str:
    """A grade on the 0.0-1.0 scale with one decimal, or a dash when unscored."""
    return DASH if grade is None else f"{grade:.1f}"


def percent_text(share: float | None) -> str:
    """A share as a whole percentage ("49%"), or a dash."""
    if share is None or not math.isfinite(share):
        return DASH
    return f"{share * 100:.0f}%"


def change_text(change: float | None) -> str:
    """Score change since the last sync with its sign ("+0.10", "-0.05"); empty when none."""
    if change is None or not math.isfinite(change):
        return ""
    if round(change, 2) == 0:
        return "0.00"
    return f"{change:+.2f}"


def day_text(day: date) -> str:
    """A day as people say it in a meeting: "Mon 30 Nov"."""
    return f"{day:%a} {day.day} {day:%b}"


def dated_change_text(change: DatedChange | None) -> str:
    """A dated change: "+0.18 since Mon 30 Nov"; empty when there is none."""
    if change is None:
        return ""
    return f"{change_text(change.delta)} since {day_text(change.since)}"


def forecast_text(trend: Trend) -> str:
    """The end-of-cycle forecast with one decimal, or a dash (fewer than 3 dated scores)."""
    return grade_text(None if trend.forecast is None else round(trend.forecast, 2))


CONFIDENCE_WORDS: Mapping[str, str] = {"rising": "rising", "falling": "falling", "steady": "steady"}


def confidence_text(trend: Trend) -> str:
    """The confidence and where it is heading: "70%, falling"; a dash when none is known."""
    if trend.confidence is None:
        return DASH
    text = percent_text(trend.confidence)
    if trend.confidence_trend is not None:
        text += f", {CONFIDENCE_WORDS[trend.confidence_trend]}"
    return text


WHAT_CHANGED_HEADER: tuple[str, ...] = ("Key result", "Objective", "Change", "Score", "Notes")


def what_changed_heading(review: CycleReview) -> str:
    """ "What changed since Mon 30 Nov" (the start of the review's week)."""
    if review.week_start is None:
        return "What changed"
    return f"What changed since {day_text(review.week_start)}"


def what_changed_empty() -> str:
    return "Nothing moved this week, and nobody wrote a check-in note."


def note_text(note: CheckInNote) -> str:
    """A check-in note with its day and author: "Tue 1 Dec, Ana: pipeline review moved"."""
    who = f", {note.who}" if note.who else ""
    return f"{day_text(note.at)}{who}: {note.note}"


def what_changed_cells(item: ChangeItem) -> tuple[str, ...]:
    """One line of "What changed" as plain text cells, in `WHAT_CHANGED_HEADER` order."""
    change = dated_change_text(item.change) or DASH
    if item.confidence_week is not None and round(item.confidence_week.delta, 2) != 0:
        change += f" (confidence {item.confidence_week.delta * 100:+.0f} pts)"
    return (
        item.title,
        item.objective_title,
        change,
        grade_text(None if item.score is None else round(item.score, 2)),
        " · ".join(note_text(n) for n in item.notes) or DASH,
    )


def value_text(value: float | None, unit: str | None) -> str:
    """A key result value with its unit: "24.5%", "$500K", "$2.4M", "4.2 calls/week"."""
    return format_amount(value, unit)


def cycle_title(cycle: Cycle | None) -> str:
    """The cycle's name, or "No cycle" for objectives without one."""
    return cycle.name or cycle.id if cycle is not None else "No cycle"


def review_title(review: CycleReview) -> str:
    """The title of a review page: "OKR Review Q3 2025", "OKR Review Q3 2025 - Sales"."""
    title = f"OKR Review {cycle_title(review.cycle)}"
    return f"{title} - {review.team}" if review.team else title


def reading_order(reviews: list[CycleReview], evaluation: Evaluation) -> list[CycleReview]:
    """Reviews in the order a reader wants them in one document: what is running first.

    Running cycles come first, then upcoming ones (soonest first), then finished ones (most
    recent first), then objectives without a cycle. A cycle's team reviews stay right after it.
    """
    phase_rank = {"during": 0, "before": 1, "after": 2}

    def key(review: CycleReview) -> tuple[int, int, str]:
        cycle = review.cycle
        if cycle is None:
            return (3, 0, "")
        status = evaluation.cycles.get(cycle.id)
        rank = phase_rank.get(status.phase, 3) if status is not None else 3
        day = -cycle.end.toordinal() if rank == 2 else cycle.start.toordinal()
        return (rank, day, cycle.id)

    groups: dict[str, list[CycleReview]] = {}
    for review in reviews:
        groups.setdefault(review.title_key.split(":", 1)[0], []).append(review)
    ordered = sorted(groups.values(), key=lambda group: key(group[0]))
    return [review for group in ordered for review in group]
