"""Reading Notion: databases to data sources, queries to flat `SourceRecord`s.

Since API version 2025-09-03 a database is a container of data sources and rows are queried per
data source. `Resolver` turns each configured collection (a database id, URL or title) into one
data source, choosing by the configured name or id when a database holds several and refusing to
guess otherwise. `Reader.pull` then queries each data source once (several collections may share
one), 100 rows per request, cut to the mapped properties with `filter_properties`, and completes
every relation or people value that Notion cut at 25 references from the page-property endpoint.

Incremental reads filter on `last_edited_time` from one minute before the cursor, rounded down
to the minute as Notion rounds that timestamp. The cursor is Notion's own time when the last
pull began (see `Reader.cursor` for why that loses nothing), so okrsync's writes after a pull are
read back once by the next pull and not again. De-duplication by page id keeps each page once.
Trashed pages never appear in queries, which is why a periodic full read
(`NotionOptions.full_refresh_due`) is what notices deletions.

The resolved data sources (ids and schemas) are kept in the state store between runs
(`Resolver.export` / `restore`), so a steady no-change sync is one query per data source. A
restored data source is trusted until an answer shows it changed: a 404 or a schema error from
its query, or a first row whose properties (names, ids, types) differ from the kept schema.
Then it is resolved again and its rows read afresh, in the same run; a full read never starts
from restored lookups.

A check-ins database (the `check_ins` collection) is queried on every full read, and on an
incremental read only when the OKR databases returned rows: a quiet sync stays one query per
OKR database, and a check-in typed by hand with no other edit is read at the next run that
changes anything, or the next full read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from okrsync.connector import COLLECTIONS, Collection, SourceRecord
from okrsync.errors import ConfigError, RecordError
from okrsync.mapping.schema import Mapping as MappingFile

from .client import NotionApi, NotionRecordError
from .options import NotionOptions, normalise_id
from .properties import (
    flatten_property_items,
    flatten_value,
    plain_text,
    title_of,
    truncated,
    unreadable,
)
from .properties import (
    person as flatten_person,
)

OVERLAP: Final = timedelta(minutes=1)
PSEUDO_PREFIX: Final = "@"
LOOKUPS_VERSION: Final = 1
"""The format of `Resolver.export`; kept lookups of another version are ignored."""
OPTIONAL_COLLECTIONS: Final[tuple[Collection, ...]] = ("check_ins",)
"""Collections read when their database exists: without a check-ins database okrsync keeps
the value history in its state store only (`okrsync mapping infer --apply` creates one)."""


class NoSuchDatabase(ConfigError):
    """No database with the configured title is shared with the integration."""


@dataclass(frozen=True)
class DataSource:
    """One resolved Notion data source and its schema (property name -> schema object)."""

    id: str
    name: str
    database_id: str
    database_title: str
    url: str | None
    properties: dict[str, dict[str, Any]]
    several: bool = False

    @property
    def label(self) -> str:
        """How users know it: the database title, plus the data source name when it has several."""
        if self.several and self.name and self.name != self.database_title:
            return f"{self.database_title} / {self.name}"
        return self.database_title or self.name or self.id

    def title_property(self) -> tuple[str, dict[str, Any]] | None:
        for name, prop in self.properties.items():
            if prop.get("type") == "title":
                return name, prop
        return None

    def fits(self, page: dict[str, Any], wanted: Sequence[str]) -> bool:
        """Whether a row read with `wanted` property ids agrees with this schema: each of its
        properties known by name, id and type, and every wanted id present."""
        present: set[str] = set()
        for name, prop in (page.get("properties") or {}).items():
            known = self.properties.get(name)
            if known is None or (known.get("id"), known.get("type")) != (
                prop.get("id"),
                prop.get("type"),
            ):
                return False
            present.add(str(prop.get("id")))
        return all(wanted_id in present for wanted_id in wanted)


class StaleLookup(Exception):
    """A data source restored from the state store no longer matches Notion's answers."""


