"""How the renderers show numbers, health and names: one place, so every format agrees.

These return plain text; each renderer escapes it for its own format (Markdown or HTML). Every
word goes through the `Translator` passed in (English when none is) and every number and date
through okrsync.i18n.format with its locale, so a German page reads "Im Plan", "0,7" and
"15. August 2025".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from functools import cache
from typing import Final

from babel.dates import format_skeleton

from okrsync.evaluation import Evaluation, Health
from okrsync.i18n import N_, SOURCE_LANGUAGE, Translator, translator
from okrsync.i18n.format import (
    format_amount,
    format_date,
    format_date_range,
    format_fixed,
    format_number,
    share,
)
from okrsync.i18n.message import NC_, Phrase
from okrsync.mapping.schema import OutputMap
from okrsync.model import Cycle
from okrsync.review import CheckInLine, ChildrenRollup, CycleReview
from okrsync.trends import ChangeItem, CheckInNote, DatedChange, Trend

ENGLISH: Final = translator(SOURCE_LANGUAGE)
"""The translator renderers use when none is given."""
DASH = "–"


LABELS: Mapping[str, Mapping[str, Phrase | str]] = {
    "health": {
        "not_started": NC_("health", "Not started"),
        "on_track": NC_("health", "On track"),
        "at_risk": NC_("health", "At risk"),
        "off_track": NC_("health", "Off track"),
        "green": NC_("health", "Green"),
        "yellow": NC_("health", "Yellow"),
        "red": NC_("health", "Red"),
        "no_data": NC_("health", "No data"),
    },
    "kind": {
        "increase": NC_("key result kind", "Increase"),
        "decrease": NC_("key result kind", "Decrease"),
        "at_least": NC_("key result kind", "At least"),
        "at_most": NC_("key result kind", "At most"),
        "milestone": NC_("key result kind", "Milestone"),
    },
    "level": {
        "company": NC_("objective level", "Company"),
        "department": NC_("objective level", "Department"),
        "team": NC_("objective level", "Team"),
        "individual": NC_("objective level", "Individual"),
        "committed": NC_("objective kind", "Committed"),
        "aspirational": NC_("objective kind", "Aspirational"),
    },
    "unscored": {
        "missing_target": N_("no target"),
        "missing_current": N_("no current value"),
        "missing_start": N_("no baseline"),
        "start_equals_target": N_("start equals target"),
        "no_key_results": N_("no key results to score"),
        "no_cycle": N_("no cycle"),
    },
    "severity": {
        "error": NC_("severity", "error"),
        "warning": NC_("severity", "warning"),
        "info": NC_("severity", "info"),
    },
    "severity_heading": {
        "error": N_("Errors"),
        "warning": N_("Warnings"),
        "info": N_("Suggestions"),
    },
    "confidence_trend": {
        "rising": NC_("confidence trend", "rising"),
        "falling": NC_("confidence trend", "falling"),
        "steady": NC_("confidence trend", "steady"),
    },
}
"""Every label of a canonical value, per kind of value (a short word marked with its context)."""


@cache
def _labels(kind: str, t: Translator) -> dict[str, str]:
    """The labels of one kind of value in the language of `t`."""
    said: dict[str, str] = {}
    for key, word in LABELS[kind].items():
        if isinstance(word, Phrase):
            context = word.context or ""
            said[key] = t.pgettext(context, word.text) if context else t.gettext(word.text)
        else:
            said[key] = t.gettext(word)
    return said


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


def health_label(health: Health | str, t: Translator = ENGLISH) -> str:
    """Human label of a health value ("on_track" -> "On track", German "Im Plan")."""
    return _labels("health", t).get(health, health)


def health_text(health: Health | str, miss: bool = False, t: Translator = ENGLISH) -> str:
    """The label with a committed miss spelled out: "Green (miss)"."""
    if not miss:
        return health_label(health, t)
    return t.gettext("{health} (miss)").format(health=health_label(health, t))


def output_health(
    outputs: OutputMap, health: Health | str, miss: bool = False, t: Translator = ENGLISH
) -> str:
    """The health written on an OKR page: the workspace's own option for it when the mapping
    names one (`health_options`), else okrsync's label in the page's language."""
    return outputs.health_option(health, miss) or health_text(health, miss, t)


def kind_label(kind: str | None, t: Translator = ENGLISH) -> str:
    """A key result's kind ("at_least" -> "At least"), or a dash when it has none."""
    return _labels("kind", t).get(kind or "", DASH)


