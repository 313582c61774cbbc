"""Rules about key results (KRxxx): measurable outcomes, baselines, check-ins and ambition."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Final

from pydantic import Field, model_validator

from okrsync.i18n import N_
from okrsync.i18n.format import PERCENT_UNITS, currency_code
from okrsync.i18n.message import DAYS, Amount, Counted, Fixed, Share
from okrsync.model import KeyResult
from okrsync.rules.catalogue import Hit, NoThresholds, Rule, Thresholds, hit
from okrsync.rules.context import Context, TitleScan, clip, scan_title

_SCORED_KINDS: Final = ("increase", "decrease", None)

# -- KR001 -------------------------------------------------------------------------------------


NOT_MEASURABLE: Final = N_("key result {title!r} has no target and is not a milestone")


def _not_measurable(ctx: Context, t: NoThresholds) -> Iterator[Hit]:
    for kr in ctx.workspace.key_results:
        if kr.kind != "milestone" and kr.target is None and kr.done is None:
            yield hit(kr.id, NOT_MEASURABLE, title=kr.title)


# -- KR002 -------------------------------------------------------------------------------------

ENGLISH_TASK_VERBS: Final = frozenset(
    [
        "launch",
        "implement",
        "create",
        "build",
        "develop",
        "write",
        "migrate",
        "hold",
        "organize",
        "organise",
        "conduct",
        "introduce",
        "deploy",
        "design",
        "establish",
        "publish",
        "release",
        "prepare",
        "complete",
        "finish",
        "start",
        "define",
        "draft",
        "plan",
        "host",
        "install",
        "update",
        "upgrade",
        "refactor",
        "document",
        "redesign",
        "schedule",
        "attend",
        "research",
        "investigate",
        "explore",
        "analyze",
        "analyse",
        "evaluate",
        "set",
        "roll",
        "do",
        "make",
        "add",
        "fix",
        "ship",
        "perform",
        "send",
        "run",
        "rebuild",
        "rewrite",
        "integrate",
        "setup",
        "rollout",
        "kick",
        "kickoff",
        "deliver",
        "train",
    ]
)
GERMAN_TASK_VERBS: Final = frozenset(
    [
        "einführen",
        "erstellen",
        "umsetzen",
        "durchführen",
        "implementieren",
        "entwickeln",
        "schreiben",
        "migrieren",
        "organisieren",
        "veranstalten",
        "abhalten",
        "starten",
        "launchen",
        "aufbauen",
        "einrichten",
        "planen",
        "vorbereiten",
        "definieren",
        "dokumentieren",
        "überarbeiten",
        "bauen",
        "veröffentlichen",
        "ausrollen",
        "konzipieren",
        "erarbeiten",
        "abschließen",
        "realisieren",
        "etablieren",
        "aufsetzen",
        "installieren",
        "durchführen",
        "anlegen",
        "erstellen",
        "konzeptionieren",
    ]
)
# Words that turn a leading verb into the name of a measure: "Release frequency", "Build time".
METRIC_NOUNS: Final = frozenset(
    {
        "rate",
        "rates",
        "frequency",
        "time",
        "times",
        "duration",
        "adherence",
        "velocity",
        "success",
        "quality",
        "count",
        "size",
        "cost",
        "costs",
        "speed",
        "coverage",
        "volume",
        "cadence",
        "throughput",
        "failure",
        "failures",
        "reliability",
        "accuracy",
        "score",
        "share",
        "ratio",
        "latency",
        "lead",
        "conversion",
    }
)
_WORD_RE: Final = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
# The same words in ASCII text, where [^\W\d_] is [A-Za-z]; three times faster than the above.
_ASCII_WORD_RE: Final = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")


class TaskThresholds(Thresholds):
    """What KR002 key-result-is-a-task tolerates; set under [rules.thresholds.KR002]."""

    extra_verbs: tuple[str, ...] = Field(
        default=(),
        description="More activity verbs (any language) that mark a key result as a task.",
    )


def task_verb(
    title: str, extra_verbs: frozenset[str] = frozenset(), scan: TitleScan | None = None
) -> str | None:
    """The activity verb that makes `title` read like a task, or None.

    English imperatives lead the sentence ("Launch the new site"); German infinitives usually
    close it ("Onboarding-Prozess einführen") but may lead it too. Only the first `TEXT_LIMIT`
    characters are read; `scan` is the title's `scan_title`, when the caller has it.
    """
    title = clip(title)
    words: list[str]
    if not title.isascii():
        words = [w.casefold() for w in _WORD_RE.findall(title)]
    else:  # where casefold() is lower(): the scan's folded text
        text, runs = scan_title(title) if scan is None else scan
        # Without a hyphen the words are the scan's runs of letters ("Build-time" is one word).
        words = _ASCII_WORD_RE.findall(text) if "-" in text else runs
    if not words:
        return None
    first, last = words[0], words[-1]
    names_a_metric = len(words) > 1 and words[1] in METRIC_NOUNS  # "Build time", "Run rate"
    if (first in ENGLISH_TASK_VERBS or first in extra_verbs) and not names_a_metric:
        return first
    for word in (first, last):
        if word in GERMAN_TASK_VERBS or word in extra_verbs:
            return word
    return None


TASK: Final = N_("key result {title!r} reads like a task ({verb!r})")


def _task(ctx: Context, t: TaskThresholds) -> Iterator[Hit]:
    extra = frozenset(v.casefold() for v in t.extra_verbs)
    for kr, scan in zip(ctx.workspace.key_results, ctx.key_result_titles(), strict=True):
        verb = task_verb(kr.title, extra, scan)
        if verb is not None:
            yield hit(kr.id, TASK, title=kr.title, verb=verb)


# -- KR003, KR004 -----------------------------------------------------------------------------


MISSING_BASELINE: Final = N_("key result {title!r} has a target but no start value")
STARTS_AT_TARGET: Final = N_("key result {title!r} starts at its target")
STARTS_AT_TARGET_LEVEL: Final = N_("key result {title!r} starts at its target ({level})")


def _missing_baseline(ctx: Context, t: NoThresholds) -> Iterator[Hit]:
    for kr in ctx.workspace.key_results:
        if kr.start is None and kr.target is not None and kr.kind in _SCORED_KINDS:
            yield hit(kr.id, MISSING_BASELINE, title=kr.title)


def _start_equals_target(ctx: Context, t: NoThresholds) -> Iterator[Hit]:
    for kr, result, _, _, _, _ in ctx.rows:
        if result is not None and result.unscored == "start_equals_target":
            if kr.target is None:
                yield hit(kr.id, STARTS_AT_TARGET, title=kr.title)
            else:
                level = Amount(kr.target, kr.unit)
                yield hit(kr.id, STARTS_AT_TARGET_LEVEL, title=kr.title, level=level)


# -- KR005, KR006 -----------------------------------------------------------------------------


class NeverCheckedInThresholds(Thresholds):
    """What KR005 never-checked-in tolerates; set under [rules.thresholds.KR005]."""

    grace_days: int = Field(
        default=7, ge=0, description="Days into the cycle before a first check-in is expected."
    )


NEVER_CHECKED_IN: Final = N_("key result {title!r} has no current value and no check-in")


def _never_checked_in(ctx: Context, t: NeverCheckedInThresholds) -> Iterator[Hit]:
    checked_in = ctx.last_check_in
    for kr, result, _, cycle, phase, _ in ctx.rows:
        if kr.current is not None or kr.done is True or kr.id in checked_in:
            continue
        if kr.kind == "milestone" or (result is not None and result.kind == "milestone"):
            continue  # a milestone has no current value until it is done: nothing to check in
        if cycle is None or phase not in ("during", "after"):
            continue
        if (ctx.at - cycle.start).days >= t.grace_days:
            yield hit(kr.id, NEVER_CHECKED_IN, title=kr.title)


class StaleThresholds(Thresholds):
    """What KR006 stale-check-in tolerates; set under [rules.thresholds.KR006]."""

    days: int = Field(default=14, ge=1, description="Days without a check-in or an update.")


def _stale_order(item: tuple[int, datetime, KeyResult]) -> tuple[int, str, str]:
    return (-item[0], item[2].title, item[2].id)


STALE_ONE: Final = N_(
    "key result {title!r} was last checked in or updated {idle} ago ({last}), more than {limit}"
)
STALE_MANY: Final = N_(
    "{found} of {total} key results of {objective} were not checked in or updated for more "
    "than {limit} (the oldest {idle}, since {last})"
)


def _stale(ctx: Context, t: StaleThresholds) -> Iterator[Hit]:
    """One finding per objective: one stale key result on it, or all its stale ones together.

    A stale objective is one root cause; it is not repeated once per key result.
    """
    stale: dict[str, list[tuple[int, datetime, KeyResult]]] = {}
    today = ctx.at.toordinal()  # whole days between dates, as `Context.days_since` counts them
    for kr, _, _, cycle, phase, last in ctx.rows:
        if phase != "during" or last is None or cycle is None or kr.done is True:
            continue
        idle = today - last.toordinal()
        if idle > t.days:
            known = stale.get(kr.objective)
            if known is None:
                stale[kr.objective] = [(idle, last, kr)]
            else:
                known.append((idle, last, kr))
    limit = Counted(DAYS, t.days)
    for objective_id, found in stale.items():  # the engine puts the findings in order
        # the longest idle, then by title and id (the first of them: `min` is stable)
        idle, last, kr = found[0] if len(found) == 1 else min(found, key=_stale_order)
        oldest, day = Counted(DAYS, idle), last.date()
        if len(found) == 1:
            yield hit(kr.id, STALE_ONE, title=kr.title, idle=oldest, last=day, limit=limit)
            continue
        yield hit(
            objective_id,
            STALE_MANY,
            found=len(found),
            total=len(ctx.key_results_by_objective.get(objective_id, ())),
            objective=ctx.objective_label(objective_id),
            limit=limit,
            idle=oldest,
            last=day,
        )


# -- KR007 -------------------------------------------------------------------------------------


NO_OWNER: Final = N_("key result {title!r} has no owner")


def _no_owner(ctx: Context, t: NoThresholds) -> Iterator[Hit]:
    for kr in ctx.workspace.key_results:
        if not kr.owners:
            yield hit(kr.id, NO_OWNER, title=kr.title)


# -- KR008 -------------------------------------------------------------------------------------

_TITLE_UNIT_RE: Final = re.compile(
    r"(?P<percent>%|\bper\s?cent\b|\bprozent\b)"
    r"|(?P<USD>\$|\busd\b)"
    r"|(?P<EUR>€|\beur(?:o|os)?\b)"
    r"|(?P<GBP>£|\bgbp\b)"
    r"|(?P<CHF>\bchf\b)",
    re.IGNORECASE,
)


class UnitMismatchThresholds(Thresholds):
    """What KR008 unit-mismatch tolerates; set under [rules.thresholds.KR008]."""

    max_percent: float = Field(
        default=100, gt=0, description="Largest plausible start or target of a % key result."
    )


def unit_category(unit: str | None) -> str | None:
    """'%' or a currency code for units okrsync can compare with a title, else None."""
    if unit is None:
        return None
    if unit.strip().casefold() in PERCENT_UNITS:
        return "%"
    return currency_code(unit)


# A title can match _TITLE_UNIT_RE only with one of these signs in it or one of these words
# among its runs of letters (see `TitleScan`); any other title skips the case-insensitive regex.
_UNIT_WORDS: Final = frozenset(
    {"cent", "percent", "prozent", "usd", "eur", "euro", "euros", "gbp", "chf"}
)


def title_units(title: str, scan: TitleScan | None = None) -> list[str]:
    """The unit categories a title mentions ('%', 'USD', 'EUR', ...), in order of appearance.

    Only the first `TEXT_LIMIT` characters are read; `scan` is the title's `scan_title`.
    """
    text, runs = scan_title(title) if scan is None else scan
    signs = "%" in text or "$" in text or "€" in text or "£" in text
    if not signs and _UNIT_WORDS.isdisjoint(runs):
        return []
    found: dict[str, None] = {}
    for match in _TITLE_UNIT_RE.finditer(clip(title)):
        group = match.lastgroup or ""
        found["%" if group == "percent" else group] = None
    return list(found)


_PERCENT_IN_TITLE: Final = re.compile(r"(\d+(?:[.,]\d+)?)\s*%")


def _percentages_in(title: str) -> set[float]:
    """Percentages a title states ("from 104% to 112%"): values above 100 that are meant."""
    return {float(m.group(1).replace(",", ".")) for m in _PERCENT_IN_TITLE.finditer(clip(title))}


def _larger(a: float | None, b: float | None) -> float | None:
    """The larger of two values that may be missing (`a` on a tie, as `max` picks)."""
    if a is None:
        return b
    if b is None:
        return a
    return b if b > a else a


UNIT_MISMATCH: Final = N_("key result {title!r} mentions {mentioned} but its unit is {unit!r}")
PERCENT_TOO_HIGH: Final = N_(
    "key result {title!r} is in % but its start or target is {value}, above {maximum}"
)


def _unit_mismatch(ctx: Context, t: UnitMismatchThresholds) -> Iterator[Hit]:
    categories: dict[str | None, str | None] = {}  # a workspace has a handful of units
    for kr, scan in zip(ctx.workspace.key_results, ctx.key_result_titles(), strict=True):
        if kr.unit not in categories:
            categories[kr.unit] = unit_category(kr.unit)
        unit = categories[kr.unit]
        if unit is None:
            continue
        mentioned = title_units(kr.title, scan)
        if mentioned and unit not in mentioned:
            yield hit(
                kr.id, UNIT_MISMATCH, title=kr.title, mentioned=", ".join(mentioned), unit=kr.unit
            )
        elif unit == "%":
            highest = _larger(kr.start, kr.target)
            if (
                highest is not None
                and highest > t.max_percent
                and highest not in _percentages_in(kr.title)
            ):
                yield hit(
                    kr.id,
                    PERCENT_TOO_HIGH,
                    title=kr.title,
                    value=Amount(highest, "%"),
                    maximum=Amount(t.max_percent, "%"),
                )


# -- KR009, KR010 -----------------------------------------------------------------------------


class HitEarlyThresholds(Thresholds):
    """What KR009 target-hit-early tolerates; set under [rules.thresholds.KR009]."""

    before_share: float = Field(
        default=0.5, gt=0, le=1, description="Share of the cycle before which 1.0 is too early."
    )


HIT_EARLY: Final = N_(
    "key result {title!r} reached its target with only {elapsed} of the cycle elapsed"
)
OVERACHIEVED: Final = N_("key result {title!r} is at {attainment} of its target")


def _hit_early(ctx: Context, t: HitEarlyThresholds) -> Iterator[Hit]:
    # Each cycle's elapsed share, found once for all its key results (None: late enough)
    early: dict[str, Share | None] = {}
    for kr, result, _, cycle, phase, _ in ctx.rows:
        if result is None or result.score is None or result.score < 1:
            continue
        if result.kind in ("at_least", "at_most"):
            continue  # a band KPI scores 1 whenever it holds; that is not a target hit
        if cycle is None or phase != "during":
            continue
        if cycle.id in early:
            elapsed = early[cycle.id]
        else:
            share = ctx.elapsed_share(cycle)
            elapsed = early[cycle.id] = Share(share) if share < t.before_share else None
        if elapsed is not None:
            yield hit(kr.id, HIT_EARLY, title=kr.title, elapsed=elapsed)


class OverachievedThresholds(Thresholds):
    """What KR010 far-overachieved tolerates; set under [rules.thresholds.KR010]."""

    over: float = Field(
        default=0.3, gt=0, description="Attainment beyond 100% (0.3 = 130%) that flags it."
    )


def _overachieved(ctx: Context, t: OverachievedThresholds) -> Iterator[Hit]:
    for kr, result, _, _, _, _ in ctx.rows:
        over = None if result is None else result.attainment_over
        if over is not None and over >= t.over:
            yield hit(kr.id, OVERACHIEVED, title=kr.title, attainment=Share(1 + over))


# -- KR011 -------------------------------------------------------------------------------------

_KEEP_RE: Final = re.compile(
    r"\b(maintain|maintaining|keep|keeping|stay|staying|sustain|remain|hold\s+at|"
    r"halten|beibehalten|aufrechterhalten|bleiben)\b",
    re.IGNORECASE,
)


# The words _KEEP_RE looks for, as runs of letters ("hold" for "hold at"): a title without any
# of them among its runs (see `TitleScan`) skips the case-insensitive regex.
_KEEP_WORDS: Final = frozenset(
    {
        "maintain",
        "maintaining",
        "keep",
        "keeping",
        "stay",
        "staying",
        "sustain",
        "remain",
        "hold",
        "halten",
        "beibehalten",
        "aufrechterhalten",
        "bleiben",
    }
)


def keep_word(title: str, scan: TitleScan | None = None) -> str | None:
    """The word that makes a title read like a KPI to keep ("Maintain", "halten"), if any.

    `scan` is the title's `scan_title`, when the caller has it.
    """
    _, runs = scan_title(title) if scan is None else scan
    if _KEEP_WORDS.isdisjoint(runs):
        return None
    match = _KEEP_RE.search(clip(title))
    return None if match is None else match.group(0)


KPI_BAND: Final = {
    "at_least": N_("key result {title!r} keeps a KPI in a band (at_least)"),
    "at_most": N_("key result {title!r} keeps a KPI in a band (at_most)"),
}
KPI_TO_KEEP: Final = N_("key result {title!r} reads like a KPI to keep ({word!r})")


def _kpi(ctx: Context, t: NoThresholds) -> Iterator[Hit]:
    for kr, scan in zip(ctx.workspace.key_results, ctx.key_result_titles(), strict=True):
        if kr.kind in ("at_least", "at_most"):
            yield hit(kr.id, KPI_BAND[kr.kind], title=kr.title)
            continue
        match = keep_word(kr.title, scan)
        if match:
            yield hit(kr.id, KPI_TO_KEEP, title=kr.title, word=match)


# -- KR012 -------------------------------------------------------------------------------------


class ConfidenceThresholds(Thresholds):
    """What KR012 confidence-contradicts-progress tolerates; set under [rules.thresholds.KR012]."""

    high: float = Field(default=0.8, ge=0, le=1, description="Confidence that is high.")
    low: float = Field(default=0.3, ge=0, le=1, description="Confidence that is low.")

    @model_validator(mode="after")
    def _ordered(self) -> ConfidenceThresholds:
        if self.low >= self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self


CONFIDENT_BUT_OFF_TRACK: Final = N_(
    "key result {title!r} has confidence {confidence} but is off track"
)
DOUBTFUL_BUT_ON_TRACK: Final = N_(
    "key result {title!r} has confidence {confidence} but is on track"
)


def _confidence(ctx: Context, t: ConfidenceThresholds) -> Iterator[Hit]:
    latest = ctx.last_confidence
    for kr, result, _, _, _, _ in ctx.rows:
        confidence = kr.confidence  # as `Context.confidence` reads it, without a call per row
        if confidence is None:
            confidence = latest.get(kr.id)
        if confidence is None or result is None:
            continue
        if confidence >= t.high and result.health == "off_track":
            yield hit(kr.id, CONFIDENT_BUT_OFF_TRACK, title=kr.title, confidence=Share(confidence))
        elif confidence <= t.low and result.health == "on_track":
            yield hit(kr.id, DOUBTFUL_BUT_ON_TRACK, title=kr.title, confidence=Share(confidence))


# -- KR013, KR014, KR015 ----------------------------------------------------------------------


DUE_OUTSIDE: Final = N_("key result {title!r} is due {due}, outside cycle {cycle} ({start}..{end})")
KIND_CONTRADICTION: Final = {
    "increase": N_("key result {title!r} is increase but goes from {start} to {target}"),
    "decrease": N_("key result {title!r} is decrease but goes from {start} to {target}"),
}
OFF_TRACK: Final = N_("key result {title!r} is off track")
OFF_TRACK_SCORED: Final = N_(
    "key result {title!r} is off track (score {score}, expected {expected})"
)


def _due_outside(ctx: Context, t: NoThresholds) -> Iterator[Hit]:
    for kr, _, _, cycle, _, _ in ctx.rows:
        if kr.due is None:
            continue
        if cycle is not None and not cycle.start <= kr.due <= cycle.end:
            yield hit(
                kr.id,
                DUE_OUTSIDE,
                title=kr.title,
                due=kr.due,
                cycle=ctx.cycle_label(cycle.id),
                start=cycle.start,
                end=cycle.end,
            )


def contradicts_kind(kr: KeyResult) -> bool:
    """True when start and target point the other way than the stated kind."""
    if kr.start is None or kr.target is None:
        return False
    if kr.kind == "increase":
        return kr.target < kr.start
    if kr.kind == "decrease":
        return kr.target > kr.start
    return False


def _kind_contradiction(ctx: Context, t: NoThresholds) -> Iterator[Hit]:
    for kr in ctx.workspace.key_results:
        if contradicts_kind(kr):
            yield hit(
                kr.id,
                KIND_CONTRADICTION[kr.kind or "increase"],
                title=kr.title,
                start=Amount(kr.start, kr.unit),
                target=Amount(kr.target, kr.unit),
            )


def _kr_off_track(ctx: Context, t: NoThresholds) -> Iterator[Hit]:
    for kr, result, _, _, _, _ in ctx.rows:
        if result is not None and result.health == "off_track":
            if result.score is not None and result.expected is not None:
                score, expected = Fixed(result.score), Fixed(result.expected)
                yield hit(kr.id, OFF_TRACK_SCORED, title=kr.title, score=score, expected=expected)
            else:
                yield hit(kr.id, OFF_TRACK, title=kr.title)


RULES: Final[tuple[Rule, ...]] = (
    Rule(
        code="KR001",
        name="key-result-not-measurable",
        title=N_("key result not measurable"),
        family="key_results",
        severity="error",
        summary=N_("A key result has no target value and is not a milestone."),
        explanation=(
            N_(
                'Doerr\'s rule in "Measure What Matters" is "it\'s not a key result unless it has '
                "a "
                'number": a key result must be verifiable at the end of the cycle without debate. '
                "Without a target (or a done/not-done milestone) it cannot be scored, and okrsync "
                "leaves it unscored."
            )
        ),
        hint=N_("Add a target value (and a start value), or mark the key result as a milestone."),
        check=_not_measurable,
    ),
    Rule(
        code="KR002",
        name="key-result-is-a-task",
        title=N_("key result is a task"),
        family="key_results",
        severity="warning",
        summary=N_("A key result reads like a task or activity (launch, implement, einführen...)."),
        explanation=(
            N_(
                "Key results describe outcomes, not the work done to reach them. Wodtke's "
                '"Radical Focus" and Castro\'s guides contrast value-based key results '
                '("activation '
                'rate from 20% to 35%") with activity-based ones ("launch onboarding emails"), '
                "which can be completed without changing anything for customers. Titles starting "
                "with an activity verb in English, or starting or ending with one in German, are "
                "flagged."
            )
        ),
        hint=N_(
            'Ask "why are we doing this?" and measure that outcome instead; keep the '
            "activity in the plan."
        ),
        thresholds=TaskThresholds,
        check=_task,
    ),
    Rule(
        code="KR003",
        name="missing-baseline",
        title=N_("missing baseline"),
        family="key_results",
        severity="warning",
        summary=N_("A key result has a target but no start value (baseline)."),
        explanation=(
            N_(
                'Progress is measured from a baseline: without one, "reach 27%" could be a stretch '
                'or already achieved. Niven and Lamorte ("Objectives and Key Results") recommend '
                "a baseline for every metric key result, and okrsync assumes 0 for an increase and "
                "cannot score a decrease without it."
            )
        ),
        hint=N_("Record the value at the start of the cycle as the start value."),
        check=_missing_baseline,
    ),
    Rule(
        code="KR004",
        name="start-equals-target",
        title=N_("start equals target"),
        family="key_results",
        severity="error",
        summary=N_("A key result's start value equals its target, so progress is undefined."),
        explanation=(
            N_(
                "Progress is (current - start) / (target - start); with start equal to target the "
                "key result asks for no change at all and cannot be scored. If the intent is to "
                "hold a level, it is a health metric (at least / at most), which Doerr and Castro "
                "keep apart from key results."
            )
        ),
        hint=N_(
            "Set the real baseline as start, or make the key result an at-least / at-most kind."
        ),
        check=_start_equals_target,
    ),
    Rule(
        code="KR005",
        name="never-checked-in",
        title=N_("never checked in"),
        family="key_results",
        severity="warning",
        summary=N_("A key result has no current value and no check-in a week into the cycle."),
        explanation=(
            N_(
                "OKRs work through a regular cadence: Wodtke's Monday commitments in \"Radical "
                "Focus\" and Doerr's continuous tracking both rest on updating progress at least "
                "every week or two. A key result never updated is either forgotten or not measured."
            )
        ),
        hint=N_("Enter the current value (or a check-in) and agree who updates it and when."),
        thresholds=NeverCheckedInThresholds,
        check=_never_checked_in,
    ),
    Rule(
        code="KR006",
        name="stale-check-in",
        title=N_("stale check in"),
        family="key_results",
        severity="warning",
        summary=N_("A key result was not checked in or updated for more than 14 days."),
        explanation=(
            N_(
                'Weekly or bi-weekly check-ins are the heartbeat of OKRs (Wodtke, "Radical Focus"; '
                "Google's re:Work guide). A value older than two weeks makes the score and the "
                "health shown on the OKR misleading and hides problems until it is too late to act."
            )
        ),
        hint=N_("Update the current value and confidence; set a recurring check-in."),
        thresholds=StaleThresholds,
        check=_stale,
    ),
    Rule(
        code="KR007",
        name="key-result-without-owner",
        title=N_("key result without owner"),
        family="key_results",
        severity="info",
        summary=N_("A key result has no owner."),
        explanation=(
            N_(
                "Doerr and Castro recommend that each key result has one person who tracks it and "
                "reports on it, even when the objective's owner is accountable overall; key "
                "results without an owner are the ones that go stale."
            )
        ),
        hint=N_("Name the person who updates this key result."),
        check=_no_owner,
    ),
    Rule(
        code="KR008",
        name="unit-mismatch",
        title=N_("unit mismatch"),
        family="key_results",
        severity="warning",
        summary=N_("A key result's unit contradicts its title, or a % key result goes above 100."),
        explanation=(
            N_(
                'When the title says "%" but the unit is "$" (or a percentage target is 250), the '
                "numbers were typed into the wrong fields or scaled twice, and every score built "
                "on "
                "them is wrong. Percentages above 100 that the title itself states (net revenue "
                'retention "from 104% to 112%") are meant and not flagged. Niven and Lamorte '
                "stress "
                "unambiguous measures with explicit units."
            )
        ),
        hint=N_(
            "Make the unit match the title, and write percentages as the number shown (27 for 27%)."
        ),
        thresholds=UnitMismatchThresholds,
        check=_unit_mismatch,
    ),
    Rule(
        code="KR009",
        name="target-hit-early",
        title=N_("target hit early"),
        family="key_results",
        severity="info",
        summary=N_("A key result reached its target before half the cycle elapsed."),
        explanation=(
            N_(
                "Google's OKR grading treats 0.6-0.7 on aspirational OKRs as the sweet spot; "
                "reaching 1.0 early suggests the target was set too low (a sandbagged key result) "
                'or was already within reach when written (Doerr, "Measure What Matters").'
            )
        ),
        hint=N_(
            "Raise the target for the rest of the cycle, or set a more ambitious one next cycle."
        ),
        thresholds=HitEarlyThresholds,
        check=_hit_early,
    ),
    Rule(
        code="KR010",
        name="far-overachieved",
        title=N_("far overachieved"),
        family="key_results",
        severity="info",
        summary=N_("A key result went 30% or more beyond its target."),
        explanation=(
            N_(
                "Large overachievement means the target did not stretch: Google's playbook expects "
                "aspirational OKRs to land around 0.7, and consistent scores above 1.0 point to "
                "sandbagging. okrsync clamps the score to 1.0 but reports the attainment."
            )
        ),
        hint=N_(
            "Calibrate next cycle's target from this result; check that the baseline was right."
        ),
        thresholds=OverachievedThresholds,
        check=_overachieved,
    ),
    Rule(
        code="KR011",
        name="kpi-as-key-result",
        title=N_("kpi as key result"),
        family="key_results",
        severity="info",
        summary=N_(
            "A key result keeps a KPI in a band (at least / at most, maintain, keep, stay)."
        ),
        explanation=(
            N_(
                "Castro's guides and Wodtke's \"Radical Focus\" separate health metrics, which "
                "must "
                "stay in a band, from key results, which describe the change this cycle is for. "
                "Keeping a KPI as a key result is fine as a counter-measure, but a set of them "
                "means business as usual, not objectives."
            )
        ),
        hint=N_(
            "Move the KPI to a health metric list, or state the improvement you want this cycle."
        ),
        check=_kpi,
    ),
    Rule(
        code="KR012",
        name="confidence-contradicts-progress",
        title=N_("confidence contradicts progress"),
        family="key_results",
        severity="warning",
        summary=N_("Confidence is high (>= 0.8) while off track, or low (<= 0.3) while on track."),
        explanation=(
            N_(
                'Confidence ratings (Wodtke\'s 1-10 confidence in "Radical Focus") are the '
                "owner's "
                "forecast; when they contradict measured progress, either the forecast knows "
                "something the numbers do not, which deserves a note, or the confidence was not "
                "updated at the last check-in."
            )
        ),
        hint=N_("Update the confidence, or add a note explaining why it differs from progress."),
        thresholds=ConfidenceThresholds,
        check=_confidence,
    ),
    Rule(
        code="KR013",
        name="due-outside-cycle",
        title=N_("due outside cycle"),
        family="key_results",
        severity="warning",
        summary=N_("A key result's due date lies outside its objective's cycle."),
        explanation=(
            N_(
                "Key results are time-boxed to the cycle (Doerr, Grove). A due date outside it "
                "means the key result belongs to another cycle or the date is a typo, and health "
                "against the cycle's pace will be misleading."
            )
        ),
        hint=N_("Move the due date into the cycle, or move the key result to the right cycle."),
        check=_due_outside,
    ),
    Rule(
        code="KR014",
        name="kind-contradicts-values",
        title=N_("kind contradicts values"),
        family="key_results",
        severity="error",
        summary=N_("An increase key result has target below start, or a decrease the reverse."),
        explanation=(
            N_(
                "The kind says which way progress goes; with start and target pointing the other "
                "way every step forward counts as negative progress. Usually the kind select or "
                "the "
                "start and target fields were swapped. Doerr's requirement that a key result be "
                "verifiable only holds when its direction is unambiguous."
            )
        ),
        hint=N_("Fix the kind (increase or decrease), or swap start and target."),
        check=_kind_contradiction,
    ),
    Rule(
        code="KR015",
        name="key-result-off-track",
        title=N_("key result off track"),
        family="key_results",
        severity="info",
        summary=N_("A key result is far behind the pace of the cycle (off track)."),
        explanation=(
            N_(
                "The key results behind an off-track objective are where the conversation at the "
                'weekly check-in (Wodtke, "Radical Focus") should start; flagging them on the key '
                "result itself tells the owner directly."
            )
        ),
        hint=N_("Agree on the next step for this key result at the next check-in."),
        check=_kr_off_track,
    ),
)