def output_names(mapping: MappingFile, collection: str) -> list[str]:
    """The output property names the mapping writes on `collection` (empty when none)."""
    outputs = mapping.outputs.get(collection)  # type: ignore[call-overload]
    if outputs is None:
        return []
    names = [outputs.score, outputs.health, outputs.warnings, outputs.last_synced]
    return [n for n in names if n]


def since_filter(since: datetime) -> dict[str, Any]:
    """The query filter for pages edited on or after `since` minus the one-minute overlap,
    rounded down to the minute (Notion's `last_edited_time` has no seconds, so a filter at
    10:04:30 would miss a page stamped 10:04 for an edit at 10:04:50)."""
    moment = since if since.tzinfo else since.replace(tzinfo=UTC)
    start = (moment - OVERLAP).astimezone(UTC).replace(second=0, microsecond=0)
    stamp = start.isoformat().replace("+00:00", "Z")
    return {"timestamp": "last_edited_time", "last_edited_time": {"on_or_after": stamp}}


OLDEST_FIRST: Final = [{"timestamp": "created_time", "direction": "ascending"}]


def _created_since(moment: str | None) -> dict[str, Any] | None:
    if moment is None:
        return None
    return {"timestamp": "created_time", "created_time": {"on_or_after": moment}}


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def is_trashed(page: dict[str, Any]) -> bool:
    """Trashed or archived: 2025-09-03 says `archived`/`in_trash`, 2026-03-11 `in_trash`."""
    return bool(page.get("in_trash") or page.get("archived") or page.get("is_archived"))


