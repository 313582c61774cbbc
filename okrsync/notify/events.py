"""What is worth telling whom, now: the six events of issue 15, as pure data.

`due_events(...)` reads a workspace, its evaluation, the health each record had when
notifications last looked, the settings and the time, and returns `Event`s. Each has a dedupe
`subject` and `period` (with the time the period `expires`); the notifier turns (kind, subject,
period) into ledger keys, so an event found again in the same period is never sent again.
Text shown to people uses titles and names, never ids. An event's notice is composed per
reader language (`Event.notice(t)`): every word goes through the translator it is given, numbers
and dates through `okrsync.i18n.format` in its locale.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from okrsync.evaluation import Evaluation, Health
from okrsync.i18n import N_, Translator
from okrsync.i18n.format import format_amount, format_date, format_number, share
from okrsync.model import Cycle, KeyResult, Objective, Person, Workspace
from okrsync.notify.message import EventKind, Item, Mention, Notice, Section
from okrsync.notify.settings import WEEKDAYS, NotifySettings, Schedule
from okrsync.scoring import evaluate, infer_kind

BAD: frozenset[str] = frozenset({"at_risk", "off_track"})
HEALTH_WORDS: dict[str, str] = {
    "on_track": N_("on track"),
    "at_risk": N_("at risk"),
    "off_track": N_("off track"),
    "green": N_("green"),
    "yellow": N_("yellow"),
    "red": N_("red"),
    "not_started": N_("not started"),
    "no_data": N_("no data"),
}
RETRO_PROMPTS: tuple[str, ...] = (
    N_("What worked, and should we keep doing it?"),
    N_("What did not work, and why?"),
    N_("What will you change next cycle?"),
)
Compose = Callable[[Translator], Notice]
"""Writes an event's notice in the language of the translator it is given."""


def health_word(health: str, t: Translator) -> str:
    """A health as a lower-case word for a sentence ("at risk", "gefährdet")."""
    word = HEALTH_WORDS.get(health)
    return t.gettext(word) if word else health


@dataclass(frozen=True)
class Audience:
    """Who an event is for: people (by person id), team channels, the leadership list."""

    people: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    leadership: bool = False


@dataclass(frozen=True)
class Event:
    kind: EventKind
    subject: str
    period: str
    expires: datetime
    compose: Compose
    audience: Audience

    def notice(self, t: Translator) -> Notice:
        """The notice in `t`'s language."""
        return self.compose(t)


@dataclass(frozen=True)
class Facts:
    """Lookups over one workspace that every event needs."""

    workspace: Workspace
    evaluation: Evaluation
    objectives: dict[str, Objective]
    people: dict[str, Person]
    cycles: dict[str, Cycle]
    key_results: dict[str, KeyResult]

    @classmethod
    def of(cls, workspace: Workspace, evaluation: Evaluation) -> Facts:
        return cls(
            workspace,
            evaluation,
            workspace.objective_by_id(),
            workspace.person_by_id(),
            workspace.cycle_by_id(),
            {kr.id: kr for kr in workspace.key_results},
        )

    def active(self, cycle_id: str | None) -> bool:
        status = self.evaluation.cycles.get(cycle_id or "")
        return status is not None and status.phase == "during"

    def objective_of(self, kr: KeyResult) -> Objective | None:
        return self.objectives.get(kr.objective)

    def owners_of(self, kr: KeyResult) -> tuple[str, ...]:
        objective = self.objective_of(kr)
        return kr.owners or (objective.owners if objective else ())

    def team_of(self, kr: KeyResult) -> str | None:
        objective = self.objective_of(kr)
        return objective.team if objective else None

    def active_key_results(self) -> list[KeyResult]:
        return [
            kr
            for kr in self.workspace.key_results
            if (o := self.objective_of(kr)) is not None and self.active(o.cycle)
        ]

    def name(self, person_id: str, t: Translator | None = None) -> str:
        """A person's display name: their name, else their e-mail's local part, never an id."""
        person = self.people.get(person_id)
        if person is not None and person.name:
            return person.name
        if person is not None and person.email:
            return person.email.split("@")[0]
        return t.gettext("an owner") if t else "an owner"

    def team_for_person(self, person_id: str) -> str | None:
        """The team of the first objective (by title) the person owns, for their schedule."""
        owned = sorted(
            (o for o in self.workspace.objectives if person_id in o.owners and o.team),
            key=lambda o: o.title,
        )
        return owned[0].team if owned else None

    def mention(self, person_id: str, settings: NotifySettings) -> Mention | None:
        person = self.people.get(person_id)
        if person is None:
            return None
        address = settings.person(person.name, person.email).teams or person.email
        return Mention(name=self.name(person_id), address=address) if address else None


