"""Cut a `Review` into `CycleReview`s: one per cycle, and one per team and cycle when asked.

A `CycleReview` is everything one review page shows (see `okrsync.review`): headline figures,
objective rows with their key results and the findings about them, the alignment tree and the
findings grouped by severity. Building it is pure and deterministic, so a regenerated page is
byte-identical when nothing changed and the write can be skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from operator import itemgetter
from typing import Final

from okrsync.evaluation import HEALTHS, Evaluation, KeyResultScore, ObjectiveScore
from okrsync.i18n import N_, SOURCE_LANGUAGE, Translator, translator
from okrsync.model import (
    LEVELS,
    OBSERVER,
    SEVERITIES,
    CheckIn,
    Cycle,
    Finding,
    KeyResult,
    Objective,
    Person,
    Severity,
    Workspace,
    finding_sort_key,
    observed,
)
from okrsync.review import (
    AlignmentNode,
    CheckInLine,
    CycleReview,
    Headline,
    KeyResultRow,
    ObjectiveRow,
    PlanningNote,
    Review,
)
from okrsync.review_meeting import (
    UNKNOWN_PERSON,
    attention,
    attention_items,
    children_rollup,
    missing_check_ins,
)
from okrsync.review_noise import rule_title, split_findings
from okrsync.trends import History, change_items, trend, week_start, what_changed

NO_CYCLE_KEY = "no-cycle"
UNKNOWN_SUBJECT = N_("a record okrsync cannot name")
ENGLISH: Final = translator(SOURCE_LANGUAGE)
TREE_NODE_BUDGET = 2000
TREE_MAX_DEPTH = 50


def slug(text: str) -> str:
    """A stable, URL- and key-safe form of a team name: "Sales & Ops" -> "sales-ops"."""
    return re.sub(r"[\W_]+", "-", text.casefold()).strip("-") or "team"


def objective_sort_key(objective: Objective) -> tuple[int, str, str]:
    """Order objectives by level (company first), then title, then id."""
    level = LEVELS.index(objective.level) if objective.level in LEVELS else len(LEVELS)
    return (level, objective.title.casefold(), objective.id)


def page_order(objective: Objective) -> tuple[int, int, str, str, str]:
    """The order of a review's long lists (objective tables and toggles): level (company
    first), team (objectives without a team first), title, then id. It depends only on what
    people keep in the source, never on a score, so a changed score leaves every row in its
    place and a page writer patches that row instead of moving it (Notion has no move). The
    ranking by risk is the short "Needs attention" list's job (`review_meeting.attention_items`).
    """
    level, title, ident = objective_sort_key(objective)
    team = objective.team or ""
    return (level, 1 if team else 0, team.casefold(), title, ident)


def key_result_sort_key(kr: KeyResult) -> tuple[str, str]:
    """Order key results by title, then id, independent of the order a source returned them."""
    return (kr.title.casefold(), kr.id)


def display_names(
    ids: Iterable[str], people: Mapping[str, Person], t: Translator = ENGLISH
) -> tuple[str, ...]:
    """Owner ids as people's names; "unknown person" when the name is unknown, never an id."""
    names: list[str] = []
    unknown = t.gettext(UNKNOWN_PERSON)
    for person_id in ids:
        person = people.get(person_id)
        names.append(person.name if person is not None and person.name else unknown)
    return tuple(dict.fromkeys(names))


