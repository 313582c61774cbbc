"""Lay a canonical workspace out as the widespread Notion OKR template.

The layout is the one `mappings/notion-okr-template.yaml` reads (docs/architecture.md, "The
shipped layouts"): databases Objectives, Key Results and Quarters under a root page, output
properties Score / Health / Warnings / Last synced on both OKR databases, and a page
"OKR Reviews" under which review pages are written.
"""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING, Any, Final

from okrsync.mapping.shipped import shipped_mapping
from okrsync.model import CheckIn, KeyResult, Objective, Workspace
from okrsync.sandbox import SeedResult

from ..seed_names import KIND_NAMES
from .shapes import JSON

if TYPE_CHECKING:
    from .server import NotionSandbox

MAPPING_PATH: Final = shipped_mapping("notion-okr-template.yaml")
LEVEL_NAMES: Final = ("Company", "Department", "Team", "Individual")
# The colours okrsync's outputs use everywhere (okrsync.render.figures), in Notion's names.
HEALTH_OPTION_COLOURS: Final = {
    "On track": "green",
    "At risk": "yellow",
    "Off track": "red",
    "Not started": "gray",
    "Done": "green",
    "Green": "green",
    "Yellow": "yellow",
    "Red": "red",
    "Green (miss)": "red",
    "Yellow (miss)": "red",
    "Red (miss)": "red",
    "No data": "gray",
}


def _options(names: tuple[str, ...] | list[str]) -> JSON:
    return {"options": [{"name": name} for name in names]}


def _health_options() -> list[JSON]:
    return [{"name": name, "color": colour} for name, colour in HEALTH_OPTION_COLOURS.items()]


def _outputs() -> JSON:
    return {
        "Score": {"number": {"format": "number"}},
        "Health": {
            "select": {
                "options": [
                    {"name": name, "color": colour}
                    for name, colour in HEALTH_OPTION_COLOURS.items()
                ]
            }
        },
        "Warnings": {"rich_text": {}},
        "Last synced": {"date": {}},
    }


def text(value: str) -> JSON:
    """A title or rich_text value in request form (split at Notion's 2000-character limit)."""
    chunks = [value[i : i + 2000] for i in range(0, len(value), 2000)] or []
    return {"rich_text": [{"type": "text", "text": {"content": c}} for c in chunks]}


def title(value: str) -> JSON:
    return {"title": text(value)["rich_text"]}


def _select(name: str | None) -> JSON:
    return {"select": {"name": name} if name else None}


def _number(value: float | None) -> JSON:
    return {"number": value}


def _ignore_note(codes: tuple[str, ...], extra: str = "") -> JSON:
    lines = [extra] if extra else []
    if codes:
        lines.append("okrsync: ignore " + ", ".join(codes))
    return text("\n".join(lines))