def level_label(level: str, t: Translator = ENGLISH) -> str:
    """An objective's level or kind as people read it ("company" -> "Company")."""
    return _labels("level", t).get(level, level.capitalize())


def unscored_label(reason: str, t: Translator = ENGLISH) -> str:
    """Why a score is missing ("missing_target" -> "no target")."""
    return _labels("unscored", t).get(reason, reason)


def severity_heading(severity: str, t: Translator = ENGLISH) -> str:
    """The heading of a severity's findings: Errors, Warnings, Suggestions."""
    return _labels("severity_heading", t).get(severity, severity)


def severity_word(severity: str, t: Translator = ENGLISH) -> str:
    """A finding's severity as one word: error, warning, info."""
    return _labels("severity", t).get(severity, severity)


def severity_count(severity: str, n: int, t: Translator = ENGLISH) -> str:
    """A count of findings of one severity: "1 warning", "3 errors", "2 Tipps"."""
    if severity == "error":
        return t.ngettext("{count} error", "{count} errors", n).format(count=n)
    if severity == "warning":
        return t.ngettext("{count} warning", "{count} warnings", n).format(count=n)
    return t.ngettext("{count} suggestion", "{count} suggestions", n).format(count=n)


def health_colour(health: Health | str, miss: bool = False) -> str:
    """green, yellow, red or grey; a committed miss is red whatever its grade."""
    return MISS_COLOUR if miss else HEALTH_COLOURS.get(health, "grey")


def fixed(value: float, digits: int, t: Translator = ENGLISH, *, sign: bool = False) -> str:
    """A number with exactly `digits` decimals in the locale's spelling ("0.72", "0,72"); with
    `sign`, a positive one gets its plus ("+0.10")."""
    text = format_fixed(value, digits=digits, locale=t.locale)
    return f"+{text}" if sign and round(value, digits) > 0 else text


def children_text(rollup: ChildrenRollup | None, t: Translator = ENGLISH) -> str:
    """The aligned children beside a parent's score: "mean 0.3 · 4 of 7 behind"; "" if none."""
    if rollup is None:
        return ""
    mean = grade_text(None if rollup.mean_score is None else round(rollup.mean_score, 1), t)
    text = t.gettext("mean {mean} · {behind} of {count} behind").format(
        mean=mean, behind=rollup.behind, count=rollup.count
    )
    return f"⚠ {text}" if rollup.masks else text


def pace_text(grade: float | None, expected: float | None, t: Translator = ENGLISH) -> str:
    """Score against the pace: "0.3 of 0.72 expected"."""
    if expected is None:
        return grade_text(grade, t)
    return t.gettext("{score} of {expected} expected").format(
        score=grade_text(grade, t), expected=fixed(expected, 2, t)
    )


def expected_text(expected: float | None, t: Translator = ENGLISH) -> str:
    """The score expected by now at an even pace ("0.72"), or a dash."""
    return DASH if expected is None else fixed(expected, 2, t)


def date_text(day: date, t: Translator = ENGLISH) -> str:
    """A date as the reader's locale writes it: "August 15, 2025", "15. August 2025"."""
    return format_date(day, locale=t.locale)


def period_text(start: date, end: date, t: Translator = ENGLISH) -> str:
    """A period, the shared parts once: "July 1 – September 30, 2025"."""
    return format_date_range(start, end, locale=t.locale)


def moment_text(moment: datetime, t: Translator = ENGLISH) -> str:
    """A moment people read: "August 15, 2025, 10:30 UTC"."""
    clock = moment.strftime("%H:%M %Z").strip()
    return t.gettext("{date}, {time}").format(date=date_text(moment.date(), t), time=clock)


def check_in_text(oldest: date | None, at: date | None = None, t: Translator = ENGLISH) -> str:
    """When the oldest of an owner's missing check-ins was: "Oct 12, 2026 (40 days ago)"."""
    if oldest is None:
        return t.gettext("never")
    if at is None:
        return date_text(oldest, t)
    days = (at - oldest).days
    return t.ngettext("{date} ({count} day ago)", "{date} ({count} days ago)", days).format(
        date=date_text(oldest, t), count=format_number(days, digits=0, locale=t.locale)
    )


