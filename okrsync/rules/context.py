"""The indexes every check reads, built once per `check()` call in linear time.

Rules run over workspaces of 100 000 key results, so lookups (objective by id, key results
by objective, children by parent, the latest check-in per key result) are computed here
once instead of in each rule. `Context` is a frozen dataclass rather than a pydantic model on
purpose: it only holds derived views of already validated data, and copying 100 000 records
through validation again would cost more than every rule together.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Final

from okrsync.evaluation import Evaluation, KeyResultScore, Phase
from okrsync.i18n import N_
from okrsync.i18n.message import Listing, Phrase, Quoted
from okrsync.model import (
    CheckIn,
    CheckInOrder,
    Cycle,
    KeyResult,
    Objective,
    Person,
    Workspace,
    check_in_order,
)

UNKNOWN_PERSON: Final = Phrase(N_("unknown person"))
UNREADABLE_OBJECTIVE: Final = Phrase(N_("an objective okrsync cannot read"))

TEXT_LIMIT: Final = 1_000
"""Characters of a title the text rules read (task verbs, metrics, units, duplicates): enough
for any real title, and a 50 MB title costs no more time or memory than a long one."""


def clip(text: str) -> str:
    """The part of `text` the text rules read: its first `TEXT_LIMIT` characters."""
    return text[:TEXT_LIMIT]


# The non-ASCII characters re.IGNORECASE equates with ASCII letters, mapped to those letters.
_IGNORECASE_ALIASES: Final = str.maketrans({"İ": "i", "ı": "i", "ſ": "s", "K": "k"})


def folded(text: str) -> str:
    """`text` in lower case as re.IGNORECASE compares ASCII letters, for cheap pre-checks.

    A case-insensitive regex over many alternatives costs about 15 us per title; a plain search
    for its lower-case key parts in `folded(title)` a tenth of that. A rule runs its regex only
    when that search finds something, which gives the same answers faster.
    """
    if text.isascii():
        return text.lower()
    return text.translate(_IGNORECASE_ALIASES).lower()


_ASCII_LETTERS: Final = re.compile(r"[a-z]+")
_LETTERS: Final = re.compile(r"[^\W\d_]+")

TitleScan = tuple[str, list[str]]
"""A title as the text rules read it, scanned once for all of them: (its first `TEXT_LIMIT`
characters `folded`, the runs of letters in that text, in order).

A case-insensitive regex `\\bword\\b` can only match a title whose scan has `word` among its
runs (the folding maps every character the regex equates with an ASCII letter to that letter,
and never turns a non-word character into a letter), so a rule that looks for a few words
tests its set of words against the runs, in one set operation, and runs its regex only when
one of them is there. Scanning each title once for every rule costs less than each rule's own
search for its key words in the text.
"""


def scan_title(title: str) -> TitleScan:
    """`title` scanned for the text rules (see `TitleScan`)."""
    text = title[:TEXT_LIMIT]  # `folded(clip(title))` without two calls for an ASCII title
    text = text.lower() if text.isascii() else folded(text)
    return text, (_ASCII_LETTERS if text.isascii() else _LETTERS).findall(text)


# ASCII letters in lower case, "\n" kept (it separates the titles `scan_titles` joins), any
# other ASCII character a space: the runs of letters of ASCII titles in one `str.translate`.
_ASCII_RUNS: Final = (
    dict.fromkeys(range(128), " ")
    | {ord(letter): letter.lower() for letter in string.ascii_letters}
    | {ord("\n"): "\n"}
)


def scan_titles(titles: Sequence[str]) -> list[TitleScan]:
    """Each of `titles` scanned as `scan_title` does, in order.

    Titles are almost always ASCII without a line break: then they are joined, folded and
    split into runs of letters in three passes of C over one text (`_ASCII_RUNS`; a run of
    letters is what `_ASCII_LETTERS` finds), instead of a regular expression and two function
    calls per title, a third of the cost. Any other list is scanned title by title.
    """
    clipped = [title[:TEXT_LIMIT] for title in titles]
    joined = "\n".join(clipped)
    if not clipped or not joined.isascii() or joined.count("\n") != len(clipped) - 1:
        return [scan_title(title) for title in clipped]
    texts = joined.lower().split("\n")
    runs = joined.translate(_ASCII_RUNS).split("\n")
    return [(text, letters.split()) for text, letters in zip(texts, runs, strict=True)]


def instant(moment: datetime) -> datetime:
    """`moment` as an aware datetime (naive values are read as UTC) so any two compare."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