# values and periods ------------------------------------------------------------------------


def kr_detail(kr: KeyResult, facts: Facts, t: Translator) -> str:
    """'40 of 100, at risk': the value against the target (or done), and the health."""
    score = facts.evaluation.key_results.get(kr.id)
    health = health_word(score.health, t) if score else ""
    if kr.kind == "milestone" or kr.target is None:
        value = t.gettext("done") if kr.done else t.gettext("not done yet")
    else:
        value = t.gettext("{value} of {target}").format(
            value=format_amount(kr.current, kr.unit, locale=t.locale),
            target=format_amount(kr.target, kr.unit, locale=t.locale),
        )
    return t.gettext("{value}, {health}").format(value=value, health=health) if health else value


def kr_item(kr: KeyResult, facts: Facts, t: Translator, detail: str | None = None) -> Item:
    url = kr.source.url if kr.source else None
    shown = kr_detail(kr, facts, t) if detail is None else detail
    return Item(text=kr.title, url=url, detail=shown)


def local(now: datetime, schedule: Schedule) -> datetime:
    return now.astimezone(schedule.zone)


def _start_of(day: date, schedule: Schedule) -> datetime:
    return datetime.combine(day, time(0), tzinfo=schedule.zone)


def last_value_change(kr_id: str, check_ins: dict[str, list[datetime]]) -> datetime | None:
    times = check_ins.get(kr_id)
    return times[-1] if times else None


def value_changes(workspace: Workspace) -> dict[str, list[datetime]]:
    """When each key result's value changed (first value included), oldest first."""
    out: dict[str, list[datetime]] = {}
    for kr_id, entries in workspace.check_ins_by_key_result().items():
        previous: object = object()
        for ci in entries:
            if ci.value is not None and ci.value != previous:
                out.setdefault(kr_id, []).append(ci.at)
                previous = ci.value
    return out


# the events ------------------------------------------------------------------------------


def check_in_due(facts: Facts, settings: NotifySettings, now: datetime) -> list[Event]:
    """(1) One reminder per owner and cadence period listing their key results without news."""
    changes = value_changes(facts.workspace)
    due: dict[tuple[str, str], list[KeyResult]] = defaultdict(list)
    periods: dict[tuple[str, str], tuple[str, datetime, Schedule]] = {}
    for kr in facts.active_key_results():
        score = facts.evaluation.key_results.get(kr.id)
        if kr.done or (score and score.score is not None and score.score >= 1.0):
            continue
        objective = facts.objective_of(kr)
        cycle = facts.cycles.get(objective.cycle or "") if objective else None
        if cycle is None:
            continue
        schedule = settings.schedule_for(facts.team_of(kr))
        today = local(now, schedule).date()
        window = timedelta(days=schedule.cadence_days + schedule.grace_days)
        last = last_value_change(kr.id, changes)
        since = last if last is not None else _start_of(cycle.start, schedule)
        if now - since < window:
            continue
        index = (today - cycle.start).days // schedule.cadence_days
        period = f"{cycle.id}/{schedule.cadence_days}d/{index}"
        ends = cycle.start + timedelta(days=(index + 1) * schedule.cadence_days)
        for owner in facts.owners_of(kr):
            due[(owner, period)].append(kr)
            periods[(owner, period)] = (period, _start_of(ends, schedule), schedule)
    events: list[Event] = []
    for (owner, period), krs in sorted(due.items()):
        _, expires, schedule = periods[(owner, period)]
        compose = _check_in_notice(facts, owner, krs, schedule.cadence_days)
        events.append(
            Event("check_in_due", owner, period, expires, compose, Audience(people=(owner,)))
        )
    return events