def subject_names(review: Review, t: Translator = ENGLISH) -> dict[str, str]:
    """Every finding subject id -> what people call it: titles, cycle, team and person names.

    Source records the mapping could not turn into an objective are named by their title;
    anything else unknown gets a plain phrase, so no page ever shows a raw id.
    """
    workspace = review.workspace
    names: dict[str, str] = {}
    for record in review.source_records:
        title = record.fields.get("@title")
        if isinstance(title, str) and title.strip():
            names[record.external_id] = title.strip()
    unknown = t.gettext(UNKNOWN_PERSON)
    names.update({p.id: p.name or unknown for p in workspace.people})
    team = t.gettext("team {team}")
    names.update({o.team: team.format(team=o.team) for o in workspace.objectives if o.team})
    unnamed = t.gettext("unnamed cycle")
    names.update({c.id: c.name or unnamed for c in workspace.cycles})
    names.update({kr.id: kr.title for kr in workspace.key_results})
    names.update({o.id: o.title for o in workspace.objectives})
    nameless = t.gettext(UNKNOWN_SUBJECT)
    for finding in review.findings:
        names.setdefault(finding.subject, nameless)
    return names


def score_change(
    current: float | None, item_id: str, previous: Mapping[str, float]
) -> float | None:
    """Score change since the previous sync, None when either side is unknown."""
    before = previous.get(item_id)
    if current is None or before is None:
        return None
    return current - before