KeyResultRow = tuple[
    KeyResult, "KeyResultScore | None", "Objective | None", "Cycle | None", Phase, "datetime | None"
]
"""A key result with what the key-result rules look up about it, found once per check:
(key result, its score, its objective, its cycle, the phase of that cycle, its latest sign of
life: the newest check-in or last edit, None without either).

The score is None when the evaluation has none, objective and cycle None when unknown, and the
phase "unknown" without a cycle. Most rules read these for every key result; resolving them
once, in one pass, saves each rule its own lookups (in tables of 100 000 entries, each a cache
miss). A plain tuple, built three times faster than a named tuple; the rules unpack it.
"""


@dataclass(frozen=True, slots=True)
class Context:
    """A workspace, its evaluation and the lookups the checks share."""

    workspace: Workspace
    evaluation: Evaluation
    cycles: Mapping[str, Cycle]
    objectives: Mapping[str, Objective]
    key_results: Mapping[str, KeyResult]
    key_results_by_objective: Mapping[str, Sequence[KeyResult]]
    children: Mapping[str, Sequence[str]]
    last_check_in: Mapping[str, CheckIn]
    last_confidence: Mapping[str, float]
    people: Mapping[str, Person]
    rows: Sequence[KeyResultRow]
    """Every key result of the workspace, in workspace order, with its lookups resolved."""
    _title_scans: list[TitleScan] = field(
        default_factory=list, init=False, repr=False, compare=False
    )

    def key_result_titles(self) -> Sequence[TitleScan]:
        """Each key result's title scanned for the text rules (`scan_title`), in workspace
        order: scanned on the first call, so that the rules reading titles share one scan and
        a check without them makes none."""
        if not self._title_scans and self.workspace.key_results:
            self._title_scans[:] = scan_titles([kr.title for kr in self.workspace.key_results])
        return self._title_scans

    @property
    def at(self) -> date:
        """The day the workspace is judged at (the evaluation's date)."""
        return self.evaluation.at

    def cycle(self, cycle_id: str | None) -> Cycle | None:
        """The cycle with that id, or None when it is missing or unknown."""
        return None if cycle_id is None else self.cycles.get(cycle_id)

    def cycle_label(self, cycle_id: str) -> str:
        """The cycle's name for messages (its id when the cycle is unknown).

        Ids are often opaque page ids that mean nothing to the people reading a review.
        """
        cycle = self.cycles.get(cycle_id)
        return cycle.name if cycle and cycle.name else cycle_id

    def person_label(self, person_id: str) -> str | Phrase:
        """A person's name for messages; never their id (ids mean nothing to readers)."""
        person = self.people.get(person_id)
        return person.name if person and person.name else UNKNOWN_PERSON

    def objective_label(self, objective_id: str) -> Quoted | Phrase:
        """An objective's title in quotes for messages, or a plain phrase when it is unknown."""
        objective = self.objectives.get(objective_id)
        return Quoted(objective.title) if objective is not None else UNREADABLE_OBJECTIVE

    def objective_list(self, ids: Sequence[str], limit: int = 6) -> Listing:
        """Objective titles for a message, sorted, shortened to `limit` with a count of the rest.

        Sorted by title (then id) so the message never depends on the order records were read.
        """

        def order(i: str) -> tuple[str, str]:
            objective = self.objectives.get(i)
            return (objective.title.casefold() if objective is not None else "", i)

        ordered = sorted(dict.fromkeys(ids), key=order)
        shown = tuple(self.objective_label(i) for i in ordered[:limit])
        return Listing(shown, max(0, len(ordered) - limit))

    def phase(self, cycle: Cycle | None) -> Phase:
        """Where `at` falls relative to the cycle; the evaluation's answer wins when present."""
        return _phase(cycle, self.evaluation)

    def elapsed_share(self, cycle: Cycle) -> float:
        """Share of the cycle's days elapsed at `at`, in [0, 1] (days elapsed / cycle days)."""
        status = self.evaluation.cycles.get(cycle.id)
        if status is not None and status.elapsed_share is not None:
            return status.elapsed_share
        elapsed = (self.at - cycle.start).days / cycle.days
        return min(1.0, max(0.0, elapsed))

    def confidence(self, key_result: KeyResult) -> float | None:
        """The key result's confidence as written on it, else the latest check-in's."""
        if key_result.confidence is not None:
            return key_result.confidence
        return self.last_confidence.get(key_result.id)

    def days_since(self, moment: datetime) -> int:
        """Whole days from `moment`'s date to `at`."""
        return (self.at - moment.date()).days


