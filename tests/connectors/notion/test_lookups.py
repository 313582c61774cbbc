"""Data sources kept between runs: no id or schema lookup in a steady sync, and a fresh one as
soon as Notion's answers show the kept schema is stale (through the real notion-client)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from okrsync_notion import NotionConnector

from okrsync.errors import ConfigError
from okrsync.mapping.schema import CollectionMap, FieldSpec, Mapping
from okrsync_sandbox.kit.clock import ManualClock
from okrsync_sandbox.notion import NotionSandbox

from .conftest import ConnectorFactory

LOOKUP_PATHS = ("/v1/databases/", "/v1/data_sources/")


def _title(text: str) -> dict[str, Any]:
    return {"title": [{"type": "text", "text": {"content": text}}]}


def _text(text: str) -> dict[str, Any]:
    return {"rich_text": [{"text": {"content": text}}]}


def _mapping(database: str) -> Mapping:
    return Mapping(
        collections={
            "objectives": CollectionMap(
                source=database,
                fields={"title": FieldSpec(field="Name"), "description": FieldSpec(field="Text")},
            )
        }
    )


def _lookups(sandbox: NotionSandbox, since: int) -> list[str]:
    """Paths of id and schema lookups (not queries) logged after entry `since`."""
    return [
        e.path
        for e in sandbox.request_log()[since:]
        if e.path.startswith(LOOKUP_PATHS) and not e.path.endswith("/query")
    ]


def _setup(sandbox: NotionSandbox) -> tuple[str, str, str]:
    store = sandbox.store
    db, source = store.create_database(
        "Objectives", properties={"Name": {"title": {}}, "Text": {"rich_text": {}}}
    )
    page = store.create_page({"data_source_id": source}, {"Name": _title("A")})
    return db, source, page


def _first_run(connector: NotionConnector) -> tuple[dict[str, Any], datetime | None]:
    """A full pull; what the connector keeps for the next run, and its cursor."""
    list(connector.pull(None))
    return connector.lookups(), connector.cursor()


def _next_run(
    make_connector: ConnectorFactory, mapping: Mapping, kept: dict[str, Any]
) -> NotionConnector:
    """A connector of the next run, given what the last one kept (as the engine does)."""
    connector = make_connector(mapping)
    connector.restore_lookups(kept)
    return connector


def test_kept_lookups_leave_a_steady_pull_one_query(
    sandbox: NotionSandbox, make_connector: ConnectorFactory, clock: ManualClock
) -> None:
    db, _, page = _setup(sandbox)
    first = make_connector(_mapping(db))
    mark = len(sandbox.request_log())
    assert [r.external_id for r in first.pull(None)] == [page]
    assert len(_lookups(sandbox, mark)) == 2  # databases.retrieve + data_sources.retrieve
    kept = first.lookups()
    cursor = first.cursor()

    clock.advance(600)
    second = make_connector(_mapping(db))
    second.restore_lookups(kept)
    mark = len(sandbox.request_log())
    assert [r.external_id for r in second.pull(cursor)] == [page]  # its minute, read again
    assert [e.path.endswith("/query") for e in sandbox.request_log()[mark:]] == [True]
    assert second.lookups() == kept


def test_kept_lookups_are_not_used_by_a_full_read_or_for_other_options(
    sandbox: NotionSandbox, make_connector: ConnectorFactory
) -> None:
    db, _, _ = _setup(sandbox)
    kept, cursor = _first_run(make_connector(_mapping(db)))
    again = _next_run(make_connector, _mapping(db), kept)
    mark = len(sandbox.request_log())
    list(again.pull(None))  # a full read resolves afresh
    assert len(_lookups(sandbox, mark)) == 2
    other_db, _ = sandbox.store.create_database(
        "Other", properties={"Name": {"title": {}}, "Text": {"rich_text": {}}}
    )
    second = _next_run(make_connector, _mapping(other_db), kept)
    mark = len(sandbox.request_log())
    list(second.pull(cursor))
    assert len(_lookups(sandbox, mark)) == 2
    other_format = {"data_sources": {**kept["data_sources"], "version": 99}}
    broken = _next_run(make_connector, _mapping(db), other_format)
    mark = len(sandbox.request_log())
    list(broken.pull(cursor))
    assert len(_lookups(sandbox, mark)) == 2


@pytest.mark.parametrize(
    ("change", "edit"),
    [
        # renamed: the first row read no longer fits the kept schema
        ({"Text": {"name": "Notes"}}, {"Notes": _text("edited")}),
        # deleted: the query itself is refused (filter_properties names it)
        ({"Text": None}, None),
    ],
    ids=["renamed", "deleted"],
)
def test_a_changed_mapped_property_is_noticed_in_the_same_run(
    sandbox: NotionSandbox,
    make_connector: ConnectorFactory,
    clock: ManualClock,
    change: dict[str, Any],
    edit: dict[str, Any] | None,
) -> None:
    db, source, page = _setup(sandbox)
    kept, cursor = _first_run(make_connector(_mapping(db)))
    clock.advance(600)
    sandbox.store.update_data_source(source, properties=change)
    if edit is not None:
        sandbox.store.update_page(page, edit)
    second = _next_run(make_connector, _mapping(db), kept)
    mark = len(sandbox.request_log())
    with pytest.raises(ConfigError) as err:
        list(second.pull(cursor))
    assert "Text" in " ".join(err.value.problems)  # the same refusal a fresh start gives
    assert len(_lookups(sandbox, mark)) == 2  # resolved again, in the same run


def test_a_change_the_mapping_survives_is_read_with_the_fresh_schema(
    sandbox: NotionSandbox, make_connector: ConnectorFactory, clock: ManualClock
) -> None:
    """A renamed title property: the mapping reads the title as @title, so after resolving
    the data source again the row is read and nothing is refused."""
    db, source, page = _setup(sandbox)
    mapping = Mapping(
        collections={
            "objectives": CollectionMap(
                source=db,
                fields={"title": FieldSpec(field="@title"), "description": FieldSpec(field="Text")},
            )
        }
    )
    kept, cursor = _first_run(make_connector(mapping))
    clock.advance(600)
    sandbox.store.update_data_source(source, properties={"Name": {"name": "Goal"}})
    sandbox.store.update_page(page, {"Text": _text("edited")})
    second = _next_run(make_connector, mapping, kept)
    mark = len(sandbox.request_log())
    records = list(second.pull(cursor))
    assert [(r.external_id, r.fields["Text"], r.fields["@title"]) for r in records] == [
        (page, "edited", "A")
    ]
    assert len(_lookups(sandbox, mark)) == 2
    schema = second.lookups()["data_sources"]["collections"]["objectives"]["source"]["properties"]
    assert set(schema) == {"Goal", "Text"}


def test_an_unshared_database_is_noticed_from_the_404(
    sandbox: NotionSandbox, make_connector: ConnectorFactory, clock: ManualClock
) -> None:
    db, source, _ = _setup(sandbox)
    kept, cursor = _first_run(make_connector(_mapping(db)))
    sandbox.store.unshare(db)
    sandbox.store.unshare(source)
    second = _next_run(make_connector, _mapping(db), kept)
    with pytest.raises(ConfigError, match="not shared with the integration"):
        list(second.pull(cursor))