def _check_in_notice(facts: Facts, owner: str, krs: list[KeyResult], days: int) -> Compose:
    by_objective: dict[str, list[KeyResult]] = defaultdict(list)
    for kr in krs:
        by_objective[kr.objective].append(kr)
    grouped = sorted(by_objective.items(), key=lambda kv: _title(facts, kv[0]))

    def compose(t: Translator) -> Notice:
        sections = tuple(
            Section(
                heading=_title(facts, o) or t.gettext("Key results"),
                items=tuple(kr_item(kr, facts, t) for kr in sorted(items, key=lambda k: k.title)),
            )
            for o, items in grouped
        )
        count = len(krs)
        return Notice.build(
            "check_in_due",
            t.ngettext(
                "Check-in due: {count} key result without a new value",
                "Check-in due: {count} key results without a new value",
                count,
            ).format(count=count),
            intro=t.ngettext(
                "Hi {name}, these key results have had no new value for {days} day or more. "
                "Open each one and update its current value (and your confidence).",
                "Hi {name}, these key results have had no new value for {days} days or more. "
                "Open each one and update its current value (and your confidence).",
                days,
            ).format(name=facts.name(owner, t), days=days),
            sections=sections,
            footer=t.gettext(
                "Updating the value is the check-in; okrsync scores it on its next run."
            ),
        )

    return compose


def _title(facts: Facts, objective_id: str) -> str:
    objective = facts.objectives.get(objective_id)
    return objective.title if objective else ""


def health_changes(
    facts: Facts, settings: NotifySettings, marks: dict[str, str], now: datetime
) -> list[Event]:
    """(2) A key result or objective entering at risk / off track, or recovering, since the
    marks (the last run's, or what the workspace's history proves: `baseline`)."""
    if not marks:
        return []  # nothing to compare with: this look sets the baseline
    week = _iso_week(now)
    events: list[Event] = []
    records: list[tuple[str, str, Health, tuple[str, ...], str | None, Callable[..., Item]]] = []
    for kr in facts.active_key_results():
        score = facts.evaluation.key_results.get(kr.id)
        if score:
            records.append(
                (
                    kr.id,
                    kr.title,
                    score.health,
                    facts.owners_of(kr),
                    facts.team_of(kr),
                    lambda t, kr=kr: kr_item(kr, facts, t),
                )
            )
    for objective in facts.workspace.objectives:
        o_score = facts.evaluation.objectives.get(objective.id)
        if o_score and facts.active(objective.cycle):
            url = objective.source.url if objective.source else None
            records.append(
                (
                    objective.id,
                    objective.title,
                    o_score.health,
                    objective.owners,
                    objective.team,
                    lambda t, o=objective, u=url, h=o_score.health: Item(
                        text=o.title, url=u, detail=health_word(h, t)
                    ),
                )
            )
    said: set[tuple[str, str]] = set()  # (objective, health) a key result's event already tells
    for subject, title, health, owners, team, item in records:
        before = marks.get(subject)
        if before is None or before == health or (subject, health) in said:
            continue
        owning = facts.key_results.get(subject)
        if owning is not None:
            said.add((owning.objective, health))
        if health not in BAD and not (before in BAD and health == "on_track"):
            continue
        mentions = tuple(m for o in owners if (m := facts.mention(o, settings)) is not None)
        compose = _health_notice(title, before, health, item, mentions)
        audience = Audience(people=owners, teams=(team,) if team else ())
        events.append(
            Event(
                "health_changed",
                subject,
                f"{health}@{week}",
                now + timedelta(days=7),
                compose,
                audience,
            )
        )
    return events


def _health_notice(
    title: str,
    before: str,
    health: str,
    item: Callable[[Translator], Item],
    mentions: tuple[Mention, ...],
) -> Compose:
    def compose(t: Translator) -> Notice:
        if health == "at_risk":
            headline = t.gettext("At risk: {title}").format(title=title)
        elif health == "off_track":
            headline = t.gettext("Off track: {title}").format(title=title)
        else:
            headline = t.gettext("Back on track: {title}").format(title=title)
        if health in BAD:
            intro = t.gettext("It was {before} and is now {now}.").format(
                before=health_word(before, t), now=health_word(health, t)
            )
        else:
            intro = t.gettext("It was {before} and is on track again.").format(
                before=health_word(before, t)
            )
        return Notice.build(
            "health_changed",
            headline,
            intro=intro,
            sections=(Section(heading=t.gettext("Details"), items=(item(t),)),),
            mentions=mentions,
        )

    return compose