def seed_workspace(sandbox: NotionSandbox, workspace: Workspace) -> SeedResult:
    """Create the template databases and one page per cycle, objective and key result."""
    store = sandbox.store
    ids: dict[str, str] = {}
    with store.lock:
        root = store.create_page({"workspace": True}, {"title": title("OKRs")["title"]})
        reviews = store.create_page({"page_id": root}, {"title": title("OKR Reviews")["title"]})
        for person in workspace.people:
            ids[person.id] = store.create_user(person.name or person.id, email=person.email)

        quarters_db, quarters = store.create_database(
            "Quarters",
            parent_page_id=root,
            properties={"Name": {"title": {}}, "Dates": {"date": {}}},
        )
        krs_db, krs = store.create_database(
            "Key Results",
            parent_page_id=root,
            properties={
                "Key Result": {"title": {}},
                "Owner": {"people": {}},
                "Kind": {"select": _options(list(KIND_NAMES.values()))},
                "Start Value": {"number": {"format": "number"}},
                "Current Value": {"number": {"format": "number"}},
                "Target Value": {"number": {"format": "number"}},
                "Weight": {"number": {"format": "number"}},
                "Unit": {
                    "select": _options(sorted({k.unit for k in workspace.key_results if k.unit}))
                },
                "Confidence": {"number": {"format": "number"}},
                "Due": {"date": {}},
                "Done": {"checkbox": {}},
                "Notes": {"rich_text": {}},
                **_outputs(),
            },
        )
        statuses = sorted({o.status for o in workspace.objectives if o.status})
        objectives_db, objectives = store.create_database(
            "Objectives",
            parent_page_id=root,
            properties={
                "Objective": {"title": {}},
                "Owner": {"people": {}},
                "Team": {
                    "select": _options(sorted({o.team for o in workspace.objectives if o.team}))
                },
                "Level": {"select": _options(LEVEL_NAMES)},
                "Quarter": {"relation": {"data_source_id": quarters, "single_property": {}}},
                "Type": {"select": _options(("Committed", "Aspirational"))},
                "Key Results": {
                    "relation": {
                        "data_source_id": krs,
                        "type": "dual_property",
                        "dual_property": {"synced_property_name": "Objective"},
                    }
                },
                "Status": {"status": {}},
                "Notes": {"rich_text": {}},
                **_outputs(),
            },
        )
        store.update_data_source(
            objectives,
            properties={
                "Aligned to": {"relation": {"data_source_id": objectives, "single_property": {}}}
            },
        )
        status_config = store.data_sources[objectives]["properties"]["Status"]["status"]
        known = {o["name"] for o in status_config["options"]}
        for name in statuses:
            if name not in known:
                status_config["options"].append(
                    {"id": store.ids.uuid(), "name": name, "color": "default", "description": None}
                )
                status_config["groups"][1]["option_ids"].append(status_config["options"][-1]["id"])

        for cycle in workspace.cycles:
            ids[cycle.id] = store.create_page(
                {"data_source_id": quarters},
                {
                    "Name": title(cycle.name),
                    "Dates": {
                        "date": {"start": cycle.start.isoformat(), "end": cycle.end.isoformat()}
                    },
                },
            )
        for objective in workspace.objectives:
            ids[objective.id] = store.create_page(
                {"data_source_id": objectives},
                _objective_properties(objective, ids),
                children=(
                    [{"paragraph": text(objective.description[:2000])}]
                    if objective.description
                    else None
                ),
            )
        for objective in workspace.objectives:
            parents = [ids[p] for p in objective.parents if p in ids]
            if parents:
                store.update_page(
                    ids[objective.id],
                    {"Aligned to": {"relation": [{"id": p} for p in parents]}},
                    by=store.bot_id,
                )
        check_ins_db, check_ins = store.create_database(
            "Check-ins",
            parent_page_id=root,
            properties={
                "Check-in": {"title": {}},
                "Key Result": {"relation": {"data_source_id": krs, "single_property": {}}},
                "Date": {"date": {}},
                "Value": {"number": {"format": "number"}},
                "Confidence": {"number": {"format": "number"}},
                "Note": {"rich_text": {}},
                "By": {"rich_text": {}},
            },
        )
        for kr in workspace.key_results:
            ids[kr.id] = store.create_page({"data_source_id": krs}, _key_result_properties(kr, ids))
            if kr.updated_at is not None:
                # The page was last edited when the key result was last checked in, so a
                # seeded workspace can show stale check-ins the way a real one does.
                edited = kr.updated_at.astimezone(UTC).isoformat()
                store.pages[ids[kr.id]]["last_edited_time"] = edited
                store.pages[ids[kr.id]]["created_time"] = min(
                    edited, store.pages[ids[kr.id]]["created_time"]
                )
        titles = {kr.id: kr.title for kr in workspace.key_results}
        for check_in in workspace.check_ins:
            if check_in.key_result in ids:
                store.create_page(
                    {"data_source_id": check_ins}, _check_in_properties(check_in, ids, titles)
                )
    return SeedResult(
        connector="notion",
        options={
            "base_url": sandbox.base_url,
            "token_env": "OKRSYNC_SANDBOX_NOTION_TOKEN",
            "databases": {
                "objectives": objectives_db,
                "key_results": krs_db,
                "cycles": quarters_db,
                "check_ins": check_ins_db,
            },
            "review_parent": reviews,
        },
        mapping=MAPPING_PATH,
        env={"OKRSYNC_SANDBOX_NOTION_TOKEN": sandbox.token},
        ids=ids,
    )