def grade_text(grade: float | None, t: Translator = ENGLISH) -> str:
    """A grade on the 0.0-1.0 scale with one decimal ("0.7", "0,7"), or a dash when unscored."""
    return DASH if grade is None else fixed(grade, 1, t)


def percent_text(value: float | None, t: Translator = ENGLISH) -> str:
    """A share as a whole percentage ("49%", "49 %"), or a dash."""
    return share(value, locale=t.locale)


def change_text(change: float | None, t: Translator = ENGLISH) -> str:
    """Score change since the last sync with its sign ("+0.10", "-0.05"); empty when none."""
    if change is None or not math.isfinite(change):
        return ""
    if round(change, 2) == 0:
        return fixed(0.0, 2, t)
    return fixed(change, 2, t, sign=True)


def day_text(day: date, t: Translator = ENGLISH) -> str:
    """A day as people say it in a meeting: "Mon, Nov 30", "Mo., 30. Nov."."""
    return format_skeleton("MMMEd", day, locale=t.locale)


def dated_change_text(change: DatedChange | None, t: Translator = ENGLISH) -> str:
    """A dated change: "+0.18 since Mon, Nov 30"; empty when there is none."""
    if change is None:
        return ""
    return t.gettext("{change} since {day}").format(
        change=change_text(change.delta, t), day=day_text(change.since, t)
    )


def forecast_text(trend: Trend, t: Translator = ENGLISH) -> str:
    """The end-of-cycle forecast with one decimal, or a dash (fewer than 3 dated scores)."""
    return grade_text(None if trend.forecast is None else round(trend.forecast, 2), t)


def confidence_text(trend: Trend, t: Translator = ENGLISH) -> str:
    """The confidence and where it is heading: "70%, falling"; a dash when none is known."""
    if trend.confidence is None:
        return DASH
    text = percent_text(trend.confidence, t)
    if trend.confidence_trend is not None:
        text += f", {_labels('confidence_trend', t)[trend.confidence_trend]}"
    return text


COLUMN_WORDS: Mapping[str, str] = {
    "objective": N_("Objective"),
    "key_result": N_("Key result"),
    "level": N_("Level"),
    "owner": N_("Owner"),
    "kind": N_("Kind"),
    "start": N_("Start"),
    "current": N_("Current"),
    "target": N_("Target"),
    "progress": N_("Progress"),
    "score": N_("Score"),
    "health": N_("Health"),
    "expected": N_("Expected"),
    "children": N_("Children"),
    "aligned_objectives": N_("Aligned objectives"),
    "change": N_("Change"),
    "confidence": N_("Confidence"),
    "forecast": N_("Forecast"),
    "behind_most": N_("Behind most"),
    "notes": N_("Notes"),
    "date": N_("Date"),
    "value": N_("Value"),
    "note": N_("Note"),
    "who": N_("Who"),
}
TABLES: Mapping[str, tuple[str, ...]] = {
    "objectives": (
        "objective",
        "level",
        "owner",
        "score",
        "health",
        "expected",
        "children",
        "change",
        "forecast",
    ),
    "objectives_page": (
        "objective",
        "owner",
        "score",
        "health",
        "aligned_objectives",
        "change",
        "forecast",
    ),
    "key_results": (
        "key_result",
        "owner",
        "kind",
        "start",
        "current",
        "target",
        "progress",
        "score",
        "health",
        "change",
        "confidence",
        "forecast",
    ),
    "key_results_page": (
        "key_result",
        "owner",
        "start",
        "current",
        "target",
        "progress",
        "health",
        "change",
        "confidence",
        "forecast",
    ),
    "attention": ("objective", "owner", "score", "health", "behind_most"),
    "what_changed": ("key_result", "objective", "change", "score", "notes"),
    "check_ins": ("date", "key_result", "value", "confidence", "note", "who"),
}
"""The columns of each table the renderers draw: `objectives` and `key_results` in the
reports (Markdown, HTML), the `_page` ones on the Notion and Confluence review pages."""