class Resolver:
    """Finds the data source behind each configured collection (cached for the connector's life)."""

    def __init__(self, api: NotionApi, options: NotionOptions, mapping: MappingFile) -> None:
        self._api = api
        self._options = options
        self._mapping = mapping
        self._by_collection: dict[Collection, DataSource] = {}
        self._databases: dict[str, dict[str, Any]] = {}
        self._schemas: dict[str, dict[str, Any]] = {}
        self._restored: set[Collection] = set()
        self._absent: set[Collection] = set()
        self._restored_absent: set[Collection] = set()

    def _origin(self, collection: Collection) -> str:
        """What `collection` is resolved from (options and mapping locator): a kept lookup made
        from anything else is not used."""
        coll = self._mapping.collections.get(collection)
        return json.dumps(
            [
                self._options.databases.get(collection),
                self._options.data_sources.get(collection),
                coll.source if coll is not None else None,
            ]
        )

    def export(self) -> dict[str, Any]:
        """The resolved data sources (and the optional collections found absent), to keep in
        the state store for the next run."""
        return {
            "version": LOOKUPS_VERSION,
            "collections": {
                collection: {"origin": self._origin(collection), "source": asdict(source)}
                for collection, source in self._by_collection.items()
            },
            "absent": {collection: self._origin(collection) for collection in self._absent},
        }

    def restore(self, saved: Mapping[str, Any]) -> None:
        """Use data sources kept by an earlier run (see `export`) until they prove stale."""
        if saved.get("version") != LOOKUPS_VERSION:
            return
        absent = saved.get("absent")
        if isinstance(absent, dict):
            for collection in OPTIONAL_COLLECTIONS:
                if absent.get(collection) == self._origin(collection):
                    self._absent.add(collection)
                    self._restored_absent.add(collection)
        kept = saved.get("collections")
        if not isinstance(kept, dict):
            return
        for collection in self.collections():
            entry = kept.get(collection)
            if collection in self._by_collection or not isinstance(entry, dict):
                continue
            if entry.get("origin") != self._origin(collection):
                continue
            try:
                source = DataSource(**entry["source"])
            except (KeyError, TypeError):
                continue
            self._by_collection[collection] = source
            self._restored.add(collection)

    def forget_restored(self) -> None:
        """Drop the data sources restored from the state store, to resolve them afresh."""
        for collection in self._restored:
            self._by_collection.pop(collection, None)
        self._restored.clear()
        self._absent -= self._restored_absent
        self._restored_absent.clear()

    def restored(self, collection: Collection) -> bool:
        """Whether `collection`'s data source came from the state store, unconfirmed."""
        return collection in self._restored

    def collections(self) -> list[Collection]:
        """Collections the mapping reads, in the canonical order (less an optional one whose
        database does not exist, once `settle_optional` found that)."""
        return [c for c in COLLECTIONS if c in self._mapping.collections and c not in self._absent]

    def settle_optional(self) -> list[Collection]:
        """Resolve the optional collections (`OPTIONAL_COLLECTIONS`) not yet known; one whose
        database title matches nothing is left out of `collections()` from now on (kept in the
        lookups until the next full read). Returns the absent ones."""
        for collection in OPTIONAL_COLLECTIONS:
            if collection not in self.collections() or collection in self._by_collection:
                continue
            try:
                self.resolve(collection)
            except NoSuchDatabase:
                self._absent.add(collection)
        return sorted(self._absent)

    def locator(self, collection: Collection) -> str:
        configured = self._options.databases.get(collection)
        if configured:
            return configured
        coll = self._mapping.collections.get(collection)
        if coll is not None and coll.source:
            return coll.source
        raise ConfigError(
            f"collection {collection!r}: no Notion database configured",
            hint=f"set databases.{collection} in the source's options (database id, link or "
            f"title), or `source:` under collections.{collection} in the mapping",
        )

    def resolve(self, collection: Collection) -> DataSource:
        """The data source that holds `collection`, raising ConfigError with the fix if none.

        A data source given by id in `data_sources` is read directly (one request instead of
        two); otherwise the database is read first and its data source chosen.
        """
        if collection in self._by_collection:
            return self._by_collection[collection]
        source_ref = self._options.data_sources.get(collection)
        direct_id = normalise_id(source_ref) if source_ref else None
        if direct_id is not None:
            resolved = self._direct(collection, direct_id)
        else:
            locator = self.locator(collection)
            database_id = normalise_id(locator) or self._database_by_title(locator, collection)
            database = self._database(database_id, collection, locator)
            data_source_id = self._choose(database, source_ref, collection)
            schema = self._schema(data_source_id, collection)
            resolved = DataSource(
                id=data_source_id,
                name=plain_text(schema.get("title")) or _source_name(database, data_source_id),
                database_id=database_id,
                database_title=plain_text(database.get("title")),
                url=database.get("url"),
                properties=dict(schema.get("properties") or {}),
                several=len(database.get("data_sources") or []) > 1,
            )
        self._by_collection[collection] = resolved
        return resolved

    def _direct(self, collection: Collection, data_source_id: str) -> DataSource:
        schema = self._schema(data_source_id, collection)
        parent = schema.get("parent") or {}
        title = plain_text(schema.get("title"))
        return DataSource(
            id=str(schema.get("id") or data_source_id),
            name=title,
            database_id=str(parent.get("database_id") or ""),
            database_title=title,
            url=schema.get("url"),
            properties=dict(schema.get("properties") or {}),
        )

    def _schema(self, data_source_id: str, collection: str) -> dict[str, Any]:
        """A data source object, read once per connector (several collections may share it)."""
        return self._read_once(
            self._schemas,
            data_source_id,
            self._api.retrieve_data_source,
            f"collection {collection!r}: data source {data_source_id}",
        )

    def refresh(self, collection: Collection) -> DataSource:
        """Forget the cached schema of `collection` (after adding properties, or when Notion's
        answers show it changed) and resolve again."""
        stale = self._by_collection.pop(collection, None)
        if stale is not None:
            self._schemas.pop(stale.id, None)
            self._databases.pop(stale.database_id, None)
        self._restored.discard(collection)
        return self.resolve(collection)

    def _database(self, database_id: str, collection: str, locator: str) -> dict[str, Any]:
        return self._read_once(
            self._databases,
            database_id,
            self._api.retrieve_database,
            f"collection {collection!r}: database {locator!r}",
        )

    @staticmethod
    def _read_once(
        cache: dict[str, dict[str, Any]],
        object_id: str,
        retrieve: Callable[[str], dict[str, Any]],
        what: str,
    ) -> dict[str, Any]:
        """`retrieve(object_id)` through `cache`; a missing object is a ConfigError about sharing.

        Notion answers object_not_found both for an id that does not exist and for one the
        integration was not given access to, so the error names both and how to share.
        """
        if object_id in cache:
            return cache[object_id]
        try:
            found = retrieve(object_id)
        except NotionRecordError as exc:
            if exc.code != "object_not_found":
                raise
            raise ConfigError(
                f"{what} is not shared with the integration (or does not exist)",
                hint="open the database in Notion, ••• > Connections > add your integration",
            ) from exc
        cache[object_id] = found
        return found

    def _database_by_title(self, title: str, collection: str) -> str:
        wanted = title.strip().casefold()
        found: dict[str, str] = {}
        for item in self._api.search(title, "data_source"):
            names = {plain_text(item.get("title")).strip().casefold()}
            parent = item.get("parent") or {}
            database_id = parent.get("database_id")
            if database_id and wanted in names:
                found[str(database_id)] = plain_text(item.get("title"))
        if not found:
            raise NoSuchDatabase(
                f"collection {collection!r}: no database titled {title!r} is shared with the "
                "integration",
                hint="check the title, or open the database in Notion, ••• > Connections > add "
                "your integration; a database id or link also works",
            )
        if len(found) > 1:
            raise ConfigError(
                f"collection {collection!r}: several databases are titled {title!r}",
                problems=[f"{name}: {db_id}" for db_id, name in found.items()],
                hint=f"set databases.{collection} to one of these ids",
            )
        return next(iter(found))

    def _choose(self, database: dict[str, Any], wanted: str | None, collection: str) -> str:
        sources: list[dict[str, Any]] = list(database.get("data_sources") or [])
        title = plain_text(database.get("title")) or str(database.get("id"))
        listing = [f"{s.get('name') or '(unnamed)'}: {s.get('id')}" for s in sources]
        if not sources:
            raise ConfigError(
                f"collection {collection!r}: database {title!r} has no data source",
                hint="add a data source (a table) to the database in Notion",
            )
        if wanted:
            wanted_id = normalise_id(wanted)
            for source in sources:
                if wanted_id and normalise_id(str(source.get("id"))) == wanted_id:
                    return str(source["id"])
                if str(source.get("name", "")).strip().casefold() == wanted.strip().casefold():
                    return str(source["id"])
            raise ConfigError(
                f"collection {collection!r}: database {title!r} has no data source {wanted!r}",
                problems=listing,
                hint=f"set data_sources.{collection} to one of the names or ids listed",
            )
        if len(sources) > 1:
            raise ConfigError(
                f"collection {collection!r}: database {title!r} has {len(sources)} data sources",
                problems=listing,
                hint=f"set data_sources.{collection} in the source's options to the name or id "
                "of the one holding the OKRs",
            )
        return str(sources[0]["id"])


