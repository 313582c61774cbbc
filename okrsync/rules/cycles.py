"""Rules about cycles (CYCxxx) and about a cycle's whole portfolio of OKRs (PFxxx)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Final

from pydantic import Field

from okrsync.i18n.format import count
from okrsync.model import Cycle
from okrsync.rules.catalogue import Hit, NoThresholds, Rule, Thresholds
from okrsync.rules.context import Context, instant

# -- cycles -----------------------------------------------------------------------------------


class ShortCycleThresholds(Thresholds):
    """What CYC001 cycle-too-short tolerates; set under [rules.thresholds.CYC001]."""

    min_days: int = Field(default=28, ge=1, description="Fewest days a cycle should last.")


def _short(ctx: Context, t: ShortCycleThresholds) -> Iterator[Hit]:
    for c in ctx.workspace.cycles:
        if c.days < t.min_days:
            yield Hit(
                c.id,
                f"cycle {ctx.cycle_label(c.id)} lasts {count(c.days, 'day')}, fewer than "
                f"{count(t.min_days, 'day')}",
                c.id,
            )


class LongCycleThresholds(Thresholds):
    """What CYC002 cycle-too-long tolerates; set under [rules.thresholds.CYC002]."""

    max_days: int = Field(default=366, ge=1, description="Most days a cycle should last.")


def _long(ctx: Context, t: LongCycleThresholds) -> Iterator[Hit]:
    for c in ctx.workspace.cycles:
        if c.days > t.max_days:
            yield Hit(
                c.id,
                f"cycle {ctx.cycle_label(c.id)} lasts {count(c.days, 'day')}, more than "
                f"{count(t.max_days, 'day')}",
                c.id,
            )


class OverlapThresholds(Thresholds):
    """What CYC003 overlapping-team-cycles tolerates; set under [rules.thresholds.CYC003]."""

    allow_nested: bool = Field(
        default=False,
        description="Accept a cycle that lies wholly inside another (a quarter in a year).",
    )


def _overlap(ctx: Context, t: OverlapThresholds) -> Iterator[Hit]:
    cycles_by_team: dict[str, dict[str, Cycle]] = {}
    for o in ctx.workspace.objectives:
        cycle = ctx.cycle(o.cycle)
        if o.team and cycle is not None:
            cycles_by_team.setdefault(o.team, {})[cycle.id] = cycle
    for team, cycles in cycles_by_team.items():
        ordered = sorted(cycles.values(), key=lambda c: (c.start, c.end, c.id))
        for i, first in enumerate(ordered):
            for second in ordered[i + 1 :]:
                if second.start > first.end:
                    break
                nested = second.end <= first.end or (
                    second.start == first.start and first.end <= second.end
                )
                if t.allow_nested and nested:
                    continue
                yield Hit(
                    team,
                    f"team {team!r} has objectives in overlapping cycles "
                    f"{ctx.cycle_label(first.id)} and {ctx.cycle_label(second.id)}",
                )


def _empty(ctx: Context, t: NoThresholds) -> Iterator[Hit]:
    used = {o.cycle for o in ctx.workspace.objectives}
    for c in ctx.workspace.cycles:
        if c.id not in used:
            yield Hit(c.id, f"cycle {ctx.cycle_label(c.id)} has no objectives", c.id)


# -- portfolio --------------------------------------------------------------------------------


class AlignedShareThresholds(Thresholds):
    """What PF001 low-alignment-share tolerates; set under [rules.thresholds.PF001]."""

    min_share: float = Field(
        default=0.8, ge=0, le=1, description="Share of non-company objectives with a parent."
    )


def _aligned_share(ctx: Context, t: AlignedShareThresholds) -> Iterator[Hit]:
    counts: dict[str, list[int]] = {}
    for o in ctx.workspace.objectives:
        if o.level == "company" or o.cycle is None:
            continue
        tally = counts.setdefault(o.cycle, [0, 0])
        tally[0] += 1
        tally[1] += 1 if o.parents else 0
    for cycle_id, (total, aligned) in counts.items():
        share = aligned / total
        if share < t.min_share:
            yield Hit(
                cycle_id,
                f"{aligned} of {total} non-company objectives in "
                f"{ctx.cycle_label(cycle_id)} are aligned ({share:.0%}), below "
                f"{t.min_share:.0%}",
                cycle_id,
            )


class TeamKeyResultsThresholds(Thresholds):
    """What PF002 too-many-team-key-results tolerates; set under [rules.thresholds.PF002]."""

    max_key_results: int = Field(default=12, ge=1, description="Key results per team per cycle.")


def _team_key_results(ctx: Context, t: TeamKeyResultsThresholds) -> Iterator[Hit]:
    counts: dict[tuple[str, str], int] = {}
    for o in ctx.workspace.objectives:
        if o.team and o.cycle is not None:
            key = (o.cycle, o.team)
            counts[key] = counts.get(key, 0) + len(ctx.key_results_by_objective.get(o.id, ()))
    for (cycle_id, team), found in counts.items():
        if found > t.max_key_results:
            yield Hit(
                team,
                f"team {team!r} has {found} key results in "
                f"{ctx.cycle_label(cycle_id)}, more than {count(t.max_key_results, 'key result')}",
                cycle_id,
            )


def _final_means(ctx: Context, min_objectives: int) -> Iterator[tuple[str, float, int]]:
    """(cycle id, mean objective score, objectives counted) for ended cycles."""
    scores: dict[str, list[float]] = {}
    for o in ctx.workspace.objectives:
        cycle = ctx.cycle(o.cycle)
        result = ctx.evaluation.objectives.get(o.id)
        if cycle is None or result is None or result.score is None:
            continue
        if ctx.phase(cycle) == "after":
            scores.setdefault(cycle.id, []).append(result.score)
    for cycle_id, values in scores.items():
        if len(values) >= min_objectives:
            yield cycle_id, sum(values) / len(values), len(values)


class TooSafeThresholds(Thresholds):
    """What PF003 grades-too-safe tolerates; set under [rules.thresholds.PF003]."""

    max_mean: float = Field(default=0.85, ge=0, le=1, description="Highest healthy mean score.")
    min_objectives: int = Field(default=3, ge=1, description="Scored objectives needed.")


def _too_safe(ctx: Context, t: TooSafeThresholds) -> Iterator[Hit]:
    for cycle_id, mean, n in _final_means(ctx, t.min_objectives):
        if mean > t.max_mean:
            yield Hit(
                cycle_id,
                f"{ctx.cycle_label(cycle_id)} ended with a mean score of "
                f"{mean:.2f} over {count(n, 'objective')}, above {t.max_mean:.2f}",
                cycle_id,
            )


class TooAmbitiousThresholds(Thresholds):
    """What PF004 grades-too-ambitious tolerates; set under [rules.thresholds.PF004]."""

    min_mean: float = Field(default=0.3, ge=0, le=1, description="Lowest healthy mean score.")
    min_objectives: int = Field(default=3, ge=1, description="Scored objectives needed.")


def _too_ambitious(ctx: Context, t: TooAmbitiousThresholds) -> Iterator[Hit]:
    for cycle_id, mean, n in _final_means(ctx, t.min_objectives):
        if mean < t.min_mean:
            yield Hit(
                cycle_id,
                f"{ctx.cycle_label(cycle_id)} ended with a mean score of "
                f"{mean:.2f} over {count(n, 'objective')}, below {t.min_mean:.2f}",
                cycle_id,
            )


class SilenceThresholds(Thresholds):
    """What PF005 team-silence tolerates; set under [rules.thresholds.PF005]."""

    days: int = Field(default=14, ge=1, description="Days without any check-in in the team.")


def _silence(ctx: Context, t: SilenceThresholds) -> Iterator[Hit]:
    latest: dict[tuple[str, str], datetime | None] = {}
    activity = ctx.activity
    for kr, _, objective, cycle, phase in ctx.rows:
        if phase != "during" or objective is None or not objective.team or cycle is None:
            continue
        key = (cycle.id, objective.team)
        seen = latest.get(key)
        last = activity.get(kr.id)
        if key not in latest or (last is not None and (seen is None or seen < last)):
            latest[key] = last
    for (cycle_id, team), last in latest.items():
        cycle = ctx.cycles[cycle_id]
        since = (
            instant(datetime.combine(cycle.start, datetime.min.time())) if last is None else last
        )
        idle = ctx.days_since(since)
        if idle > t.days:
            when = "since the cycle started" if last is None else f"since {last.date()}"
            yield Hit(
                team,
                f"no key result of team {team!r} in {ctx.cycle_label(cycle_id)} "
                f"was checked in or updated for {count(idle, 'day')} ({when})",
                cycle_id,
            )


RULES: Final[tuple[Rule, ...]] = (
    Rule(
        code="CYC001",
        name="cycle-too-short",
        family="cycles",
        severity="warning",
        summary="A cycle is shorter than 4 weeks.",
        explanation=(
            "Key results describe outcomes, and outcomes take time to move: Grove and Doerr "
            'set OKRs quarterly, and Wodtke\'s "Radical Focus" uses quarters with weekly '
            "check-ins inside them. A cycle of a few weeks is a sprint, better planned with "
            "a task board than with OKRs."
        ),
        hint="Use quarters (or at least 4-week cycles); track sprints separately.",
        thresholds=ShortCycleThresholds,
        check=_short,
    ),
    Rule(
        code="CYC002",
        name="cycle-too-long",
        family="cycles",
        severity="warning",
        summary="A cycle is longer than a year.",
        explanation=(
            'OKRs lose their urgency over long periods; Doerr\'s "Measure What Matters" pairs '
            "annual company OKRs at most with quarterly team OKRs. A cycle longer than a year "
            "is usually a date typo or a strategy theme written as an OKR."
        ),
        hint="Check the cycle's dates; split long-term goals into yearly and quarterly OKRs.",
        thresholds=LongCycleThresholds,
        check=_long,
    ),
    Rule(
        code="CYC003",
        name="overlapping-team-cycles",
        family="cycles",
        severity="warning",
        summary="One team has objectives in cycles whose dates overlap.",
        explanation=(
            "A team works on one set of OKRs at a time (Wodtke's single focus; Google's "
            "quarterly reset). Overlapping cycles split the team's attention and make its "
            "review ambiguous; they often come from a renamed or duplicated quarter."
        ),
        hint="Move the team's objectives into one cycle, or fix the cycles' dates.",
        thresholds=OverlapThresholds,
        check=_overlap,
    ),
    Rule(
        code="CYC004",
        name="cycle-without-objectives",
        family="cycles",
        severity="info",
        summary="A cycle has no objectives.",
        explanation=(
            "An empty cycle is either upcoming and not yet planned, or a leftover. Doerr and "
            "Castro recommend drafting the next cycle's OKRs before it starts so that teams "
            "can align in time."
        ),
        hint="Plan the cycle's objectives, or delete the cycle if it is not used.",
        check=_empty,
    ),
    Rule(
        code="PF001",
        name="low-alignment-share",
        family="portfolio",
        severity="warning",
        summary="Fewer than 80% of a cycle's non-company objectives are aligned.",
        explanation=(
            "Doerr's alignment superpower is about the whole organisation pulling in one "
            "direction; Niven and Lamorte suggest that most team objectives connect to a "
            "higher-level one while leaving room for some local goals. A low share means the "
            "company objectives are not guiding the teams' work."
        ),
        hint="Review the unaligned objectives with their owners and link them upward where "
        "they support a higher objective.",
        thresholds=AlignedShareThresholds,
        check=_aligned_share,
    ),
    Rule(
        code="PF002",
        name="too-many-team-key-results",
        family="portfolio",
        severity="warning",
        summary="A team has more than 12 key results in a cycle.",
        explanation=(
            "Three objectives with up to four key results each is the upper bound most guides "
            "give (Doerr; Google's playbook). Beyond twelve measures a team cannot review "
            "them all at a weekly check-in, and focus is lost."
        ),
        hint="Cut the team's key results to the dozen that matter most.",
        thresholds=TeamKeyResultsThresholds,
        check=_team_key_results,
    ),
    Rule(
        code="PF003",
        name="grades-too-safe",
        family="portfolio",
        severity="warning",
        summary="A cycle ended with a mean objective score above 0.85.",
        explanation=(
            "Google's OKR grading (re:Work) aims aspirational OKRs at a 0.6-0.7 sweet spot; "
            "teams that consistently score near 1.0 are not setting stretch goals and leave "
            'potential unused (Doerr calls these "sandbagged" OKRs).'
        ),
        hint="Set more ambitious targets next cycle, or mark the certain ones as committed.",
        thresholds=TooSafeThresholds,
        check=_too_safe,
    ),
    Rule(
        code="PF004",
        name="grades-too-ambitious",
        family="portfolio",
        severity="warning",
        summary="A cycle ended with a mean objective score below 0.3.",
        explanation=(
            "Consistently low grades mean the OKRs were unrealistic or abandoned; Google's "
            "guidance treats scores in the red (0.0-0.3) as a signal to re-examine the goals "
            "and the plan, and Wodtke warns that goals nobody believes in stop motivating."
        ),
        hint="At the retrospective, find out why: too many OKRs, unrealistic targets, or "
        "priorities changed mid-cycle.",
        thresholds=TooAmbitiousThresholds,
        check=_too_ambitious,
    ),
    Rule(
        code="PF005",
        name="team-silence",
        family="portfolio",
        severity="warning",
        summary="No key result of a team was checked in for 14 days during the cycle.",
        explanation=(
            "When a whole team stops checking in, the OKRs have dropped out of its routine. "
            'Wodtke\'s "Radical Focus" builds OKRs into a weekly rhythm of commitments and '
            "celebrations; two weeks of silence across a team is the moment to restart it."
        ),
        hint="Put a recurring OKR check-in into the team's calendar and update the key results.",
        thresholds=SilenceThresholds,
        check=_silence,
    ),
)