def current_marks(facts: Facts) -> dict[str, str]:
    """The health of every scored record now, for the next run's comparison."""
    marks = {k: str(v.health) for k, v in facts.evaluation.key_results.items()}
    marks.update({k: str(v.health) for k, v in facts.evaluation.objectives.items()})
    marks.update(
        {
            f"win:{kr.id}": "reached" if reached(kr, facts) else "open"
            for kr in facts.active_key_results()
        }
    )
    return marks


def week_start(now: datetime) -> datetime:
    """Monday 00:00 UTC of `now`'s ISO week: where the period of a health alert begins."""
    day = now.astimezone(UTC).date()
    return datetime.combine(day - timedelta(days=day.weekday()), time(0), tzinfo=UTC)


def as_of(workspace: Workspace, moment: datetime) -> tuple[Workspace, frozenset[str]]:
    """The workspace as its own history shows it just before `moment`, and the key results
    that history speaks for.

    Each key result with a value checked in before `moment` takes its latest such value (and
    confidence); check-ins from `moment` on are dropped. A key result without an earlier value,
    and a milestone (whose done flag has no history), is not spoken for.
    """
    history = workspace.check_ins_by_key_result()
    known: set[str] = set()
    key_results: list[KeyResult] = []
    for kr in workspace.key_results:
        earlier = [c for c in history.get(kr.id, []) if c.at < moment and c.value is not None]
        if not earlier or (kr.kind or infer_kind(kr)) == "milestone":
            key_results.append(kr)
            continue
        known.add(kr.id)
        last = earlier[-1]
        confidence = kr.confidence if last.confidence is None else last.confidence
        key_results.append(kr.model_copy(update={"current": last.value, "confidence": confidence}))
    then = workspace.model_copy(
        update={
            "key_results": tuple(key_results),
            "check_ins": tuple(c for c in workspace.check_ins if c.at < moment),
        }
    )
    return then, frozenset(known)


def history_marks(facts: Facts, now: datetime) -> dict[str, str]:
    """The marks the workspace's value history proves for the start of this week.

    The health of each key result the history speaks for (`as_of`), of each objective all of
    whose key results it speaks for, and whether each such key result had reached its target.
    Compared with these, a change or a win before this week is no news; one within it is.
    """
    moment = week_start(now)
    then, known = as_of(facts.workspace, moment)
    evaluation = evaluate(then, moment.date(), facts.evaluation.settings)
    marks = {
        kr_id: str(score.health)
        for kr_id in known
        if (score := evaluation.key_results.get(kr_id)) is not None
    }
    past = Facts.of(then, evaluation)
    for kr in then.key_results:
        if kr.id in known:
            marks[f"win:{kr.id}"] = "reached" if reached(kr, past) else "open"
    owned: dict[str, list[str]] = defaultdict(list)
    for kr in then.key_results:
        owned[kr.objective].append(kr.id)
    for objective_id, kr_ids in owned.items():
        o_score = evaluation.objectives.get(objective_id)
        if o_score is not None and all(k in known for k in kr_ids):
            marks[objective_id] = str(o_score.health)
    return marks


def baseline(stored: dict[str, str], facts: Facts, now: datetime) -> dict[str, str]:
    """The marks this run compares with: those stored at the last run, and for each record
    without one (a lost or new state store, a record not seen before) what the workspace's
    history proves (`history_marks`); a record neither speaks for is not compared."""
    missing = current_marks(facts).keys() - stored.keys()
    if not missing:
        return stored
    derived = history_marks(facts, now)
    return {**{k: v for k, v in derived.items() if k in missing}, **stored}


def reached(kr: KeyResult, facts: Facts) -> bool:
    """The key result hit its target (score 1.0), or is a milestone marked done."""
    score = facts.evaluation.key_results.get(kr.id)
    return bool(score and score.score is not None and score.score >= 1.0) or (
        kr.kind == "milestone" and bool(kr.done)
    )