def _source_name(database: dict[str, Any], data_source_id: str) -> str:
    for source in database.get("data_sources") or []:
        if source.get("id") == data_source_id:
            return str(source.get("name") or "")
    return ""


@dataclass
class PullState:
    """What the last pull saw, for `cursor()`."""

    since: datetime | None = None
    started: datetime | None = None
    latest: datetime | None = None
    complete: bool = False
    records: int = 0
    problems: list[str] = field(default_factory=list)


class Reader:
    """Pulls records from every configured collection through one `Resolver`."""

    def __init__(self, api: NotionApi, resolver: Resolver, mapping: MappingFile) -> None:
        self._api = api
        self._resolver = resolver
        self._mapping = mapping
        self.state = PullState()
        self._users: dict[str, dict[str, Any]] | None = None

    def groups(self) -> list[tuple[DataSource, list[Collection]]]:
        """Data sources to query, each with the collections it serves (queried once)."""
        grouped: dict[str, tuple[DataSource, list[Collection]]] = {}
        for collection in self._resolver.collections():
            source = self._resolver.resolve(collection)
            grouped.setdefault(source.id, (source, []))[1].append(collection)
        return list(grouped.values())

    def wanted_properties(self, source: DataSource, collections: Sequence[Collection]) -> list[str]:
        """Property ids to ask for: mapped source fields, outputs and the title."""
        names: list[str] = []
        for collection in collections:
            names.extend(self._mapping.source_fields(collection))
            names.extend(output_names(self._mapping, collection))
        title = source.title_property()
        if title:
            names.append(title[0])
        ids = [
            str(source.properties[n]["id"])
            for n in dict.fromkeys(names)
            if not n.startswith(PSEUDO_PREFIX) and n in source.properties
        ]
        return list(dict.fromkeys(ids))

    def pull(
        self,
        since: datetime | None,
        refreshed: Callable[[Collection, DataSource], None] | None = None,
    ) -> Iterator[SourceRecord]:
        """Records of every collection; see the module docstring for the incremental rules.

        `refreshed` is called with each collection whose restored data source proved stale
        and was resolved again (before its rows are read), so the caller can check the
        mapping against the new schema.
        """
        self.state = PullState(since=since)
        self._api.watch_server_time()
        query_filter = since_filter(since) if since is not None else None
        changed = False
        for source, collections in self.groups():
            if since is not None and collections == ["check_ins"] and not changed:
                continue  # a quiet incremental sync (see the module docstring)
            seen: set[str] = set()
            while True:
                try:
                    for record in self._records(source, collections, query_filter, seen):
                        changed = True
                        yield record
                    break
                except StaleLookup:
                    for collection in collections:
                        source = self._resolver.refresh(collection)
                        if refreshed is not None:
                            refreshed(collection, source)
        self.state.started = self._api.watched_time
        self.state.complete = True

    def _records(
        self,
        source: DataSource,
        collections: list[Collection],
        query_filter: dict[str, Any] | None,
        seen: set[str],
    ) -> Iterator[SourceRecord]:
        """The records of one data source; StaleLookup when its restored schema proves stale."""
        restored = any(self._resolver.restored(c) for c in collections)
        properties = self.wanted_properties(source, collections)
        try:
            for page in self.rows(source, properties, query_filter):
                if restored:
                    if not source.fits(page, properties):
                        raise StaleLookup(source.id)
                    restored = False  # one row confirms the schema
                page_id = str(page.get("id"))
                if page_id in seen:
                    continue
                seen.add(page_id)
                edited = parse_time(page.get("last_edited_time"))
                if edited is not None and (self.state.latest is None or edited > self.state.latest):
                    self.state.latest = edited
                fields = self.fields_of(page)
                for collection in collections:
                    self.state.records += 1
                    yield SourceRecord(
                        collection=collection,
                        external_id=page_id,
                        url=page.get("url"),
                        updated_at=edited,
                        fields=fields,
                        trashed=is_trashed(page),
                    )
        except NotionRecordError as exc:
            if restored and exc.code in ("object_not_found", "validation_error"):
                raise StaleLookup(source.id) from exc
            raise

    def rows(
        self, source: DataSource, properties: list[str], query_filter: dict[str, Any] | None
    ) -> Iterator[dict[str, Any]]:
        """Every page row of one data source, past Notion's cut of one query at ~10 000 rows.

        Rows come oldest first (by created_time). When Notion answers `request_status:
        incomplete`, the query starts again from the created_time of the last row seen (on or
        after: that minute's rows come twice and the caller drops the repeats).
        """
        resume: str | None = None
        while True:
            conditions = [c for c in (query_filter, _created_since(resume)) if c]
            combined: dict[str, Any] | None = None
            if len(conditions) == 1:
                combined = conditions[0]
            elif conditions:
                combined = {"and": conditions}
            incomplete = False
            last_created: str | None = None
            for response in self._api.query_responses(
                source.id, filter_properties=properties, filter=combined, sorts=OLDEST_FIRST
            ):
                for page in response.get("results", []):
                    if page.get("object", "page") != "page":
                        continue
                    last_created = page.get("created_time") or last_created
                    yield page
                status = response.get("request_status") or {}
                incomplete = incomplete or status.get("type") == "incomplete"
            if not incomplete:
                return
            if last_created is None or last_created == resume:
                raise ConfigError(
                    f"data source {source.label!r}: Notion stopped a query early (more than about "
                    "10 000 rows created within one minute) and okrsync cannot page past it",
                    hint="split the database, or narrow it with a view-like filter in the mapping",
                )
            resume = last_created

    def cursor(self) -> datetime | None:
        """Notion's time when the last complete pull began; None after an incomplete one.

        The time is the `Date` header of the pull's first response, so it is Notion's clock (the
        one stamping `last_edited_time`), never the local one, which may run ahead. Why nothing
        is lost although Notion rounds `last_edited_time` down to the minute: a query sees every
        edit made before the server answered it, and an edit made at or after the start S of
        this pull (at time e >= S) is stamped floor_minute(e) >= floor_minute(S). The next pull
        asks for on or after floor_minute(S - 1 minute), which is earlier, so it gets that page;
        the extra minute also covers an edit that landed between the first query's snapshot and
        its `Date` (and a `Date` truncated to the second). De-duplication by page id keeps a
        page seen twice once. The gain: okrsync's own output writes come after the pull that
        planned them, so the next pull (from S) reads them back once, as their stamps are not
        before S, and the pull after that (from S2, the next pull's start) skips them once
        floor_minute(S2 - 1 minute) is past their minute, i.e. when S2 is about two minutes
        after the writes or later. A cursor at the newest edit seen never moved past okrsync's
        own writes and re-read them on every pull.

        When the first response carried no usable `Date`, the cursor falls back to the newest
        `last_edited_time` seen (Notion's clock too), else the `since` the pull started from,
        else None (a first pull of an empty source: the next one is full again, cheaply).
        The engine may hold it back further for records its mapping dropped.
        """
        if not self.state.complete:
            return None
        if self.state.started is not None:
            return self.state.started
        return self.state.latest if self.state.latest is not None else self.state.since

    def fields_of(self, page: dict[str, Any]) -> dict[str, Any]:
        """Flattened properties of one page plus the pseudo-fields @id, @title, @url, @parent."""
        page_id = str(page.get("id"))
        properties: dict[str, dict[str, Any]] = page.get("properties") or {}
        fields: dict[str, Any] = {}
        for name, prop in properties.items():
            if truncated(prop):
                fields[name] = self._complete(page_id, name, prop)
            else:
                fields[name] = flatten_value(prop)
        for name, value in fields.items():
            if _nameless(value):
                fields[name] = self._named(value)
            elif isinstance(value, list) and any(_nameless(v) for v in value):
                fields[name] = [self._named(v) if _nameless(v) else v for v in value]
        parent = page.get("parent") or {}
        parent_type = parent.get("type")
        fields["@id"] = page_id
        fields["@title"] = title_of(properties)
        fields["@url"] = page.get("url")
        fields["@parent"] = parent.get(parent_type) if isinstance(parent_type, str) else None
        return fields

    def _named(self, person: dict[str, Any]) -> dict[str, Any]:
        """A person value whose name Notion left out (partial user), named from the users list.

        The list is read once per run, and only when a name is missing; when the integration
        may not read users, the person stays nameless (reviews say "unknown person").
        """
        if self._users is None:
            try:
                self._users = {
                    str(u.get("id")): named
                    for u in self._api.list_users()
                    if (named := flatten_person(u)) is not None and named["name"]
                }
            except RecordError as exc:
                self.state.problems.append(f"the users list: {exc.message}")
                self._users = {}
        known = self._users.get(str(person.get("id")))
        return {**person, **known} if known is not None else person

    def _complete(self, page_id: str, name: str, prop: dict[str, Any]) -> Any:
        """The full relation/people list from the page-property endpoint (past 25 entries)."""
        try:
            items = self._api.property_items(page_id, str(prop["id"]))
        except RecordError as exc:
            self.state.problems.append(f"page {page_id} property {name!r}: {exc.message}")
            return unreadable(str(prop.get("type")), {"error": exc.message, "partial": prop})
        return flatten_property_items(str(prop["type"]), items)


def _nameless(value: Any) -> bool:
    """A flattened person (`{"id", "name", "email"}`) without a name."""
    return (
        isinstance(value, dict)
        and set(value) == {"id", "name", "email"}
        and bool(value.get("id"))
        and not value.get("name")
    )