@cache
def columns(table: str, t: Translator = ENGLISH) -> tuple[str, ...]:
    """The header of one of `TABLES`, in the language of `t`."""
    return tuple(t.gettext(COLUMN_WORDS[key]) for key in TABLES[table])


def what_changed_header(t: Translator = ENGLISH) -> tuple[str, ...]:
    """The columns of "What changed", in `what_changed_cells` order."""
    return columns("what_changed", t)


def what_changed_heading(review: CycleReview, t: Translator = ENGLISH) -> str:
    """ "What changed since Mon, Nov 30" (the start of the review's week)."""
    if review.week_start is None:
        return t.gettext("What changed")
    return t.gettext("What changed since {day}").format(day=day_text(review.week_start, t))


def what_changed_empty(t: Translator = ENGLISH) -> str:
    return t.gettext("Nothing moved this week, and nobody wrote a check-in note.")


def check_ins_heading(t: Translator = ENGLISH) -> str:
    """The heading of an objective's readable check-in log on a review."""
    return t.gettext("Latest check-ins")


def check_in_cells(line: CheckInLine, t: Translator = ENGLISH) -> tuple[str, ...]:
    """One check-in as plain text cells, in `columns("check_ins")` order."""
    return (
        day_text(line.at, t),
        line.key_result,
        DASH if line.value is None else format_amount(line.value, line.unit, locale=t.locale),
        DASH if line.confidence is None else percent_text(line.confidence, t),
        line.note or DASH,
        line.who or DASH,
    )


def note_text(note: CheckInNote, t: Translator = ENGLISH) -> str:
    """A check-in note with its day and author: "Tue, Dec 1, Ana: pipeline review moved"."""
    if note.who:
        return t.gettext("{day}, {who}: {note}").format(
            day=day_text(note.at, t), who=note.who, note=note.note
        )
    return t.gettext("{day}: {note}").format(day=day_text(note.at, t), note=note.note)


def what_changed_cells(item: ChangeItem, t: Translator = ENGLISH) -> tuple[str, ...]:
    """One line of "What changed" as plain text cells, in `what_changed_header` order."""
    change = dated_change_text(item.change, t) or DASH
    if item.confidence_week is not None and round(item.confidence_week.delta, 2) != 0:
        points = fixed(item.confidence_week.delta * 100, 0, t, sign=True)
        change += " " + t.gettext("(confidence {points} pts)").format(points=points)
    return (
        item.title,
        item.objective_title,
        change,
        grade_text(None if item.score is None else round(item.score, 2), t),
        " · ".join(note_text(n, t) for n in item.notes) or DASH,
    )


def value_text(value: float | None, unit: str | None, t: Translator = ENGLISH) -> str:
    """A key result value with its unit: "24.5%", "$500K", "$2.4M", "4.2 calls/week"."""
    return format_amount(value, unit, locale=t.locale)


def cycle_title(cycle: Cycle | None, t: Translator = ENGLISH) -> str:
    """The cycle's name, or "No cycle" for objectives without one."""
    return cycle.name or cycle.id if cycle is not None else t.gettext("No cycle")


def review_title(review: CycleReview, t: Translator = ENGLISH) -> str:
    """The title of a review page: "OKR Review Q3 2025", "OKR Review Q3 2025 - Sales"."""
    if review.team:
        return t.gettext("OKR Review {cycle} - {team}").format(
            cycle=cycle_title(review.cycle, t), team=review.team
        )
    return t.gettext("OKR Review {cycle}").format(cycle=cycle_title(review.cycle, t))


def page_title(
    review: CycleReview, pattern: str, team_pattern: str, t: Translator = ENGLISH
) -> str:
    """A review page's title from the configured patterns ({cycle}, {team}); okrsync's default
    patterns ("OKR Review {cycle}") come out in the language of `t`, a pattern of the user's
    own stays as written. A broken pattern falls back to okrsync's own title."""
    chosen = team_pattern if review.team else pattern
    try:
        return t.gettext(chosen).format(cycle=cycle_title(review.cycle, t), team=review.team or "")
    except (KeyError, IndexError, ValueError):
        return review_title(review, t)


def owners_text(owners: Sequence[str]) -> str:
    """Owner names joined with commas, or a dash."""
    return ", ".join(owners) or DASH


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