def wins(
    facts: Facts, settings: NotifySettings, marks: dict[str, str], now: datetime
) -> list[Event]:
    """(3) A key result reaching its target, or a milestone done, since the last look: once
    per cycle. Key results already there when notifications first looked are not news."""
    events: list[Event] = []
    for kr in facts.active_key_results():
        if marks.get(f"win:{kr.id}") != "open" or not reached(kr, facts):
            continue
        objective = facts.objective_of(kr)
        cycle = facts.cycles.get(objective.cycle or "") if objective else None
        if cycle is None:
            continue
        owners = facts.owners_of(kr)
        mentions = tuple(m for o in owners if (m := facts.mention(o, settings)) is not None)
        team = facts.team_of(kr)
        events.append(
            Event(
                "win",
                kr.id,
                cycle.id,
                _start_of(cycle.end, settings.defaults) + timedelta(days=15),
                _win_notice(kr, objective.title if objective else "", facts, mentions),
                Audience(people=owners, teams=(team,) if team else ()),
            )
        )
    return events


def _win_notice(
    kr: KeyResult, objective: str, facts: Facts, mentions: tuple[Mention, ...]
) -> Compose:
    def compose(t: Translator) -> Notice:
        if kr.kind == "milestone":
            headline = t.gettext("Milestone done: {title}").format(title=kr.title)
        else:
            headline = t.gettext("Target reached: {title}").format(title=kr.title)
        return Notice.build(
            "win",
            headline,
            intro=t.gettext("Part of \u201c{objective}\u201d. Well done!").format(
                objective=objective
            ),
            sections=(Section(heading=t.gettext("Key result"), items=(kr_item(kr, facts, t),)),),
            mentions=mentions,
        )

    return compose