def replay_workspace(sandbox: NotionSandbox, workspace: Workspace, seeded: SeedResult) -> int:
    """People at work on a seeded workspace: each key result whose value or confidence differs
    from `workspace` is edited by its owner, and each check-in of `workspace` the check-ins
    database lacks is added as its author writes it. Returns the number of edits."""
    store = sandbox.store
    ids = seeded.ids
    edits = 0
    with store.lock:
        krs = store.databases[seeded.options["databases"]["key_results"]]["data_sources"][0]
        names = {p["id"]: n for n, p in store.data_sources[krs]["properties"].items()}
        for kr in workspace.key_results:
            page = store.pages.get(ids.get(kr.id, ""))
            if page is None:
                continue
            wanted = {
                "Current Value": _number(kr.current),
                "Confidence": _number(
                    round(kr.confidence * 10, 6) if kr.confidence is not None else None
                ),
            }
            now = {names.get(k, k): v for k, v in page["properties"].items()}
            changed = {k: v for k, v in wanted.items() if now.get(k) != v["number"]}
            if changed:
                owner = next((ids[o] for o in kr.owners if o in ids), None)
                store.update_page(page["id"], changed, by=owner)
                edits += 1
        source = store.databases[seeded.options["databases"]["check_ins"]]["data_sources"][0]
        written = {
            (
                tuple(r["id"] for r in _relation(page, store, source)),
                page_date(page, store, source),
            )
            for page in store.pages.values()
            if page["parent"].get("data_source_id") == source
        }
        titles = {kr.id: kr.title for kr in workspace.key_results}
        for check_in in workspace.check_ins:
            key = ((ids.get(check_in.key_result, ""),), check_in.at.astimezone(UTC).isoformat())
            if check_in.key_result in ids and key not in written:
                store.create_page(
                    {"data_source_id": source}, _check_in_properties(check_in, ids, titles)
                )
                edits += 1
    return edits


def _prop(page: JSON, store: Any, source: str, name: str) -> Any:
    prop_id = store.data_sources[source]["properties"][name]["id"]
    return page["properties"].get(prop_id)


def _relation(page: JSON, store: Any, source: str) -> list[JSON]:
    return [{"id": i} for i in (_prop(page, store, source, "Key Result") or [])]


def page_date(page: JSON, store: Any, source: str) -> str:
    value = _prop(page, store, source, "Date") or {}
    return str(value.get("start") or "")


def _check_in_properties(check_in: CheckIn, ids: dict[str, str], titles: dict[str, str]) -> JSON:
    """A check-in row as a person writes it: confidence 1-10 like the key results'."""
    properties: JSON = {
        "Check-in": title(f"{titles.get(check_in.key_result, '')} · {check_in.at.date()}"),
        "Key Result": {"relation": [{"id": ids[check_in.key_result]}]},
        "Date": {"date": {"start": check_in.at.astimezone(UTC).isoformat()}},
        "Value": _number(check_in.value),
        "Note": text(check_in.note),
        "By": text(check_in.who),
    }
    if check_in.confidence is not None:
        properties["Confidence"] = _number(round(check_in.confidence * 10, 6))
    return properties


def _people(owners: tuple[str, ...], ids: dict[str, str]) -> JSON:
    return {"people": [{"id": ids[o]} for o in owners if o in ids]}


def _objective_properties(objective: Objective, ids: dict[str, str]) -> JSON:
    properties: dict[str, Any] = {
        "Objective": title(objective.title),
        "Owner": _people(objective.owners, ids),
        "Team": _select(objective.team),
        "Level": _select(objective.level.capitalize()),
        "Type": _select(objective.kind.capitalize()),
        "Notes": _ignore_note(objective.ignore_rules),
    }
    if objective.cycle and objective.cycle in ids:
        properties["Quarter"] = {"relation": [{"id": ids[objective.cycle]}]}
    if objective.status:
        properties["Status"] = {"status": {"name": objective.status}}
    return properties


def _key_result_properties(kr: KeyResult, ids: dict[str, str]) -> JSON:
    properties: dict[str, Any] = {
        "Key Result": title(kr.title),
        "Owner": _people(kr.owners, ids),
        "Kind": _select(KIND_NAMES[kr.kind] if kr.kind else None),
        "Start Value": _number(kr.start),
        "Current Value": _number(kr.current),
        "Target Value": _number(kr.target),
        "Weight": _number(kr.weight),
        "Unit": _select(kr.unit),
        "Confidence": _number(round(kr.confidence * 10, 6) if kr.confidence is not None else None),
        "Due": {"date": {"start": kr.due.isoformat()} if kr.due else None},
        "Done": {"checkbox": bool(kr.done)},
        "Notes": _ignore_note(kr.ignore_rules),
    }
    if kr.objective in ids:
        properties["Objective"] = {"relation": [{"id": ids[kr.objective]}]}
    return properties
