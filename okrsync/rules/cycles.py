"""Rules about cycles (CYCxxx) and about a cycle's whole portfolio of OKRs (PFxxx)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Final

from pydantic import Field

from okrsync.i18n import N_
from okrsync.i18n.message import DAYS, Counted, Fixed, Np_, Share
from okrsync.model import Cycle
from okrsync.rules.catalogue import Hit, NoThresholds, Rule, Thresholds, hit
from okrsync.rules.context import Context, instant

# -- cycles -----------------------------------------------------------------------------------


class ShortCycleThresholds(Thresholds):
    """What CYC001 cycle-too-short tolerates; set under [rules.thresholds.CYC001]."""

    min_days: int = Field(default=28, ge=1, description="Fewest days a cycle should last.")


SHORT: Final = N_("cycle {cycle} lasts {days}, fewer than {limit}")
LONG: Final = N_("cycle {cycle} lasts {days}, more than {limit}")


def _short(ctx: Context, t: ShortCycleThresholds) -> Iterator[Hit]:
    for c in ctx.workspace.cycles:
        if c.days < t.min_days:
            yield hit(
                c.id,
                SHORT,
                in_cycle=c.id,
                cycle=ctx.cycle_label(c.id),
                days=Counted(DAYS, c.days),
                limit=Counted(DAYS, t.min_days),
            )


class LongCycleThresholds(Thresholds):
    """What CYC002 cycle-too-long tolerates; set under [rules.thresholds.CYC002]."""

    max_days: int = Field(default=366, ge=1, description="Most days a cycle should last.")


def _long(ctx: Context, t: LongCycleThresholds) -> Iterator[Hit]:
    for c in ctx.workspace.cycles:
        if c.days > t.max_days:
            yield hit(
                c.id,
                LONG,
                in_cycle=c.id,
                cycle=ctx.cycle_label(c.id),
                days=Counted(DAYS, c.days),
                limit=Counted(DAYS, t.max_days),
            )


class OverlapThresholds(Thresholds):
    """What CYC003 overlapping-team-cycles tolerates; set under [rules.thresholds.CYC003]."""

    allow_nested: bool = Field(
        default=False,
        description="Accept a cycle that lies wholly inside another (a quarter in a year).",
    )


OVERLAP: Final = N_("team {team!r} has objectives in overlapping cycles {first} and {second}")
EMPTY: Final = N_("cycle {cycle} has no objectives")


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
                yield hit(
                    team,
                    OVERLAP,
                    team=team,
                    first=ctx.cycle_label(first.id),
                    second=ctx.cycle_label(second.id),
                )


def _empty(ctx: Context, t: NoThresholds) -> Iterator[Hit]:
    used = {o.cycle for o in ctx.workspace.objectives}
    for c in ctx.workspace.cycles:
        if c.id not in used:
            yield hit(c.id, EMPTY, in_cycle=c.id, cycle=ctx.cycle_label(c.id))


# -- portfolio --------------------------------------------------------------------------------


class AlignedShareThresholds(Thresholds):
    """What PF001 low-alignment-share tolerates; set under [rules.thresholds.PF001]."""

    min_share: float = Field(
        default=0.8, ge=0, le=1, description="Share of non-company objectives with a parent."
    )


ALIGNED_SHARE: Final = N_(
    "{aligned} of {total} non-company objectives in {cycle} are aligned ({share}), below {minimum}"
)
TEAM_KEY_RESULTS: Final = Np_(
    "team {team!r} has {found} key results in {cycle}, more than {count} key result",
    "team {team!r} has {found} key results in {cycle}, more than {count} key results",
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
            yield hit(
                cycle_id,
                ALIGNED_SHARE,
                in_cycle=cycle_id,
                aligned=aligned,
                total=total,
                cycle=ctx.cycle_label(cycle_id),
                share=Share(share),
                minimum=Share(t.min_share),
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
            yield hit(
                team,
                TEAM_KEY_RESULTS,
                in_cycle=cycle_id,
                team=team,
                found=found,
                cycle=ctx.cycle_label(cycle_id),
                count=t.max_key_results,
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


TOO_SAFE: Final = Np_(
    "{cycle} ended with a mean score of {mean} over {count} objective, above {limit}",
    "{cycle} ended with a mean score of {mean} over {count} objectives, above {limit}",
)
TOO_AMBITIOUS: Final = Np_(
    "{cycle} ended with a mean score of {mean} over {count} objective, below {limit}",
    "{cycle} ended with a mean score of {mean} over {count} objectives, below {limit}",
)


def _too_safe(ctx: Context, t: TooSafeThresholds) -> Iterator[Hit]:
    for cycle_id, mean, n in _final_means(ctx, t.min_objectives):
        if mean > t.max_mean:
            yield hit(
                cycle_id,
                TOO_SAFE,
                in_cycle=cycle_id,
                cycle=ctx.cycle_label(cycle_id),
                mean=Fixed(mean),
                count=n,
                limit=Fixed(t.max_mean),
            )


class TooAmbitiousThresholds(Thresholds):
    """What PF004 grades-too-ambitious tolerates; set under [rules.thresholds.PF004]."""

    min_mean: float = Field(default=0.3, ge=0, le=1, description="Lowest healthy mean score.")
    min_objectives: int = Field(default=3, ge=1, description="Scored objectives needed.")


def _too_ambitious(ctx: Context, t: TooAmbitiousThresholds) -> Iterator[Hit]:
    for cycle_id, mean, n in _final_means(ctx, t.min_objectives):
        if mean < t.min_mean:
            yield hit(
                cycle_id,
                TOO_AMBITIOUS,
                in_cycle=cycle_id,
                cycle=ctx.cycle_label(cycle_id),
                mean=Fixed(mean),
                count=n,
                limit=Fixed(t.min_mean),
            )


class SilenceThresholds(Thresholds):
    """What PF005 team-silence tolerates; set under [rules.thresholds.PF005]."""

    days: int = Field(default=14, ge=1, description="Days without any check-in in the team.")


SILENT_SINCE_START: Final = Np_(
    "no key result of team {team!r} in {cycle} was checked in or updated for {count} day "
    "(since the cycle started)",
    "no key result of team {team!r} in {cycle} was checked in or updated for {count} days "
    "(since the cycle started)",
)
SILENT_SINCE: Final = Np_(
    "no key result of team {team!r} in {cycle} was checked in or updated for {count} day "
    "(since {last})",
    "no key result of team {team!r} in {cycle} was checked in or updated for {count} days "
    "(since {last})",
)


def _silence(ctx: Context, t: SilenceThresholds) -> Iterator[Hit]:
    latest: dict[tuple[str, str], datetime | None] = {}
    for _, _, objective, cycle, phase, last in ctx.rows:
        if phase != "during" or objective is None or not objective.team or cycle is None:
            continue
        key = (cycle.id, objective.team)
        seen = latest.get(key)
        if key not in latest or (last is not None and (seen is None or seen < last)):
            latest[key] = last
    for (cycle_id, team), last in latest.items():
        cycle = ctx.cycles[cycle_id]
        since = (
            instant(datetime.combine(cycle.start, datetime.min.time())) if last is None else last
        )
        idle = ctx.days_since(since)
        if idle > t.days:
            params = {"team": team, "cycle": ctx.cycle_label(cycle_id), "count": idle}
            if last is None:
                yield hit(team, SILENT_SINCE_START, in_cycle=cycle_id, **params)
            else:
                yield hit(team, SILENT_SINCE, in_cycle=cycle_id, last=last.date(), **params)


RULES: Final[tuple[Rule, ...]] = (
    Rule(
        code="CYC001",
        name="cycle-too-short",
        title=N_("cycle too short"),
        family="cycles",
        severity="warning",
        summary=N_("A cycle is shorter than 4 weeks."),
        explanation=(
            N_(
                "Key results describe outcomes, and outcomes take time to move: Grove and Doerr "
                'set OKRs quarterly, and Wodtke\'s "Radical Focus" uses quarters with weekly '
                "check-ins inside them. A cycle of a few weeks is a sprint, better planned with "
                "a task board than with OKRs."
            )
        ),
        hint=N_("Use quarters (or at least 4-week cycles); track sprints separately."),
        thresholds=ShortCycleThresholds,
        check=_short,
    ),
    Rule(
        code="CYC002",
        name="cycle-too-long",
        title=N_("cycle too long"),
        family="cycles",
        severity="warning",
        summary=N_("A cycle is longer than a year."),
        explanation=(
            N_(
                'OKRs lose their urgency over long periods; Doerr\'s "Measure What Matters" pairs '
                "annual company OKRs at most with quarterly team OKRs. A cycle longer than a year "
                "is usually a date typo or a strategy theme written as an OKR."
            )
        ),
        hint=N_("Check the cycle's dates; split long-term goals into yearly and quarterly OKRs."),
        thresholds=LongCycleThresholds,
        check=_long,
    ),
    Rule(
        code="CYC003",
        name="overlapping-team-cycles",
        title=N_("overlapping team cycles"),
        family="cycles",
        severity="warning",
        summary=N_("One team has objectives in cycles whose dates overlap."),
        explanation=(
            N_(
                "A team works on one set of OKRs at a time (Wodtke's single focus; Google's "
                "quarterly reset). Overlapping cycles split the team's attention and make its "
                "review ambiguous; they often come from a renamed or duplicated quarter."
            )
        ),
        hint=N_("Move the team's objectives into one cycle, or fix the cycles' dates."),
        thresholds=OverlapThresholds,
        check=_overlap,
    ),
    Rule(
        code="CYC004",
        name="cycle-without-objectives",
        title=N_("cycle without objectives"),
        family="cycles",
        severity="info",
        summary=N_("A cycle has no objectives."),
        explanation=(
            N_(
                "An empty cycle is either upcoming and not yet planned, or a leftover. Doerr and "
                "Castro recommend drafting the next cycle's OKRs before it starts so that teams "
                "can align in time."
            )
        ),
        hint=N_("Plan the cycle's objectives, or delete the cycle if it is not used."),
        check=_empty,
    ),
    Rule(
        code="PF001",
        name="low-alignment-share",
        title=N_("low alignment share"),
        family="portfolio",
        severity="warning",
        summary=N_("Fewer than 80% of a cycle's non-company objectives are aligned."),
        explanation=(
            N_(
                "Doerr's alignment superpower is about the whole organisation pulling in one "
                "direction; Niven and Lamorte suggest that most team objectives connect to a "
                "higher-level one while leaving room for some local goals. A low share means the "
                "company objectives are not guiding the teams' work."
            )
        ),
        hint=N_(
            "Review the unaligned objectives with their owners and link them upward where "
            "they support a higher objective."
        ),
        thresholds=AlignedShareThresholds,
        check=_aligned_share,
    ),
    Rule(
        code="PF002",
        name="too-many-team-key-results",
        title=N_("too many team key results"),
        family="portfolio",
        severity="warning",
        summary=N_("A team has more than 12 key results in a cycle."),
        explanation=(
            N_(
                "Three objectives with up to four key results each is the upper bound most guides "
                "give (Doerr; Google's playbook). Beyond twelve measures a team cannot review "
                "them all at a weekly check-in, and focus is lost."
            )
        ),
        hint=N_("Cut the team's key results to the dozen that matter most."),
        thresholds=TeamKeyResultsThresholds,
        check=_team_key_results,
    ),
    Rule(
        code="PF003",
        name="grades-too-safe",
        title=N_("grades too safe"),
        family="portfolio",
        severity="warning",
        summary=N_("A cycle ended with a mean objective score above 0.85."),
        explanation=(
            N_(
                "Google's OKR grading (re:Work) aims aspirational OKRs at a 0.6-0.7 sweet spot; "
                "teams that consistently score near 1.0 are not setting stretch goals and leave "
                'potential unused (Doerr calls these "sandbagged" OKRs).'
            )
        ),
        hint=N_("Set more ambitious targets next cycle, or mark the certain ones as committed."),
        thresholds=TooSafeThresholds,
        check=_too_safe,
    ),
    Rule(
        code="PF004",
        name="grades-too-ambitious",
        title=N_("grades too ambitious"),
        family="portfolio",
        severity="warning",
        summary=N_("A cycle ended with a mean objective score below 0.3."),
        explanation=(
            N_(
                "Consistently low grades mean the OKRs were unrealistic or abandoned; Google's "
                "guidance treats scores in the red (0.0-0.3) as a signal to re-examine the goals "
                "and the plan, and Wodtke warns that goals nobody believes in stop motivating."
            )
        ),
        hint=N_(
            "At the retrospective, find out why: too many OKRs, unrealistic targets, or "
            "priorities changed mid-cycle."
        ),
        thresholds=TooAmbitiousThresholds,
        check=_too_ambitious,
    ),
    Rule(
        code="PF005",
        name="team-silence",
        title=N_("team silence"),
        family="portfolio",
        severity="warning",
        summary=N_("No key result of a team was checked in for 14 days during the cycle."),
        explanation=(
            N_(
                "When a whole team stops checking in, the OKRs have dropped out of its routine. "
                'Wodtke\'s "Radical Focus" builds OKRs into a weekly rhythm of commitments and '
                "celebrations; two weeks of silence across a team is the moment to restart it."
            )
        ),
        hint=N_(
            "Put a recurring OKR check-in into the team's calendar and update the key results."
        ),
        thresholds=SilenceThresholds,
        check=_silence,
    ),
)