def _iso_week(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def digest_due(schedule: Schedule, now: datetime) -> bool:
    """True from the digest hour on the digest day (local time) until the day ends."""
    moment = local(now, schedule)
    return WEEKDAYS[moment.weekday()] == schedule.digest_day and moment.hour >= schedule.digest_hour


def _moved(krs: Iterable[KeyResult], facts: Facts, now: datetime, t: Translator) -> list[Item]:
    """Key results whose value changed in the last seven days: from -> to."""
    week_ago = now - timedelta(days=7)
    items: list[Item] = []
    for kr in krs:
        entries = [
            c
            for c in facts.workspace.check_ins_by_key_result().get(kr.id, [])
            if c.value is not None
        ]
        before = [c for c in entries if c.at < week_ago]
        recent = [c for c in entries if c.at >= week_ago]
        if not recent:
            continue
        start = before[-1].value if before else None
        end = recent[-1].value
        if start == end:
            continue
        moved = (
            f"{format_number(start, locale=t.locale)} \u2192 {format_number(end, locale=t.locale)}"
        )
        items.append(kr_item(kr, facts, t, detail=moved))
    return items


def _digest_sections(
    krs: list[KeyResult], facts: Facts, settings: NotifySettings, now: datetime, t: Translator
) -> tuple[Section, ...]:
    changes = value_changes(facts.workspace)
    moved = _moved(krs, facts, now, t)
    attention = [
        kr_item(kr, facts, t)
        for kr in krs
        if (s := facts.evaluation.key_results.get(kr.id)) is not None and s.health in BAD
    ]
    missing: list[Item] = []
    for kr in krs:
        schedule = settings.schedule_for(facts.team_of(kr))
        last = last_value_change(kr.id, changes)
        if last is None or now - last >= timedelta(
            days=schedule.cadence_days + schedule.grace_days
        ):
            if last is None:
                detail = t.gettext("no new value this cycle")
            else:
                days = (now - last).days
                detail = t.ngettext(
                    "last value {days} day ago", "last value {days} days ago", days
                ).format(days=days)
            missing.append(kr_item(kr, facts, t, detail=detail))
    nothing = (Item(text=t.gettext("Nothing")),)
    return (
        Section(heading=t.gettext("What moved"), items=tuple(moved) or nothing),
        Section(heading=t.gettext("Needs attention"), items=tuple(attention) or nothing),
        Section(heading=t.gettext("Missing check-ins"), items=tuple(missing) or nothing),
    )


def _review_link(settings: NotifySettings, t: Translator) -> Item:
    return Item(text=t.gettext("Open the review"), url=settings.review_url)


def _digest(
    kind: EventKind,
    subject: str,
    krs: list[KeyResult],
    audience: Audience,
    facts: Facts,
    settings: NotifySettings,
    now: datetime,
) -> Event:
    """One weekly digest (team or owner), once per ISO week of its schedule."""
    team = audience.teams[0] if audience.teams else facts.team_for_person(subject)

    def compose(t: Translator) -> Notice:
        count = len(krs)
        if kind == "team_digest":
            title = t.gettext("Weekly OKR digest: {team}").format(team=subject)
            intro = t.ngettext(
                "{count} key result this cycle.", "{count} key results this cycle.", count
            ).format(count=count)
        else:
            title = t.gettext("Your weekly OKR digest, {name}").format(name=facts.name(subject, t))
            intro = t.ngettext(
                "You own {count} key result this cycle.",
                "You own {count} key results this cycle.",
                count,
            ).format(count=count)
        return Notice.build(
            kind,
            title,
            intro=intro,
            sections=_digest_sections(krs, facts, settings, now, t),
            link=_review_link(settings, t),
        )

    week = _iso_week(local(now, settings.schedule_for(team)))
    return Event(kind, subject, week, now + timedelta(days=6), compose, audience)


def digests(facts: Facts, settings: NotifySettings, now: datetime) -> list[Event]:
    """(4) The weekly digest per team channel and per owner, on the digest day and hour."""
    krs = sorted(facts.active_key_results(), key=lambda k: (_title(facts, k.objective), k.title))
    events: list[Event] = []
    by_team: dict[str, list[KeyResult]] = defaultdict(list)
    by_owner: dict[str, list[KeyResult]] = defaultdict(list)
    for kr in krs:
        if team := facts.team_of(kr):
            by_team[team].append(kr)
        for owner in facts.owners_of(kr):
            by_owner[owner].append(kr)
    for team, team_krs in sorted(by_team.items()):
        schedule = settings.schedule_for(team)
        if settings.on("team_digest") and digest_due(schedule, now):
            audience = Audience(teams=(team,))
            events.append(_digest("team_digest", team, team_krs, audience, facts, settings, now))
    for owner, owned in sorted(by_owner.items()):
        schedule = settings.schedule_for(facts.team_for_person(owner))
        if settings.on("owner_digest") and digest_due(schedule, now):
            audience = Audience(people=(owner,))
            events.append(_digest("owner_digest", owner, owned, audience, facts, settings, now))
    return events


HEALTH_COUNTS: dict[str, str] = {
    "on_track": N_("{count} on track"),
    "at_risk": N_("{count} at risk"),
    "off_track": N_("{count} off track"),
}


def leadership_digest(facts: Facts, settings: NotifySettings, now: datetime) -> list[Event]:
    """(5) Figures, top risks, alignment gaps and the review link, for the leadership list."""
    schedule = settings.defaults
    if not settings.leadership or not digest_due(schedule, now):
        return []
    objectives = [o for o in facts.workspace.objectives if facts.active(o.cycle)]
    scores = [
        s.score
        for o in objectives
        if (s := facts.evaluation.objectives.get(o.id)) and s.score is not None
    ]
    healths = [
        facts.evaluation.objectives[o.id].health
        for o in objectives
        if o.id in facts.evaluation.objectives
    ]
    risks = sorted(
        (
            kr
            for kr in facts.active_key_results()
            if (k := facts.evaluation.key_results.get(kr.id)) and k.health in BAD
        ),
        key=lambda kr: (-(facts.evaluation.key_results[kr.id].gap or 0.0), kr.title),
    )[:5]
    unaligned = [
        o
        for o in sorted(objectives, key=lambda o: o.title)
        if o.level in ("team", "department") and not o.parents
    ][:5]

    def compose(t: Translator) -> Notice:
        counts = ", ".join(
            t.gettext(HEALTH_COUNTS[h]).format(count=healths.count(h))
            for h in ("on_track", "at_risk", "off_track")
            if healths.count(h)
        )
        average = share(sum(scores) / len(scores), locale=t.locale) if scores else "-"
        n = len(objectives)
        if counts:
            intro = t.ngettext(
                "{count} objective this cycle, average score {average} ({health}).",
                "{count} objectives this cycle, average score {average} ({health}).",
                n,
            ).format(count=n, average=average, health=counts)
        else:
            intro = t.ngettext(
                "{count} objective this cycle, average score {average}.",
                "{count} objectives this cycle, average score {average}.",
                n,
            ).format(count=n, average=average)
        gaps = tuple(
            Item(
                text=o.title,
                url=o.source.url if o.source else None,
                detail=t.gettext("{team}: not aligned to a company objective").format(
                    team=o.team or t.gettext("no team")
                ),
            )
            for o in unaligned
        )
        none = (Item(text=t.gettext("None")),)
        return Notice.build(
            "leadership_digest",
            t.gettext("OKR leadership digest"),
            intro=intro,
            sections=(
                Section(
                    heading=t.gettext("Top risks"),
                    items=tuple(kr_item(kr, facts, t) for kr in risks) or none,
                ),
                Section(heading=t.gettext("Alignment gaps"), items=gaps or none),
            ),
            link=_review_link(settings, t),
        )

    return [
        Event(
            "leadership_digest",
            "leadership",
            _iso_week(local(now, schedule)),
            now + timedelta(days=6),
            compose,
            Audience(leadership=True),
        )
    ]


def grading_reminders(facts: Facts, settings: NotifySettings, now: datetime) -> list[Event]:
    """(6) Near a cycle's end: grade your objectives, hold a retro, draft the next cycle."""
    events: list[Event] = []
    lead = timedelta(days=settings.grading_days)
    for cycle in facts.workspace.cycles:
        today = local(now, settings.defaults).date()
        if not (cycle.end - lead <= today <= cycle.end + lead):
            continue
        owned: dict[str, list[Objective]] = defaultdict(list)
        for objective in facts.workspace.objectives:
            if objective.cycle == cycle.id:
                for owner in objective.owners:
                    owned[owner].append(objective)
        for owner, objectives in sorted(owned.items()):
            events.append(
                Event(
                    "grading_reminder",
                    owner,
                    cycle.id,
                    _start_of(cycle.end, settings.defaults) + lead + timedelta(days=1),
                    _grading_notice(cycle, owner, objectives, facts, ended=today > cycle.end),
                    Audience(people=(owner,)),
                )
            )
    return events


def _grading_notice(
    cycle: Cycle, owner: str, objectives: list[Objective], facts: Facts, *, ended: bool
) -> Compose:
    def compose(t: Translator) -> Notice:
        items = []
        for o in sorted(objectives, key=lambda o: o.title):
            s = facts.evaluation.objectives.get(o.id)
            if s and s.score is not None:
                detail = t.gettext("score {score}").format(score=share(s.score, locale=t.locale))
            else:
                detail = t.gettext("not scored")
            items.append(Item(text=o.title, url=o.source.url if o.source else None, detail=detail))
        when = format_date(cycle.end, locale=t.locale)
        if ended:
            title = t.gettext("{cycle} ended on {date}: time to grade")
        else:
            title = t.gettext("{cycle} ends on {date}: time to grade")
        return Notice.build(
            "grading_reminder",
            title.format(cycle=cycle.name, date=when),
            intro=t.gettext("Hi {name}, please grade your objectives and hold a retro.").format(
                name=facts.name(owner, t)
            ),
            sections=(
                Section(heading=t.gettext("Grade these objectives"), items=tuple(items)),
                Section(
                    heading=t.gettext("Retro"),
                    items=tuple(Item(text=t.gettext(p)) for p in RETRO_PROMPTS),
                ),
            ),
            footer=t.gettext(
                "Then draft next cycle's OKRs before it starts, so the first week counts."
            ),
        )

    return compose


def due_events(
    workspace: Workspace,
    evaluation: Evaluation,
    *,
    settings: NotifySettings,
    marks: dict[str, str],
    now: datetime,
) -> list[Event]:
    """Every event due now whose switch is on."""
    facts = Facts.of(workspace, evaluation)
    found: list[Event] = []
    if settings.on("check_in_due"):
        found += check_in_due(facts, settings, now)
    if settings.on("health_changed"):
        found += health_changes(facts, settings, marks, now)
    if settings.on("win"):
        found += wins(facts, settings, marks, now)
    found += digests(facts, settings, now)
    if settings.on("leadership_digest"):
        found += leadership_digest(facts, settings, now)
    if settings.on("grading_reminder"):
        found += grading_reminders(facts, settings, now)
    return found
