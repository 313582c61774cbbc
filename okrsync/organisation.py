"""One organisation workspace from several sources (pure).

Every enabled source is mapped on its own; `combine` then joins their workspaces into the one
workspace that scoring, roll-ups, alignment, rules and reviews see:

- ids stay unique across sources: when a source's objective or key-result id is already taken
  by an earlier source, every id of that source is qualified as `<source>:<id>` (references
  included);
- cycles with the same id, or the same name and dates, are one cycle (a "Q3 2025" quarter kept
  in two tools is the same quarter); people with the same id are one person;
- a parent reference that its own source could not resolve is resolved across all sources by
  page id, page URL or exact title, so an objective aligned to a page another source reads is
  aligned, and ALN005 fires only when no source reads the parent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final
from urllib.parse import urlsplit

from okrsync.model import CheckIn, Cycle, KeyResult, Objective, Person, Workspace

_HEX_ID: Final = re.compile(r"[0-9a-f]{32}")
_NUMERIC_ID: Final = re.compile(r"(?:pageId=|/pages/)(\d+)")


def _qualify(source: str, workspace: Workspace) -> Workspace:
    """The workspace with every objective and key-result id prefixed by `source:`."""

    def q(value: str) -> str:
        return qualified(source, value)

    own = {o.id for o in workspace.objectives} | {k.id for k in workspace.key_results}
    objectives = tuple(
        o.model_copy(
            update={"id": q(o.id), "parents": tuple(q(p) if p in own else p for p in o.parents)}
        )
        for o in workspace.objectives
    )
    key_results = tuple(
        k.model_copy(update={"id": q(k.id), "objective": q(k.objective)})
        for k in workspace.key_results
    )
    check_ins = tuple(
        c.model_copy(update={"key_result": q(c.key_result)}) if c.key_result in own else c
        for c in workspace.check_ins
    )
    return workspace.model_copy(
        update={"objectives": objectives, "key_results": key_results, "check_ins": check_ins}
    )


def _url_keys(url: str) -> set[str]:
    """Comparable forms of a page URL: without query/fragment/trailing slash, and the page id
    it holds (Notion: 32 hex digits; Confluence: /pages/<id>/ or pageId=<id>)."""
    keys: set[str] = set()
    text = url.strip()
    if not text:
        return keys
    parts = urlsplit(text)
    if parts.scheme and parts.netloc:
        keys.add(f"{parts.netloc.lower()}{parts.path.rstrip('/')}")
    compact = text.lower().replace("-", "")
    keys.update(f"id:{m}" for m in _HEX_ID.findall(compact))
    keys.update(f"id:{m}" for m in _NUMERIC_ID.findall(text))
    return keys


def _id_key(value: str) -> str:
    return "id:" + value.lower().replace("-", "")


class ParentIndex:
    """Finds an objective of any source by id, page URL or exact title."""

    def __init__(self, objectives: Sequence[Objective]) -> None:
        self.ids = {o.id for o in objectives}
        self.by_key: dict[str, str] = {}
        self.by_title: dict[str, list[str]] = {}
        for o in objectives:
            external = o.source.external_id if o.source else o.id
            self.by_key.setdefault(_id_key(external), o.id)
            self.by_key.setdefault(_id_key(o.id), o.id)
            if o.source is not None and o.source.url:
                for key in _url_keys(o.source.url):
                    self.by_key.setdefault(key, o.id)
            self.by_title.setdefault(o.title.strip(), []).append(o.id)

    def resolve(self, ref: str) -> str | None:
        """The objective id `ref` names, or None when no source reads it (or it is ambiguous)."""
        if ref in self.ids:
            return ref
        found = self.by_key.get(_id_key(ref))
        if found is not None:
            return found
        for key in sorted(_url_keys(ref)):
            if key in self.by_key:
                return self.by_key[key]
        titled = self.by_title.get(ref.strip(), [])
        return titled[0] if len(titled) == 1 else None


def resolve_parents(workspace: Workspace) -> Workspace:
    """The workspace with each parent reference pointing at the objective it names."""
    index = ParentIndex(workspace.objectives)
    changed: list[Objective] = []
    for o in workspace.objectives:
        parents = tuple(dict.fromkeys(index.resolve(p) or p for p in o.parents))
        changed.append(o if parents == o.parents else o.model_copy(update={"parents": parents}))
    return workspace.model_copy(update={"objectives": tuple(changed)})


def same_cycles(parts: Sequence[Workspace]) -> dict[str, Cycle]:
    """Every cycle id of `parts` -> the one cycle it is in the organisation.

    Cycles with the same id, or the same name and dates, are one; the one kept is a cycle made
    from its name (ids like "2025-Q3", the same in every tool) when there is one, else the
    first seen under the id its name gives, so the organisation's cycle ids do not depend on
    one tool's page ids.
    """
    groups: dict[tuple[str, object, object], list[Cycle]] = {}
    by_id: dict[str, tuple[str, object, object]] = {}
    for workspace in parts:
        for cycle in workspace.cycles:
            key = by_id.get(cycle.id) or (
                " ".join(cycle.name.split()).casefold(),
                cycle.start,
                cycle.end,
            )
            by_id.setdefault(cycle.id, key)
            groups.setdefault(key, []).append(cycle)
    chosen: dict[str, Cycle] = {}
    for cycles in groups.values():
        kept = next((c for c in cycles if c.source is None), None) or _by_name(cycles[0])
        for cycle in cycles:
            chosen[cycle.id] = kept
    return chosen


def _by_name(cycle: Cycle) -> Cycle:
    """A cycle record (a Notion "Quarters" page) under the id its name gives ("Q3 2025" ->
    "2025-Q3") when the name is a period with these dates, so the id is the same whichever tool
    keeps the cycle; otherwise as it is."""
    from okrsync.mapping.values import ValueParseError, parse_cycle

    try:
        period = parse_cycle(cycle.name)
    except ValueParseError:
        return cycle
    if (period.start, period.end) != (cycle.start, cycle.end):
        return cycle
    return cycle.model_copy(update={"id": period.id})


def qualified(source: str, item_id: str) -> str:
    """The id an item of `source` has in the organisation when its own id was taken."""
    return f"{source}:{item_id}"


def combine(parts: Sequence[tuple[str, Workspace]]) -> tuple[Workspace, frozenset[str]]:
    """One organisation workspace from (source name, workspace) pairs, in the given order, and
    the names of the sources whose ids had to be qualified."""
    if len(parts) == 1:
        return parts[0][1], frozenset()
    renamed: set[str] = set()
    taken: set[str] = set()
    objectives: list[Objective] = []
    key_results: list[KeyResult] = []
    check_ins: list[CheckIn] = []
    cycles: dict[str, Cycle] = {}
    people: dict[str, Person] = {}
    chosen = same_cycles([w for _, w in parts])
    for cycle in chosen.values():
        cycles.setdefault(cycle.id, cycle)
    for source, workspace in parts:
        if any(chosen[c.id].id != c.id for c in workspace.cycles):
            workspace = workspace.model_copy(
                update={
                    "objectives": tuple(
                        o.model_copy(update={"cycle": chosen[o.cycle].id})
                        if o.cycle in chosen
                        else o
                        for o in workspace.objectives
                    )
                }
            )
        ids = {o.id for o in workspace.objectives} | {k.id for k in workspace.key_results}
        if ids & taken:
            workspace = _qualify(source, workspace)
            renamed.add(source)
            ids = {o.id for o in workspace.objectives} | {k.id for k in workspace.key_results}
        taken |= ids
        objectives.extend(workspace.objectives)
        key_results.extend(workspace.key_results)
        check_ins.extend(workspace.check_ins)
        for person in workspace.people:
            people.setdefault(person.id, person)
    combined = Workspace(
        cycles=tuple(cycles.values()),
        objectives=tuple(objectives),
        key_results=tuple(key_results),
        people=tuple(people.values()),
        check_ins=tuple(check_ins),
    )
    return resolve_parents(combined), frozenset(renamed)
