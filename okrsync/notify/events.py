"""What is worth telling whom, now: the six events of issue 15, as pure data.

`due_events(...)` reads a workspace, its evaluation, the health each record had when
notifications last looked, the settings and the time, and returns `Event`s. Each has a dedupe
`subject` and `period` (with the time the period `expires`); the notifier turns (kind, subject,
period) into ledger keys, so an event found again in the same period is never sent again.
Text shown to people uses titles and names, never ids.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from okrsync.evaluation import Evaluation, Health
from okrsync.model import Cycle, KeyResult, Objective, Person, Workspace
from okrsync.notify.message import EventKind, Item, Mention, Notice, Section
from okrsync.notify.settings import WEEKDAYS, NotifySettings, Schedule

BAD: frozenset[str] = frozenset({"at_risk", "off_track"})
HEALTH_WORDS: dict[str, str] = {
    "on_track": "on track",
    "at_risk": "at risk",
    "off_track": "off track",
    "green": "green",
    "yellow": "yellow",
    "red": "red",
    "not_started": "not started",
    "no_data": "no data",
}
RETRO_PROMPTS: tuple[str, ...] = (
    "What worked, and should we keep doing it?",
    "What did not work, and why?",
    "What will you change next cycle?",
)


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
    notice: Notice
    audience: Audience


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

    def name(self, person_id: str) -> str:
        """A person's display name: their name, else their e-mail's local part, never an id."""
        person = self.people.get(person_id)
        if person is None:
            return "an owner"
        if person.name:
            return person.name
        return person.email.split("@")[0] if person.email else "an owner"

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
        override = settings.people.get(person.name) or settings.people.get(person.email or "")
        address = (override.teams if override else None) or person.email
        return Mention(name=self.name(person_id), address=address) if address else None


# values and periods ------------------------------------------------------------------------


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")


def kr_detail(kr: KeyResult, facts: Facts) -> str:
    unit = f" {kr.unit}" if kr.unit and kr.unit != "%" else (kr.unit or "")
    score = facts.evaluation.key_results.get(kr.id)
    health = HEALTH_WORDS.get(score.health, "") if score else ""
    if kr.kind == "milestone" or kr.target is None:
        value = "done" if kr.done else "not done yet"
    else:
        value = f"{_number(kr.current)}{unit} of {_number(kr.target)}{unit}"
    return f"{value}, {health}" if health else value


def kr_item(kr: KeyResult, facts: Facts, detail: str | None = None) -> Item:
    url = kr.source.url if kr.source else None
    return Item(text=kr.title, url=url, detail=kr_detail(kr, facts) if detail is None else detail)


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
        by_objective: dict[str, list[KeyResult]] = defaultdict(list)
        for kr in krs:
            by_objective[kr.objective].append(kr)
        sections = tuple(
            Section(
                heading=facts.objectives[o].title if o in facts.objectives else "Key results",
                items=tuple(kr_item(kr, facts) for kr in sorted(items, key=lambda k: k.title)),
            )
            for o, items in sorted(by_objective.items(), key=lambda kv: _title(facts, kv[0]))
        )
        count = len(krs)
        notice = Notice.build(
            "check_in_due",
            f"Check-in due: {count} key result{'s' if count != 1 else ''} without a new value",
            intro=(
                f"Hi {facts.name(owner)}, these key results have had no new value for "
                f"{schedule.cadence_days} days or more. Open each one and update its current "
                "value (and your confidence)."
            ),
            sections=sections,
            footer="Updating the value is the check-in; okrsync scores it on its next run.",
        )
        events.append(
            Event("check_in_due", owner, period, expires, notice, Audience(people=(owner,)))
        )
    return events


def _title(facts: Facts, objective_id: str) -> str:
    objective = facts.objectives.get(objective_id)
    return objective.title if objective else ""


def health_changes(
    facts: Facts, settings: NotifySettings, marks: dict[str, str], now: datetime
) -> list[Event]:
    """(2) A key result or objective entering at risk / off track, or recovering."""
    if not marks:
        return []  # the first look sets the baseline; nothing "changed" yet
    week = _iso_week(now)
    events: list[Event] = []
    records: list[tuple[str, str, Health, tuple[str, ...], str | None, Item]] = []
    for kr in facts.active_key_results():
        score = facts.evaluation.key_results.get(kr.id)
        if score:
            item = kr_item(kr, facts)
            records.append(
                (kr.id, kr.title, score.health, facts.owners_of(kr), facts.team_of(kr), item)
            )
    for objective in facts.workspace.objectives:
        o_score = facts.evaluation.objectives.get(objective.id)
        if o_score and facts.active(objective.cycle):
            url = objective.source.url if objective.source else None
            item = Item(text=objective.title, url=url, detail=HEALTH_WORDS.get(o_score.health, ""))
            records.append(
                (
                    objective.id,
                    objective.title,
                    o_score.health,
                    objective.owners,
                    objective.team,
                    item,
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
        if health in BAD:
            headline = f"{HEALTH_WORDS[health].capitalize()}: {title}"
            intro = f"It was {HEALTH_WORDS.get(before, before)} and is now {HEALTH_WORDS[health]}."
        elif before in BAD and health == "on_track":
            headline = f"Back on track: {title}"
            intro = f"It was {HEALTH_WORDS[before]} and is on track again."
        else:
            continue
        mentions = tuple(m for o in owners if (m := facts.mention(o, settings)) is not None)
        notice = Notice.build(
            "health_changed",
            headline,
            intro=intro,
            sections=(Section(heading="Details", items=(item,)),),
            mentions=mentions,
        )
        audience = Audience(people=owners, teams=(team,) if team else ())
        events.append(
            Event(
                "health_changed",
                subject,
                f"{health}@{week}",
                now + timedelta(days=7),
                notice,
                audience,
            )
        )
    return events


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
        milestone = kr.kind == "milestone"
        notice = Notice.build(
            "win",
            f"{'Milestone done' if milestone else 'Target reached'}: {kr.title}",
            intro=f"Part of \u201c{objective.title if objective else ''}\u201d. Well done!",
            sections=(Section(heading="Key result", items=(kr_item(kr, facts),)),),
            mentions=mentions,
        )
        team = facts.team_of(kr)
        events.append(
            Event(
                "win",
                kr.id,
                cycle.id,
                _start_of(cycle.end, settings.defaults) + timedelta(days=15),
                notice,
                Audience(people=owners, teams=(team,) if team else ()),
            )
        )
    return events


def _iso_week(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def digest_due(schedule: Schedule, now: datetime) -> bool:
    """True from the digest hour on the digest day (local time) until the day ends."""
    moment = local(now, schedule)
    return WEEKDAYS[moment.weekday()] == schedule.digest_day and moment.hour >= schedule.digest_hour


def _moved(krs: Iterable[KeyResult], facts: Facts, now: datetime) -> list[Item]:
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
        items.append(kr_item(kr, facts, detail=f"{_number(start)} \u2192 {_number(end)}"))
    return items


def _digest_sections(
    krs: list[KeyResult], facts: Facts, settings: NotifySettings, now: datetime
) -> tuple[Section, ...]:
    changes = value_changes(facts.workspace)
    moved = _moved(krs, facts, now)
    attention = [
        kr_item(kr, facts)
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
            missing.append(
                kr_item(
                    kr,
                    facts,
                    detail="no new value this cycle"
                    if last is None
                    else f"last value {(now - last).days} days ago",
                )
            )
    sections = []
    for heading, items in (
        ("What moved", moved),
        ("Needs attention", attention),
        ("Missing check-ins", missing),
    ):
        sections.append(Section(heading=heading, items=tuple(items) or (Item(text="Nothing"),)))
    return tuple(sections)


def _digest(
    kind: EventKind,
    subject: str,
    title: str,
    intro: str,
    krs: list[KeyResult],
    audience: Audience,
    facts: Facts,
    settings: NotifySettings,
    now: datetime,
) -> Event:
    """One weekly digest (team or owner), once per ISO week of its schedule."""
    team = audience.teams[0] if audience.teams else facts.team_for_person(subject)
    notice = Notice.build(
        kind,
        title,
        intro=intro,
        sections=_digest_sections(krs, facts, settings, now),
        link=Item(text="Open the review", url=settings.review_url),
    )
    week = _iso_week(local(now, settings.schedule_for(team)))
    return Event(kind, subject, week, now + timedelta(days=6), notice, audience)


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
            title = f"Weekly OKR digest: {team}"
            intro = f"{len(team_krs)} key results this cycle."
            audience = Audience(teams=(team,))
            events.append(
                _digest("team_digest", team, title, intro, team_krs, audience, facts, settings, now)
            )
    for owner, owned in sorted(by_owner.items()):
        schedule = settings.schedule_for(facts.team_for_person(owner))
        if settings.on("owner_digest") and digest_due(schedule, now):
            title = f"Your weekly OKR digest, {facts.name(owner)}"
            intro = f"You own {len(owned)} key result(s) this cycle."
            audience = Audience(people=(owner,))
            events.append(
                _digest("owner_digest", owner, title, intro, owned, audience, facts, settings, now)
            )
    return events


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
    counts = ", ".join(
        f"{healths.count(h)} {HEALTH_WORDS[h]}"
        for h in ("on_track", "at_risk", "off_track")
        if healths.count(h)
    )
    average = f"{sum(scores) / len(scores):.0%}" if scores else "-"
    risks = sorted(
        (
            kr
            for kr in facts.active_key_results()
            if (k := facts.evaluation.key_results.get(kr.id)) and k.health in BAD
        ),
        key=lambda kr: (-(facts.evaluation.key_results[kr.id].gap or 0.0), kr.title),
    )[:5]
    gaps = [
        Item(
            text=o.title,
            url=o.source.url if o.source else None,
            detail=f"{o.team or 'no team'}: not aligned to a company objective",
        )
        for o in sorted(objectives, key=lambda o: o.title)
        if o.level in ("team", "department") and not o.parents
    ][:5]
    notice = Notice.build(
        "leadership_digest",
        "OKR leadership digest",
        intro=f"{len(objectives)} objectives this cycle, average score {average}"
        + (f" ({counts})." if counts else "."),
        sections=(
            Section(
                heading="Top risks",
                items=tuple(kr_item(kr, facts) for kr in risks) or (Item(text="None"),),
            ),
            Section(heading="Alignment gaps", items=tuple(gaps) or (Item(text="None"),)),
        ),
        link=Item(text="Open the review", url=settings.review_url),
    )
    return [
        Event(
            "leadership_digest",
            "leadership",
            _iso_week(local(now, schedule)),
            now + timedelta(days=6),
            notice,
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
            items = []
            for o in sorted(objectives, key=lambda o: o.title):
                s = facts.evaluation.objectives.get(o.id)
                detail = f"score {s.score:.0%}" if s and s.score is not None else "not scored"
                items.append(
                    Item(text=o.title, url=o.source.url if o.source else None, detail=detail)
                )
            when = "ends" if today <= cycle.end else "ended"
            notice = Notice.build(
                "grading_reminder",
                f"{cycle.name} {when} on {cycle.end.isoformat()}: time to grade",
                intro=f"Hi {facts.name(owner)}, please grade your objectives and hold a retro.",
                sections=(
                    Section(heading="Grade these objectives", items=tuple(items)),
                    Section(heading="Retro", items=tuple(Item(text=p) for p in RETRO_PROMPTS)),
                ),
                footer="Then draft next cycle's OKRs before it starts, so the first week counts.",
            )
            events.append(
                Event(
                    "grading_reminder",
                    owner,
                    cycle.id,
                    _start_of(cycle.end, settings.defaults) + lead + timedelta(days=1),
                    notice,
                    Audience(people=(owner,)),
                )
            )
    return events


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