def build_context(workspace: Workspace, evaluation: Evaluation) -> Context:
    """Index the workspace in one pass over each collection."""
    objectives = {o.id: o for o in workspace.objectives}
    cycles = {c.id: c for c in workspace.cycles}
    by_objective: dict[str, list[KeyResult]] = {o.id: [] for o in workspace.objectives}
    children: dict[str, list[str]] = {}
    # Each objective's cycle, phase and list of key results, resolved once for all its key
    # results (one look-up per key result finds all of them).
    placed: dict[str, tuple[Objective | None, Cycle | None, Phase, list[KeyResult]]] = {}
    for objective in workspace.objectives:
        for parent in dict.fromkeys(objective.parents):
            children.setdefault(parent, []).append(objective.id)
        cycle = None if objective.cycle is None else cycles.get(objective.cycle)
        placed[objective.id] = (
            objective,
            cycle,
            _phase(cycle, evaluation),
            by_objective[objective.id],
        )
    last: dict[str, CheckIn] = {}
    confidence_at: dict[str, tuple[CheckInOrder, float]] = {}
    for ci in workspace.check_ins:
        # A check-in's place in the order is worked out only to compare it with another.
        key: CheckInOrder | None = None
        seen = last.get(ci.key_result)
        if seen is None:
            last[ci.key_result] = ci
        else:
            key = check_in_order(ci)
            if check_in_order(seen) < key:
                last[ci.key_result] = ci
        if ci.confidence is not None:
            key = check_in_order(ci) if key is None else key
            known = confidence_at.get(ci.key_result)
            if known is None or known[0] < key:
                confidence_at[ci.key_result] = (key, ci.confidence)
    place = placed.get
    ids = [kr.id for kr in workspace.key_results]  # each record's id read once, for all below
    key_results = dict(zip(ids, workspace.key_results, strict=True))
    checked = {kr_id: instant(ci.at) for kr_id, ci in last.items()}
    # A key result's last edit; where two share an id, the last one known among them.
    edited = (
        None
        if len(key_results) == len(workspace.key_results)
        else {kr.id: kr.updated_at for kr in workspace.key_results if kr.updated_at is not None}
    )
    rows: list[KeyResultRow] = []
    add = rows.append
    for kr, score in _scored(workspace, ids, evaluation):
        # The latest sign of life: last edits are aware times (the model's UtcDatetime), so
        # they compare with check-ins'.
        active = kr.updated_at if edited is None else edited.get(kr.id)
        if checked:
            checked_at = checked.get(kr.id)
            if checked_at is not None and (active is None or active < checked_at):
                active = checked_at
        found = place(kr.objective)
        if found is None:  # an objective the workspace does not have
            by_objective.setdefault(kr.objective, []).append(kr)
            add((kr, score, None, None, "unknown", active))
        else:
            its_objective, its_cycle, phase, krs = found
            krs.append(kr)
            add((kr, score, its_objective, its_cycle, phase, active))
    return Context(
        workspace=workspace,
        evaluation=evaluation,
        cycles=cycles,
        objectives=objectives,
        key_results=key_results,
        key_results_by_objective=by_objective,
        children=children,
        last_check_in=last,
        last_confidence={k: v for k, (_, v) in confidence_at.items()},
        people={p.id: p for p in workspace.people},
        rows=rows,
    )


def _scored(
    workspace: Workspace, ids: list[str], evaluation: Evaluation
) -> Iterable[tuple[KeyResult, KeyResultScore | None]]:
    """Each key result with its score (`ids`: the key results' ids, in order). The evaluation
    of this workspace holds them by id in the same order (checked), so they pair up without a
    look-up in a table of every key result; any other evaluation is looked up by id."""
    krs = workspace.key_results
    scores = evaluation.key_results
    if len(scores) == len(krs) and list(scores) == ids:
        return zip(krs, scores.values(), strict=True)
    get = scores.get
    return [(kr, get(kr_id)) for kr, kr_id in zip(krs, ids, strict=True)]


def _phase(cycle: Cycle | None, evaluation: Evaluation) -> Phase:
    """Where the evaluation's day falls in `cycle` (as `Context.phase` answers)."""
    if cycle is None:
        return "unknown"
    status = evaluation.cycles.get(cycle.id)
    if status is not None:
        return status.phase
    if evaluation.at < cycle.start:
        return "before"
    if evaluation.at > cycle.end:
        return "after"
    return "during"
