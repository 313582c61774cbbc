"""`NotionConnector`: okrsync's Connector protocol over Notion databases.

Reading lives in `reader.py`, writing in `writer.py`, the schema checks in `schema_check.py`
and all HTTP in `client.py`; this class wires them to one context (options, mapping, clock).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar

from okrsync.connector import (
    Collection,
    ConnectorContext,
    ConnectorStats,
    FieldInfo,
    Problem,
    SourceRecord,
    SourceSchema,
    Write,
    WriteResult,
)
from okrsync.errors import AccessDenied, AuthError, ConfigError, RecordError
from okrsync.i18n import translator
from okrsync.mapping.schema import Mapping as MappingFile
from okrsync.mapping.schema import OutputMap
from okrsync.review import Review

from .check_ins import (
    DATABASE_TITLE,
    database_definition,
    plan_check_in_writes,
    row_properties,
)
from .client import NotionApi
from .options import NotionOptions, normalise_id
from .properties import flatten_value, plain_text
from .reader import DataSource, Reader, Resolver
from .schema_check import (
    MissingOutput,
    field_infos,
    mapped_property_problems,
    output_problems,
)
from .writer import Writer, plan_page_writes, plan_review_writes

SAMPLE_ROWS = 3


class NotionConnector:
    """Reads OKR databases from Notion and writes scores, health, warnings and review pages."""

    name: ClassVar[str] = "notion"

    def __init__(
        self,
        context: ConnectorContext,
        options: NotionOptions,
        mapping: MappingFile | None,
        api: NotionApi,
    ) -> None:
        self.context = context
        self.options = options
        self.mapping = mapping
        self._api = api
        self._stats = api.stats
        # A review destination has no mapping: it writes review pages and reads nothing.
        self._resolver = Resolver(api, options, mapping) if mapping is not None else None
        self._reader = Reader(api, self._resolver, mapping) if self._resolver and mapping else None
        self.t = translator(context.language)
        self._writer = Writer(
            api,
            max_attempts=options.max_retries + 1,
            verify=options.verify_before_write,
            t=self.t,
        )

    # ------------------------------------------------------------------ plumbing

    def _need(self) -> tuple[NotionApi, Resolver, Reader, Writer]:
        if self._resolver is None or self._reader is None:
            raise self._not_a_source()
        return self._api, self._resolver, self._reader, self._writer

    def _not_a_source(self) -> ConfigError:
        return ConfigError(
            f"{self.context.source!r} is a review destination: it reads no OKRs",
            hint="configure it under [sources.<name>] with a mapping to read from it",
        )

    def _source_mapping(self) -> MappingFile:
        if self.mapping is None:
            raise self._not_a_source()
        return self.mapping

    def stats(self) -> ConnectorStats:
        return self._stats

    def close(self) -> None:
        self._api.close()

    def full_refresh_due(self, *, runs_since_full: int, last_full: datetime | None) -> bool:
        """Whether the engine should pass `since=None` this run (see NotionOptions)."""
        return self.options.full_refresh_due(
            runs_since_full=runs_since_full, last_full=last_full, now=self.context.clock()
        )

    # ------------------------------------------------------------------ reading

    def pull(self, since: datetime | None) -> Iterator[SourceRecord]:
        """Every mapped record (changed since `since` minus one minute, when given).

        Refuses to start (ConfigError, before reading any row) when the mapping reads a
        property the live schema lacks or cannot feed: every record would map wrong, and the
        review written from them would replace a good one.
        """
        _, resolver, reader, _ = self._need()
        if since is None:
            resolver.forget_restored()  # a full read resolves everything afresh
        resolver.settle_optional()
        self._refuse_misfits([(c, resolver.resolve(c)) for c in resolver.collections()])
        return reader.pull(
            since, refreshed=lambda collection, source: self._refuse_misfits([(collection, source)])
        )

    def _refuse_misfits(self, resolved: Iterable[tuple[Collection, DataSource]]) -> None:
        """ConfigError when the mapping reads a property these data sources lack or cannot
        feed, or (when okrsync writes outputs) lacks an output property: every write would
        fail."""
        problems = [
            problem
            for collection, source in resolved
            for problem in self._schema_problems(collection, source)
            if problem.severity == "error"
        ]
        if problems:
            raise ConfigError(
                f"source {self.context.source!r}: the mapping does not fit the Notion databases",
                problems=[f"{p.subject}: {p.message} (fix: {p.hint})" for p in problems],
                hint="correct the mapping file; `okrsync doctor` shows the same problems",
            )

    def restore_lookups(self, saved: Mapping[str, Any]) -> None:
        """Reuse what an earlier run kept (RemembersLookups): the data sources it resolved (ids
        and schemas) and the block trees of the review pages it wrote."""
        if self._resolver is not None:
            self._resolver.restore(saved.get("data_sources") or {})
        if self._writer is not None:
            self._writer.restore(saved.get("review_pages") or {})

    def lookups(self) -> dict[str, Any]:
        """The data sources resolved or confirmed and the review pages written, for next run."""
        kept: dict[str, Any] = {}
        if self._resolver is not None:
            kept["data_sources"] = self._resolver.export()
        if self._writer is not None:
            kept["review_pages"] = self._writer.export()
        return kept

    def cursor(self) -> datetime | None:
        """See `Reader.cursor`: Notion's time (its `Date` header) when the last pull began."""
        return self._reader.cursor() if self._reader is not None else None

    def describe(self) -> SourceSchema:
        """The schema of every configured database, or of every shared one if none is."""
        api, resolver, _, _ = self._need()
        sources: list[DataSource] = []
        resolver.settle_optional()
        configured = [c for c in resolver.collections() if self._has_locator(resolver, c)]
        if configured:
            seen: set[str] = set()
            for collection in configured:
                source = resolver.resolve(collection)
                if source.id not in seen:
                    seen.add(source.id)
                    sources.append(source)
        else:
            sources = self._all_shared(api)
        targets = {s.id: s.label for s in sources} | {s.database_id: s.label for s in sources}
        collections: dict[str, tuple[FieldInfo, ...]] = {}
        titles: dict[str, str] = {}
        for source in sources:
            samples = self._samples(api, source)
            collections[source.label] = field_infos(source, targets, samples)
            titles[source.label] = source.database_title or source.label
        return SourceSchema(connector=self.name, collections=collections, titles=titles)

    @staticmethod
    def _has_locator(resolver: Resolver, collection: Collection) -> bool:
        try:
            resolver.locator(collection)
        except ConfigError:
            return False
        return True

    def _all_shared(self, api: NotionApi) -> list[DataSource]:
        sources: list[DataSource] = []
        for item in api.search("", "data_source"):
            schema = api.retrieve_data_source(str(item["id"]))
            parent = schema.get("parent") or {}
            title = plain_text(schema.get("title"))
            sources.append(
                DataSource(
                    id=str(schema["id"]),
                    name=title,
                    database_id=str(parent.get("database_id") or ""),
                    database_title=title,
                    url=schema.get("url"),
                    properties=dict(schema.get("properties") or {}),
                )
            )
        return sources

    def _samples(self, api: NotionApi, source: DataSource) -> dict[str, list[str]]:
        """A few values per property from the first rows, to help `mapping infer` guess."""
        samples: dict[str, list[str]] = {}
        rows = api.query_data_source(source.id, page_size=SAMPLE_ROWS)
        for count, page in enumerate(rows):
            if count >= SAMPLE_ROWS:
                break
            for name, prop in (page.get("properties") or {}).items():
                value = flatten_value(prop)
                if value in (None, "", []):
                    continue
                samples.setdefault(name, []).append(str(value)[:80])
        return samples

    def check(self) -> list[Problem]:
        """Token, access to each database, mapped and output properties against the schema."""
        if self.mapping is None:  # a review destination: the token and the review parent
            try:
                self._api.me()
            except AuthError as exc:
                return [
                    Problem(severity="error", subject="token", message=exc.message, hint=exc.hint)
                ]
            return self._check_review_parent(self._api) if self.options.review_parent else []
        api, resolver, _, _ = self._need()
        try:
            api.me()
        except AuthError as exc:
            return [
                Problem(
                    severity="error",
                    subject="token",
                    message=exc.message,
                    hint=exc.hint,
                    auth=True,
                )
            ]
        problems: list[Problem] = [
            Problem(
                severity="info",
                subject=f"collection {collection}",
                message="no check-ins database: okrsync keeps the value history in its state "
                "store only, and it is lost with it",
                hint="`okrsync mapping infer --apply` creates one related to the key results",
            )
            for collection in resolver.settle_optional()
        ]
        for collection in resolver.collections():
            try:
                source = resolver.resolve(collection)
            except (ConfigError, RecordError, AuthError) as exc:
                problems.append(
                    Problem(
                        severity="error",
                        subject=f"collection {collection}",
                        message=exc.message,
                        hint=exc.hint,
                    )
                )
                continue
            problems.extend(self._schema_problems(collection, source))
        if self.context.writeback.reviews and self.options.review_parent:
            problems.extend(self._check_review_parent(api))
        return problems

    def _schema_problems(self, collection: Collection, source: DataSource) -> list[Problem]:
        """The mapping against one database: mapped properties, and the output properties
        when okrsync writes them (a missing one would fail every write, so it is an error
        that stops a sync before anything is read)."""
        mapping = self._source_mapping()
        outputs, _missing = output_problems(
            mapping,
            collection,
            source,
            source_name=self.context.source,
            writes=self.context.writeback.pages,
        )
        return mapped_property_problems(mapping, collection, source) + outputs

    def _check_review_parent(self, api: NotionApi) -> list[Problem]:
        parent = self.options.review_parent or ""
        try:
            api.retrieve_page(parent)
        except RecordError as exc:
            return [
                Problem(
                    severity="error",
                    subject=f"review_parent {parent}",
                    message=f"the review parent page cannot be opened: {exc.message}",
                    hint="open the page in Notion, ••• > Connections > add your integration",
                )
            ]
        return []

    def missing_outputs(self) -> list[MissingOutput]:
        """Output properties the mapping writes that the databases do not have yet."""
        _, resolver, _, _ = self._need()
        resolver.settle_optional()
        missing: list[MissingOutput] = []
        for collection in resolver.collections():
            missing.extend(
                output_problems(self._source_mapping(), collection, resolver.resolve(collection))[1]
            )
        return missing

    def add_missing_outputs(
        self, missing: Iterable[MissingOutput | Mapping[str, Any]] | None = None
    ) -> list[MissingOutput]:
        """Add output properties to the data source schemas (`data_sources.update`).

        `missing` defaults to `missing_outputs()`; dicts with the same keys and
        `(collection, property, type)` tuples (okrsync.mapping's form) are accepted too.
        Returns what was added. Properties that exist by now are left alone.
        """
        api, resolver, _, _ = self._need()
        given = missing if missing is not None else self.missing_outputs()
        wanted = [self._as_missing(resolver, m) for m in given]
        by_source: dict[str, list[MissingOutput]] = {}
        for item in wanted:
            by_source.setdefault(item.data_source_id, []).append(item)
        added: list[MissingOutput] = []
        for data_source_id, items in by_source.items():
            current = api.retrieve_data_source(data_source_id).get("properties") or {}
            todo = [i for i in items if i.property not in current]
            if not todo:
                continue
            definitions = {i.property: i.definition(self.t, self._outputs(i)) for i in todo}
            api.update_data_source(data_source_id, definitions)
            added.extend(todo)
        for collection in {i.collection for i in wanted}:
            resolver.refresh(collection)
        return added

    def _outputs(self, item: MissingOutput) -> OutputMap:
        """The mapping's output names of the collection `item` adds a property to."""
        mapping = self.mapping
        return mapping.output_map(item.collection) if mapping is not None else OutputMap()

    def missing_check_ins(self) -> str | None:
        """What `create_check_ins()` would create, or None: the mapping reads a `check_ins`
        collection whose database does not exist (see `check_ins.MAPPING_BLOCK` for one)."""
        _, resolver, _, _ = self._need()
        if "check_ins" not in resolver.settle_optional():
            return None
        key_results = resolver.resolve("key_results")
        title = self._check_ins_title(resolver)
        return (
            f"a {title!r} database beside {key_results.label!r}, related to its key results "
            "(date, value, confidence, note, by): okrsync's value history, kept in Notion"
        )

    def _check_ins_title(self, resolver: Resolver) -> str:
        locator = resolver.locator("check_ins")
        return locator if normalise_id(locator) is None else DATABASE_TITLE

    def create_check_ins(self) -> str:
        """Create the check-ins database beside the key results (on the same parent page) and
        return its id; the next full read finds it (`okrsync sync --full`)."""
        api, resolver, _, _ = self._need()
        key_results = resolver.resolve("key_results")
        database = api.retrieve_database(key_results.database_id)
        parent = database.get("parent") or {}
        if parent.get("type") != "page_id":
            raise ConfigError(
                f"{key_results.label!r} is not on a page, so okrsync cannot put a check-ins "
                "database beside it",
                hint="create the database by hand (see docs/history.md) and map it under "
                "collections.check_ins",
            )
        check_ins = self.mapping.collections.get("check_ins") if self.mapping else None
        fields = check_ins.fields if check_ins is not None else None
        created = api.create_database(
            parent={"type": "page_id", "page_id": parent["page_id"]},
            title=[{"type": "text", "text": {"content": self._check_ins_title(resolver)}}],
            initial_data_source={"properties": database_definition(key_results.id, fields)},
        )
        return str(created.get("id") or "")

    @staticmethod
    def _as_missing(
        resolver: Resolver, item: MissingOutput | Mapping[str, Any] | tuple[str, str, str]
    ) -> MissingOutput:
        if isinstance(item, MissingOutput):
            return item
        if isinstance(item, tuple):
            collection, name, kind = item
            data: dict[str, Any] = {"collection": collection, "property": name, "type": kind}
        else:
            data = dict(item)
        if "data_source_id" not in data:
            source = resolver.resolve(data["collection"])
            data |= {"data_source_id": source.id, "database": source.label}
        return MissingOutput.model_validate(data)

    # ------------------------------------------------------------------ writing

    def plan(self, review: Review) -> list[Write]:
        """Pure: output property writes, then one write per review page."""
        writeback = self.context.writeback
        writes = (
            plan_page_writes(review, self.mapping, writeback, self.t)
            if self.mapping is not None
            else []
        )
        resolver = self._resolver
        # Rows only where the check-ins database exists (the pull found out).
        if self.mapping and resolver and writeback.pages and "check_ins" in resolver.collections():
            writes += plan_check_in_writes(review, self.mapping)
        if writeback.reviews and self.options.review_parent:
            from okrsync.charts.review_charts import charts_by_review
            from okrsync.review_build import build_cycle_reviews

            reviews = build_cycle_reviews(review, per_team=writeback.per_team, t=self.t)
            writes += plan_review_writes(
                reviews,
                source=review.source or self.context.source,
                parent=self.options.review_parent,
                writeback=writeback,
                place=f"notion:{self.options.base_url}",
                t=self.t,
                charts=charts_by_review(review, reviews) if writeback.charts else None,
            )
        return writes

    def apply(self, write: Write) -> WriteResult:
        """Apply one write; a bad page becomes a failed result, auth/transient errors raise."""
        if write.kind == "row":
            return self._append_check_in(write)
        return self._writer.apply(write)

    def _append_check_in(self, write: Write) -> WriteResult:
        """A new row in the check-ins database (resolved in this run's pull: no request)."""
        api, resolver, _, _ = self._need()
        try:
            source = resolver.resolve("check_ins")
            created = api.create_page(
                parent={"type": "data_source_id", "data_source_id": source.id},
                properties=row_properties(write.payload["row"], source.properties),
                subject=f"a row in {source.label}",
            )
        except AccessDenied:
            raise  # the executor counts refusals in a row
        except (RecordError, ConfigError) as exc:
            return WriteResult.failed(write, exc, subject=write.about)
        return WriteResult(
            target=write.target,
            status="applied",
            remote_version=created.get("last_edited_time"),
            subject=str(created.get("id") or ""),
        )