def findings_by_subject(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    """Findings grouped by their subject id, each group in `finding_sort_key` order."""
    grouped: dict[str, list[Finding]] = {}
    for finding in sorted(findings, key=finding_sort_key):
        grouped.setdefault(finding.subject, []).append(finding)
    return grouped


def group_by_severity(findings: Iterable[Finding]) -> dict[Severity, tuple[Finding, ...]]:
    """Findings per severity, every severity present (empty when none), errors first."""
    ordered = sorted(findings, key=finding_sort_key)
    return {s: tuple(f for f in ordered if f.severity == s) for s in SEVERITIES}


def alignment_tree(
    objectives: Sequence[Objective], evaluation: Evaluation
) -> tuple[AlignmentNode, ...]:
    """The alignment tree of a set of objectives, as roots with their children.

    Roots are the objectives none of whose parents is in the set (parents outside the set, or
    none at all). An objective aligned to two parents in the set appears under both. A child
    that is already on the path from its root is a loop: it is shown once more with
    `cycle_edge=True` and not expanded. Objectives that only sit inside loops (so no root
    reaches them) become roots too, so every objective appears.

    Two guards keep pathological graphs cheap and the recursion shallow: an objective that
    already appeared elsewhere is expanded again only while the tree has fewer than
    `TREE_NODE_BUDGET` nodes (many-parent lattices would otherwise grow exponentially), and
    nothing below `TREE_MAX_DEPTH` levels is expanded.
    """
    ordered = sorted(objectives, key=objective_sort_key)
    inside = {o.id for o in ordered}
    by_id = {o.id: o for o in ordered}
    children: dict[str, list[str]] = {o.id: [] for o in ordered}
    for child in ordered:
        for parent in dict.fromkeys(child.parents):
            if parent in inside:
                children[parent].append(child.id)
    seen: set[str] = set()
    size = [0]

    def node(objective_id: str, path: frozenset[str]) -> AlignmentNode:
        objective = by_id[objective_id]
        result = evaluation.objectives.get(objective_id)
        repeated = objective_id in seen
        seen.add(objective_id)
        size[0] += 1
        base = {
            "objective_id": objective_id,
            "title": objective.title,
            "level": objective.level,
            "grade": result.grade if result is not None else None,
            "health": result.health if result is not None else "no_data",
        }
        if objective_id in path:
            return AlignmentNode.model_validate({**base, "cycle_edge": True})
        if len(path) >= TREE_MAX_DEPTH or (repeated and size[0] >= TREE_NODE_BUDGET):
            return AlignmentNode.model_validate(base)
        inner = path | {objective_id}
        return AlignmentNode.model_validate(
            {**base, "children": tuple(node(c, inner) for c in children[objective_id])}
        )

    roots = [node(o.id, frozenset()) for o in ordered if not any(p in inside for p in o.parents)]
    for o in ordered:
        if o.id not in seen:
            roots.append(node(o.id, frozenset()))
    return tuple(roots)


def headline(
    objectives: Sequence[Objective],
    key_results: Sequence[KeyResult],
    findings: Sequence[Finding],
    cycle: Cycle | None,
    workspace: Workspace,
    evaluation: Evaluation,
) -> Headline:
    """The figures at the top of a review page."""
    results = [evaluation.objectives[o.id] for o in objectives if o.id in evaluation.objectives]
    scores = [r.score for r in results if r.score is not None]
    health_counts = {h: sum(1 for r in results if r.health == h) for h in HEALTHS}
    known = {o.id for o in workspace.objectives}
    non_company = [o for o in objectives if o.level != "company"]
    aligned = [o for o in non_company if any(p in known and p != o.id for p in o.parents)]
    status = evaluation.cycles.get(cycle.id) if cycle is not None else None
    return Headline(
        objectives=len(objectives),
        key_results=len(key_results),
        mean_score=sum(scores) / len(scores) if scores else None,
        health_counts={h: n for h, n in health_counts.items() if n},
        findings_by_severity={s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES},
        elapsed_share=status.elapsed_share if status is not None else None,
        aligned_share=len(aligned) / len(non_company) if non_company else None,
    )


def _key_result_row(
    kr: KeyResult,
    result: KeyResultScore,
    review: Review,
    people: Mapping[str, Person],
    about: Mapping[str, list[Finding]],
    history: History,
    cycle: Cycle | None,
    t: Translator,
) -> KeyResultRow:
    return KeyResultRow(
        key_result=kr,
        result=result,
        owners=display_names(kr.owners, people, t),
        change=score_change(result.score, kr.id, review.previous_scores),
        findings=tuple(about.get(kr.id, ())),
        trend=history.key_result_trend(kr, result.score, cycle, review.evaluation.at),
    )


def _objective_row(
    objective: Objective,
    key_results: Sequence[KeyResult],
    review: Review,
    people: Mapping[str, Person],
    about: Mapping[str, list[Finding]],
    children: Sequence[Objective],
    history: History,
    cycle: Cycle | None,
    t: Translator,
) -> ObjectiveRow:
    evaluation = review.evaluation
    result = evaluation.objectives.get(objective.id) or ObjectiveScore(
        id=objective.id, progress=None, score=None, grade=None, health="no_data"
    )
    rows = tuple(
        _key_result_row(kr, evaluation.key_results[kr.id], review, people, about, history, cycle, t)
        for kr in sorted(key_results, key=key_result_sort_key)
        if kr.id in evaluation.key_results
    )
    points = history.objective_points(key_results, evaluation.key_results)
    return ObjectiveRow(
        check_ins=latest_check_ins(key_results, history, cycle, evaluation.at),
        objective=objective,
        result=result,
        owners=display_names(objective.owners, people, t),
        change=score_change(result.score, objective.id, review.previous_scores),
        key_results=rows,
        findings=tuple(about.get(objective.id, ())),
        children=children_rollup(objective.id, result, children, evaluation),
        attention=attention(objective, result),
        trend=trend(points, result.score, cycle, evaluation.at),
    )


CHECK_INS_PER_OBJECTIVE: Final = 6
"""How many of an objective's latest check-ins its review lists."""


def latest_check_ins(
    key_results: Sequence[KeyResult], history: History, cycle: Cycle | None, at: date
) -> tuple[CheckInLine, ...]:
    """The objective's latest check-ins in its cycle up to `at`, newest first. Of a check-in
    okrsync observed and one a person wrote with the same value on the same day, the person's
    (with the note) is listed."""
    found: list[tuple[datetime, KeyResult, CheckIn]] = []
    for kr in key_results:
        seen: set[tuple[date, float | None]] = set()
        own = history.check_ins.get(kr.id, ())  # oldest first, the latest of an instant last
        # newest first; of one instant people's before okrsync's, each kind's latest first
        newest_first = sorted(own, key=lambda c: (c.at, not observed(c)))[::-1]
        for check_in in newest_first:
            day = check_in.at.date()
            if day > at or (cycle is not None and day < cycle.start):
                continue
            if (day, check_in.value) in seen:
                continue
            seen.add((day, check_in.value))
            found.append((check_in.at, kr, check_in))
    found.sort(key=itemgetter(0), reverse=True)  # stable: of one instant, the order found
    return tuple(
        CheckInLine(
            at=check_in.at.date(),
            key_result=kr.title,
            value=check_in.value,
            unit=kr.unit,
            confidence=check_in.confidence,
            note=" ".join(check_in.note.split()),
            # okrsync's own, whether observed in this run or read back from the workspace
            who=check_in.who or OBSERVER,
        )
        for _, kr, check_in in found[:CHECK_INS_PER_OBJECTIVE]
    )


def _on_page(
    finding: Finding,
    cycle: Cycle | None,
    team: str | None,
    subjects: set[str],
    teams: set[str],
    owners: set[str],
) -> bool:
    """Whether a finding belongs on the page of `cycle` (and `team`, for a team page).

    A finding that names its cycle (about a team, a person or the cycle itself) is shown on
    that cycle's page only; on a team page, only when it is about the team or its owners.
    """
    if finding.cycle is not None:
        if cycle is None or finding.cycle != cycle.id:
            return False
        if team is None:
            return True
        return finding.subject in subjects or finding.subject in teams or finding.subject in owners
    return finding.subject in subjects or finding.subject in teams


def _planning_notes(
    notes: Sequence[Finding], names: Mapping[str, str], t: Translator
) -> tuple[PlanningNote, ...]:
    by_code: dict[str, list[Finding]] = {}
    for finding in notes:
        by_code.setdefault(finding.code, []).append(finding)
    out = []
    for code in sorted(by_code):
        found = by_code[code]
        rule = found[0]
        nameless = t.gettext(UNKNOWN_SUBJECT)
        labels = sorted({names.get(f.subject, nameless) for f in found}, key=str.casefold)
        summary = rule_title(rule, t)
        out.append(
            PlanningNote(code=code, summary=summary, count=len(found), subjects=tuple(labels))
        )
    return tuple(out)


def _one_review(
    review: Review,
    cycle: Cycle | None,
    team: str | None,
    objectives: Sequence[Objective],
    unattached: Sequence[Finding],
    names: Mapping[str, str],
    children: Mapping[str, Sequence[Objective]],
    history: History,
    t: Translator,
) -> CycleReview:
    """One review page's content for the given objectives."""
    workspace = review.workspace
    at = review.evaluation.at
    people = workspace.person_by_id()
    by_objective = workspace.key_results_by_objective()
    ordered = sorted(objectives, key=objective_sort_key)
    key_results = [kr for o in ordered for kr in by_objective.get(o.id, [])]
    subjects = {o.id for o in ordered} | {kr.id for kr in key_results}
    teams = {o.team for o in ordered if o.team}
    owners = {p for o in ordered for p in o.owners}
    if cycle is not None and team is None:
        subjects.add(cycle.id)
    candidates = [f for f in review.findings if _on_page(f, cycle, team, subjects, teams, owners)]
    cycle_of = dict.fromkeys(subjects, cycle.id) if cycle is not None else {}
    cycles = {cycle.id: cycle} if cycle is not None else {}
    shown, notes = split_findings(
        [*candidates, *unattached], cycle_of, cycles, at, review.planning_weeks
    )
    about = findings_by_subject(shown)
    key = cycle.id if cycle is not None else NO_CYCLE_KEY
    rows = [
        _objective_row(
            o,
            by_objective.get(o.id, []),
            review,
            people,
            about,
            children.get(o.id, ()),
            history,
            cycle,
            t,
        )
        for o in ordered
    ]
    rows.sort(key=lambda row: page_order(row.objective))
    shown_subjects = {f.subject for f in [*shown, *notes]} | {p for o in ordered for p in o.parents}
    moves = change_items(
        (
            (kr.key_result, row.objective.id, row.objective.title, kr.result.score, kr.trend)
            for row in rows
            for kr in row.key_results
        ),
        history,
        at,
    )
    return CycleReview(
        cycle=cycle,
        team=team,
        title_key=key if team is None else f"{key}:{slug(team)}",
        at=at,
        generated_at=review.generated_at,
        headline=headline(ordered, key_results, shown, cycle, workspace, review.evaluation),
        objectives=tuple(rows),
        alignment=alignment_tree(ordered, review.evaluation),
        findings=group_by_severity(shown),
        source=review.source,
        names={s: names.get(s, t.gettext(UNKNOWN_SUBJECT)) for s in sorted(shown_subjects)},
        attention=attention_items(rows),
        missing_check_ins=missing_check_ins(
            key_results,
            review.evaluation,
            cycle,
            at,
            review.check_in_days,
            history.check_ins,
            people,
            t,
        ),
        planning_notes=_planning_notes(notes, names, t),
        week_start=week_start(at),
        what_changed=what_changed(moves),
    )


def build_cycle_reviews(
    review: Review, *, per_team: bool = False, t: Translator = ENGLISH
) -> list[CycleReview]:
    """One `CycleReview` per cycle that has objectives, and per team and cycle when `per_team`.

    Cycles come in order of their start date; objectives without a known cycle form a last
    review keyed "no-cycle". With `per_team`, each cycle's review is followed by one review per
    team (by team name) of that cycle, keyed "<cycle id>:<team slug>".

    Findings are attached to the rows of the objectives and key results they are about and
    listed by severity. A cycle review also lists findings about its cycle and its teams;
    findings whose subject is in no cycle (for instance a source record that could not be
    mapped) are listed on every cycle-wide review so they are never lost. The names it gives
    (unknown people, teams, rule summaries) are in the language of `t`.
    """
    workspace = review.workspace
    cycles = workspace.cycle_by_id()
    grouped: dict[str | None, list[Objective]] = {}
    for objective in workspace.objective_by_id().values():
        cycle_id = objective.cycle if objective.cycle in cycles else None
        grouped.setdefault(cycle_id, []).append(objective)

    known_subjects = (
        {o.id for o in workspace.objectives}
        | {kr.id for kr in workspace.key_results}
        | set(cycles)
        | {o.team for o in workspace.objectives if o.team}
        | {p.id for p in workspace.people}
    )
    unattached = [f for f in review.findings if f.cycle is None and f.subject not in known_subjects]
    names = subject_names(review, t)
    history = History(workspace)
    children: dict[str, list[Objective]] = {}
    for objective in sorted(workspace.objectives, key=objective_sort_key):
        for parent in dict.fromkeys(objective.parents):
            if parent != objective.id:
                children.setdefault(parent, []).append(objective)

    def order(cycle_id: str | None) -> tuple[int, str, str]:
        if cycle_id is None:
            return (1, "", "")
        return (0, cycles[cycle_id].start.isoformat(), cycle_id)

    reviews: list[CycleReview] = []
    for cycle_id in sorted(grouped, key=order):
        cycle = cycles[cycle_id] if cycle_id is not None else None
        objectives = grouped[cycle_id]
        reviews.append(
            _one_review(review, cycle, None, objectives, unattached, names, children, history, t)
        )
        if not per_team:
            continue
        teams = sorted({o.team for o in objectives if o.team}, key=lambda t: (slug(t), t))
        used: set[str] = set()
        for team in teams:
            members = [o for o in objectives if o.team == team]
            team_review = _one_review(review, cycle, team, members, (), names, children, history, t)
            key = team_review.title_key
            while key in used:  # two team names with one slug ("Sales", "sales"): keep both
                key += "-2"
            used.add(key)
            reviews.append(team_review.model_copy(update={"title_key": key}))
    return reviews
