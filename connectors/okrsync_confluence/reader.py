"""Pulling OKR pages out of Confluence as SourceRecords, and describing what they hold.

Objective pages are found by CQL (label, space, the user's own query, or `parent =` for the
children of a parent page). Each page becomes an `objectives` record: its Page Properties keys
with flattened values plus the pseudo-fields `@id @title @url @labels @parent`. Key results are
the rows of the table whose header row holds the mapped title column (or child pages with their
own Page Properties, by option); a row is a `key_results` record `<page id>#kr-<slug>` with
`@page` naming its objective page. A page that cannot be parsed still yields its record, with
`{"unreadable": ..., "raw": ...}` in its first mapped field, so the mapping reports it once and
the other pages load.

Incremental pulls, and why they are built this way:

- **Cursor**: the server's time when the pull began, from the `Date` header of the pull's first
  answer less that request's round trip (so it is no later than the moment the server started
  the listing, on the clock that stamps versions; never this machine's clock). The next pull
  reads what changed after this one began, with INCREMENTAL_OVERLAP (ten minutes) for a save in
  flight at that moment and for Confluence's search index, which can list an edit minutes after
  it was saved; pages read twice are de-duplicated by the engine's record cache. Only
  when an answer has no `Date` does the cursor fall back to the newest version time seen.
- **Window**: CQL compares `lastmodified` in the account's time zone, which the REST API does
  not reliably expose (Cloud's user answer may withhold it for privacy; Data Center's is not
  known to carry it), and a wrong guess would silently miss edits. So the CQL window stays a
  day wider than the cursor, but is cheap: the listing asks for ids, titles, versions and
  labels only (no bodies), and bodies are fetched (Cloud: v2 in bulk, Data Center: CQL
  `id in`) only for pages whose UTC version time is at or after the threshold. A no-change
  pull is that one listing request (one per 200 pages modified in the last day or so).
- **Own writes**: okrsync's output write names, in its version message, the version it was made
  on and that version's time (`own_write_message`). A page whose newest version is such a write,
  made directly on a version older than the threshold, holds nothing the record cache lacks
  except okrsync's own outputs, so it is not read. Review pages (label `okr-review`) are dropped
  from the listing before any body is read.
- **Page links**: titles resolve through an index of every page the listing named (a full pull
  lists every objective page); the rest are looked up a few titles per CQL search, exact titles
  only, once per run. **People**: each account id / user key is looked up once per run, and only
  for pages whose bodies were read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from okrsync.connector import Collection, FieldInfo, Layout, SourceRecord, SourceSchema
from okrsync.errors import ConfigError, OkrsyncError, RecordError
from okrsync.mapping.infer import CHECK_IN_SECTION
from okrsync.mapping.keys import find_key, key_form
from okrsync.mapping.page_locale import decimal_evidence
from okrsync.mapping.schema import Mapping
from okrsync_confluence.check_ins import (
    LOG_VERSION_FIELD,
    in_section,
    log_field_names,
    log_records,
    section_names,
    table_records,
)
from okrsync_confluence.check_ins import PROPERTY_KEY as LOG_KEY
from okrsync_confluence.client import BadRequest, ConfluenceClient, PageData, cql_quote
from okrsync_confluence.options import ConfluenceOptions
from okrsync_confluence.review_page import MANAGED_MACRO_ID, REVIEW_LABEL, REVIEW_MACRO_ID
from okrsync_confluence.storage_read import (
    PageLink,
    ParsedPage,
    StorageFormatError,
    Table,
    find_table,
    header_match,
    read_page,
    slug,
)

# The cursor is the server's time when the pull began (its `Date` header less the round trip,
# so already early by up to a second of Date's resolution); the overlap covers a save that took
# its version time just before and committed just after, clock skew between a proxy and the
# node that stamps versions, and the search index's lag: CQL lists an edit only once it is
# indexed, which can be minutes after the version was stamped. Without that margin such an edit
# would be missed until the next full refresh. It costs only re-reading pages people edited in
# those minutes (okrsync's own writes are recognised and not read, see below).
INCREMENTAL_OVERLAP = timedelta(minutes=10)
# CQL reads `lastmodified` dates in the account's own time zone, which okrsync does not know:
# the query window is a day wider than needed and version times (UTC) decide exactly.
CQL_ZONE_MARGIN = timedelta(days=1)
# Page links not among the listed pages are looked up this many titles per CQL search.
TITLES_PER_SEARCH = 20
# The version message of okrsync's own output write: the version it was made on and that
# version's time, so the next pull knows whether anything but okrsync's macro is new.
OWN_WRITE = re.compile(r"^okrsync: score, health and warnings \(on version (\d+) of (\S+)\)$")
OPTION_LIMIT = 6
# `describe()` (for `okrsync mapping infer` and doctor) reads every objective page up to this
# many, so the majority layout shows; and up to this many child pages of a page without a
# key-result table.
DESCRIBE_LIMIT = 500
# The type describe() gives a key found only in okrsync's own output macro: an output okrsync
# already writes (so infer keeps its name), never an input.
OUTPUT_TYPE = "okrsync_output"
CHILDREN_LIMIT = 20
DEFAULT_KR_TITLE = "Key Result"


def own_write_message(version: int, when: datetime | None) -> str:
    """The version message of okrsync's output write made on `version` (of time `when`)."""
    stamp = when.astimezone(UTC).isoformat() if when is not None else "?"
    return f"okrsync: score, health and warnings (on version {version} of {stamp})"


def _changed_since(page: PageData, threshold: datetime) -> bool:
    """Whether the page needs reading: a version at or after `threshold`, unless the newest
    version is okrsync's own output write made directly on a version older than it (the
    record cache already holds everything but okrsync's own outputs)."""
    if page.when is None:
        return True
    if page.when < threshold:
        return False
    own = OWN_WRITE.match(page.message)
    if own is None or int(own.group(1)) + 1 != page.version:
        return True
    try:
        base = datetime.fromisoformat(own.group(2))
    except ValueError:
        return True
    return (base if base.tzinfo else base.replace(tzinfo=UTC)) >= threshold


def _pseudo(page: PageData) -> dict[str, Any]:
    return {
        "@id": page.id,
        "@title": page.title,
        "@url": page.url,
        "@labels": list(page.labels or []),
        "@parent": page.parent_id,
    }


def _sample(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(
            v.title or v.page_id or ""
            if isinstance(v, PageLink)
            else str(v.get("name") or v)
            if isinstance(v, dict)
            else str(v)
            for v in value
        )[:80]
    return str(value)[:80]


class ConfluenceReader:
    """Finds and reads OKR pages for one source; remembers the latest version time seen."""

    def __init__(
        self,
        client: ConfluenceClient,
        options: ConfluenceOptions,
        mapping: Mapping | None,
    ) -> None:
        self.client = client
        self.options = options
        self.mapping = mapping
        self.latest: datetime | None = None
        self._since: datetime | None = None
        self._titles: dict[tuple[str | None, str], str] = {}
        self._people: dict[str, dict[str, Any]] = {}
        self._kept_people: dict[str, dict[str, Any]] = {}
        self._no_page: set[tuple[str | None, str]] = set()
        # Key form -> "outputs.<collection>.<output>" for the outputs okrsync writes on the
        # pages (set by the connector); a page holding such a key of its own stops the pull.
        self.output_keys: dict[str, str] = {}

    # --- what the mapping names -------------------------------------------------------------

    def kr_title_header(self) -> tuple[str, ...]:
        """The KR table's title column as the mapping names it, then its aliases."""
        coll = self.mapping.collections.get("key_results") if self.mapping else None
        spec = coll.fields.get("title") if coll else None
        names = tuple(n for n in spec.names if not n.startswith("@")) if spec else ()
        return names or (DEFAULT_KR_TITLE,)

    @property
    def logs(self) -> tuple[str, ...]:
        """The content properties the listing brings along: the check-in log, when the
        mapping reads check-ins."""
        return (LOG_KEY,) if self.mapping and "check_ins" in self.mapping.collections else ()

    @property
    def log_names(self) -> tuple[str, ...]:
        """The field names the check-in log's records carry their values under."""
        return log_field_names(self.mapping)

    def _mapped_fields(self, collection: str) -> list[str]:
        if self.mapping is None:
            return []
        return [f for f in self.mapping.source_fields(collection) if not f.startswith("@")]

    # --- finding pages ----------------------------------------------------------------------

    def base_cql(self) -> str:
        """The CQL selecting objective pages: the user's own, the label (and space), or the
        parent page's direct children (`parent =`, so the listing carries versions and labels
        on Cloud too, where v2's children list has neither)."""
        loc = self.options.objectives
        if loc.cql:
            return loc.cql
        if loc.parent:
            parent = loc.parent if loc.parent.isdigit() else cql_quote(loc.parent)
            return f"type = page and parent = {parent}"
        clauses = ["type = page", f"label = {cql_quote(loc.label or '')}"]
        if self.options.space:
            clauses.append(f"space = {cql_quote(self.options.space)}")
        return " and ".join(clauses)

    def list_pages(self, since: datetime | None) -> list[PageData]:
        """Objective pages to read (those changed since `since`, less the overlap), deduplicated.

        Incremental: the listing carries ids, titles, versions and labels but no bodies; every
        listed page goes into the title index, and only pages whose version time is at or after
        the threshold are returned, less okrsync's own output writes on versions already read
        and anything labelled as a review page.
        """
        threshold = since - INCREMENTAL_OVERLAP if since else None
        cql = self.base_cql()
        pages: list[PageData]
        logs = self.logs
        if threshold is None:
            pages = list(self.client.search(cql, with_body=True, properties=logs))
        else:
            stamp = (threshold - CQL_ZONE_MARGIN).strftime("%Y/%m/%d %H:%M")
            try:
                pages = list(
                    self.client.search(
                        f"({cql}) and lastmodified >= {cql_quote(stamp)}",
                        with_body=False,
                        properties=logs,
                    )
                )
            except BadRequest:
                # A server whose CQL lacks lastmodified: list all, filter below.
                pages = list(self.client.search(cql, with_body=False, properties=logs))
        seen: set[str] = set()
        unique: list[PageData] = []
        for page in pages:
            kind = page.raw.get("type")
            if page.id in seen or page.status not in ("current", "") or kind not in (None, "page"):
                continue
            seen.add(page.id)
            self._titles.setdefault((None, page.title), page.id)
            if page.space_key:
                self._titles.setdefault((page.space_key, page.title), page.id)
            if REVIEW_LABEL in (page.labels or ()):
                continue  # okrsync's own review page, caught by a broad locator
            unique.append(page)
        if threshold is not None:
            unique = [p for p in unique if _changed_since(p, threshold)]
        return unique

    def _complete(self, page: PageData) -> PageData:
        if page.body is None:
            full = self.client.get_page(page.id)
            full.labels = page.labels
            full.properties = page.properties
            full.space_key = full.space_key or page.space_key
            page = full
        if page.labels is None:
            page.labels = self.client.labels(page.id)
        return page

    # --- values -----------------------------------------------------------------------------

    def _known_link(self, link: PageLink) -> tuple[bool, str | None]:
        """(known, page id) from the link itself, the title index or an earlier search."""
        if link.page_id:
            return True, link.page_id
        if not link.title:
            return True, None
        space = link.space or self.options.space
        for key in ((space, link.title), (None, link.title)):
            if key in self._titles:
                return True, self._titles[key]
        if (space, link.title) in self._no_page:
            return True, None
        return False, None

    def _resolve_link(self, link: PageLink) -> str | None:
        known, page_id = self._known_link(link)
        if not known:
            self.resolve_titles([link])
            known, page_id = self._known_link(link)
        return page_id

    def resolve_titles(self, links: list[PageLink]) -> None:
        """Look up the titles of links that the listing did not name, a few per CQL search.

        Only exact titles count (CQL's `title =` also matches near titles on some sites); a
        title no page has is remembered, so it is not searched again this run.
        """
        wanted: dict[str | None, list[str]] = {}
        for link in links:
            if self._known_link(link)[0]:
                continue
            space = link.space or self.options.space
            titles = wanted.setdefault(space, [])
            if link.title and link.title not in titles:
                titles.append(link.title)
        for space, titles in wanted.items():
            for start in range(0, len(titles), TITLES_PER_SEARCH):
                chunk = titles[start : start + TITLES_PER_SEARCH]
                ors = " or ".join(f"title = {cql_quote(t)}" for t in chunk)
                cql = f"type = page and ({ors})"
                if space:
                    cql += f" and space = {cql_quote(space)}"
                try:
                    found = list(self.client.search(cql, with_body=False))
                except RecordError:
                    found = []  # reported as an unreadable link on its record, the pull goes on
                for page in found:
                    if page.title in chunk and page.status in ("current", ""):
                        self._titles.setdefault((space, page.title), page.id)
                for title in chunk:
                    if (space, title) not in self._titles:
                        self._no_page.add((space, title))

    def keep_people(self, saved: Any) -> None:
        """People named in an earlier run (`known_people()` from the state store)."""
        if not isinstance(saved, dict):
            return
        self._kept_people = {
            str(ident): {"id": str(ident), "name": p["name"], "email": p.get("email")}
            for ident, p in saved.items()
            if isinstance(p, dict) and isinstance(p.get("name"), str) and p["name"]
        }

    def known_people(self) -> dict[str, dict[str, Any]]:
        """Every person with a name looked up (or kept) so far, by account id or user key."""
        return {ident: dict(p) for ident, p in sorted(self._people.items()) if p.get("name")}

    def _person(self, person: dict[str, Any]) -> dict[str, Any]:
        ident = str(person.get("id") or "")
        if person.get("name") or not ident:
            return person
        if ident not in self._people:
            param = "accountId" if self.client.cloud else "key"
            try:
                data = self.client.call(
                    "GET", self.client.v1("user"), params={param: ident}, endpoint="v1 user"
                )
            except OkrsyncError:
                data = None
            data = data if isinstance(data, dict) else {}
            self._people[ident] = {
                "id": ident,
                "name": str(data.get("displayName") or data.get("publicName") or ""),
                "email": data.get("email") or None,
            }
        return dict(self._people[ident])

    def flatten(self, value: Any) -> Any:
        """Resolve page links to ids and fill mention names; other values pass through."""
        if isinstance(value, list) and value and isinstance(value[0], PageLink):
            ids: list[str] = []
            missing: list[str] = []
            for link in value:
                page_id = self._resolve_link(link)
                if page_id is None:
                    missing.append(link.title or "?")
                else:
                    ids.append(page_id)
            if missing:
                return {
                    "unreadable": "page link",
                    "raw": "no page titled " + ", ".join(repr(m) for m in missing),
                }
            return ids
        if isinstance(value, list) and value and isinstance(value[0], dict):
            return [self._person(p) for p in value]
        return value

    # --- records ----------------------------------------------------------------------------

    def _unreadable(self, page: PageData, problem: str, collection: str) -> dict[str, Any]:
        """One mapped field carries the problem, so the mapping reports the page once."""
        raw = f"page {page.title!r} ({page.id}): {problem}"
        fields = self._mapped_fields(collection)[:1] or ["@unreadable"]
        return {f: {"unreadable": "storage format", "raw": raw} for f in fields}

    def _seen(self, when: datetime | None) -> None:
        if when is not None and (self.latest is None or when > self.latest):
            self.latest = when

    def page_records(
        self, page: PageData, parsed: ParsedPage | StorageFormatError | None = None
    ) -> Iterator[SourceRecord]:
        """The objective record of one page and its key-result records (`parsed`: its body
        already parsed, or the error parsing it gave)."""
        self._seen(page.when)
        fields = _pseudo(page)
        try:
            if isinstance(parsed, StorageFormatError):
                raise parsed
            parsed = parsed or read_page(page.body or "")
        except StorageFormatError as exc:
            fields.update(self._unreadable(page, str(exc), "objectives"))
            fields["@unreadable"] = {"unreadable": "storage format", "raw": str(exc)}
            yield self._record("objectives", page.id, page, fields)
            return
        if any(b.macro_id == REVIEW_MACRO_ID for b in parsed.blocks):
            return  # okrsync's own review page, caught by a broad locator: not an objective
        for key, value in parsed.details.items():
            fields[key] = self.flatten(value)
        if self.logs and page.properties is not None:
            # The listing asked for the log: its version, or 0 when the page has none yet (the
            # first write then creates it without asking again).
            found = page.properties.get(LOG_KEY)
            fields[LOG_VERSION_FIELD] = found[1] if found is not None else 0
        yield self._record("objectives", page.id, page, fields)
        # With `auto` one source holds both layouts: a page without a key-result table is
        # asked for child pages holding Page Properties.
        mode = self.options.key_results
        sections = section_names(self.mapping)
        tables = [t for t in parsed.tables if not in_section(t, sections)]
        table = find_table(tables, self.kr_title_header()) if mode != "child_pages" else None
        key_results: list[SourceRecord] = []
        if table is not None:
            key_results = list(self._table_records(page, table))
        elif mode != "table":
            key_results = list(self._child_records(page, only_with_properties=mode == "auto"))
        yield from key_results
        if not self.logs:
            return
        # The people's check-ins: the tables under the check-in section's heading.
        titles = [(r.external_id, self._kr_title(r)) for r in key_results]
        where = (page.id, page.title, page.url, page.when)
        for own in parsed.tables:
            if in_section(own, sections):
                yield from table_records(where, own, titles, self.mapping, self.flatten)
        if page.properties and LOG_KEY in page.properties:
            yield from log_records(page.id, page.properties[LOG_KEY][0], page.url, self.log_names)

    def _kr_title(self, record: SourceRecord) -> str:
        """A key-result record's title: its row's title column, or its child page's title."""
        for name in self.kr_title_header():
            key = find_key(record.fields, name)
            value = record.fields.get(key) if key is not None else None
            if isinstance(value, str) and value:
                return value
        title = record.fields.get("@title")
        return title if isinstance(title, str) else ""

    def _record(
        self, collection: Collection, external_id: str, page: PageData, fields: dict[str, Any]
    ) -> SourceRecord:
        return SourceRecord(
            collection=collection,
            external_id=external_id,
            url=page.url,
            updated_at=page.when,
            fields=fields,
        )

    def _table_records(self, page: PageData, table: Table) -> Iterator[SourceRecord]:
        names = self.kr_title_header()
        title_key = next(
            (h for h in table.headers if any(header_match(h, n) for n in names)),
            table.headers[0] if table.headers else "",
        )
        used: dict[str, int] = {}
        for index, row in enumerate(table.rows, start=1):
            title = row.get(title_key)
            title_text = title if isinstance(title, str) else ""
            base = slug(title_text) or f"row-{index}"
            used[base] = used.get(base, 0) + 1
            suffix = f"-{used[base]}" if used[base] > 1 else ""
            fields = {key: self.flatten(value) for key, value in row.items()}
            fields.update({"@page": page.id, "@title": title_text, "@url": page.url})
            external_id = f"{page.id}#kr-{base}{suffix}"
            fields["@id"] = external_id
            yield self._record("key_results", external_id, page, fields)

    def _child_records(
        self, page: PageData, *, only_with_properties: bool = False
    ) -> Iterator[SourceRecord]:
        """Key results kept as child pages: one record per child, its title also under the
        mapping's title column so that one mapping reads rows and child pages alike.
        `only_with_properties` (the table layout's fallback) skips children without Page
        Properties, such as notes filed under an objective."""
        title_column = self.kr_title_header()[0]
        children: list[PageData] | Iterator[PageData] = self.client.children(page.id)
        if only_with_properties:
            try:
                children = list(children)
            except RecordError:
                return  # a fallback look for child pages; the objective itself was read
        for child in children:
            try:
                full = self._complete(child)
            except RecordError as exc:
                fields = _pseudo(child)
                fields["@page"] = page.id
                fields.update(self._unreadable(child, str(exc), "key_results"))
                yield self._record("key_results", child.id, child, fields)
                continue
            self._seen(full.when)
            fields = _pseudo(full)
            fields["@page"] = page.id
            try:
                parsed = read_page(full.body or "")
            except StorageFormatError as exc:
                fields.update(self._unreadable(full, str(exc), "key_results"))
            else:
                if only_with_properties and not parsed.details:
                    continue
                for key, value in parsed.details.items():
                    fields[key] = self.flatten(value)
                if not any(header_match(k, title_column) for k in parsed.details):
                    fields[title_column] = full.title
            yield self._record("key_results", full.id, full, fields)

    def _with_bodies(self, pages: list[PageData]) -> list[PageData]:
        """Fill in missing bodies in bulk (Cloud: v2 reads many pages per request)."""
        missing = [p.id for p in pages if p.body is None]
        if not missing:
            return pages
        try:
            bodies = self.client.get_pages(missing)
        except RecordError:
            return pages  # read one by one below, so one bad page names itself
        out: list[PageData] = []
        for page in pages:
            full = bodies.get(page.id)
            if page.body is None and full is not None:
                full.labels = page.labels
                full.properties = page.properties
                full.space_key = full.space_key or page.space_key
                page = full
            out.append(page)
        return out

    def pull(self, since: datetime | None) -> Iterator[SourceRecord]:
        """Every objective page (changed since `since`) and its key results.

        The pull's cursor is the server's time at its first request (see `cursor`). Bodies
        are read only for the pages `list_pages` returns; their page links are resolved from
        the listing's titles first and the rest in a few batched title searches, and each
        person mentioned is looked up once per run.
        """
        self.client.mark_server_time()
        self.latest = None
        self._since = since
        # Names kept from earlier runs spare a user lookup per person; a full pull asks again,
        # so a renamed person is shown by the new name at the latest after the next full refresh.
        self._people = {} if since is None else dict(self._kept_people)
        pages: list[tuple[PageData, ParsedPage | StorageFormatError]] = []
        unreadable: list[SourceRecord] = []
        for listed in self._with_bodies(self.list_pages(since)):
            try:
                page = self._complete(listed)
            except RecordError as exc:
                fields = _pseudo(listed)
                fields.update(self._unreadable(listed, str(exc), "objectives"))
                unreadable.append(self._record("objectives", listed.id, listed, fields))
                continue
            try:
                pages.append((page, read_page(page.body or "")))
            except StorageFormatError as exc:
                pages.append((page, exc))
        self._refuse_output_collisions(pages)
        yield from unreadable
        self.resolve_titles(
            [
                link
                for _, parsed in pages
                if isinstance(parsed, ParsedPage)
                for link in _links_in(parsed)
            ]
        )
        for page, parsed in pages:
            yield from self.page_records(page, parsed)

    def _refuse_output_collisions(
        self, pages: list[tuple[PageData, ParsedPage | StorageFormatError]]
    ) -> None:
        """ConfigError, before any record is handed on, when a page has a key of its own named
        like an output okrsync writes there (a second "Health" row, rewritten every run)."""
        if not self.output_keys:
            return
        clashes: dict[str, list[str]] = {}
        for page, parsed in pages:
            if isinstance(parsed, ParsedPage):
                for key in _input_details(parsed):
                    if key_form(key) in self.output_keys:
                        clashes.setdefault(key, []).append(page.title)
        if clashes:
            key, titles = next(iter(clashes.items()))
            where = self.output_keys[key_form(key)]
            shown = ", ".join(repr(t) for t in titles[:3]) + (" ..." if len(titles) > 3 else "")
            raise ConfigError(
                f"{output_collision_message(key, len(titles))} ({shown}); nothing was written",
                hint=output_collision_hint(key, where),
            )

    def cursor(self) -> datetime | None:
        """Where the next incremental pull starts: the server's time when this pull began
        (from its first answer's `Date`), else the newest version time seen."""
        if self.client.server_mark is not None:
            return self.client.server_mark
        known = [t for t in (self.latest, self._since) if t is not None]
        return max(known) if known else None

    # --- describe ---------------------------------------------------------------------------

    def describe(self, sample: int = DESCRIBE_LIMIT) -> SourceSchema:
        """Page Properties keys and key-result columns found on the pages, with counts.

        Reads every objective page up to `sample` (a large sample, so the majority layout
        shows), and for each key how many pages have it, each layout (set of keys, key results
        as a table or as child pages) with its page count, and which decimal mark the pages'
        numbers are written with. Keys written differently ("Owner", "owner:") are one key.
        Types are named the way `okrsync mapping infer` knows them (user, page_link, status,
        date, checkbox, text, title, relation), page links point at the objectives, and the
        key-result title column is typed `title`, so a drafted mapping needs few corrections.
        """
        objective_fields: dict[str, _Seen] = {}
        kr_fields: dict[str, _Seen] = {}
        title_names = self.kr_title_header()
        title_votes: dict[str, int] = {}
        output_keys: dict[str, str] = {}
        layouts: dict[tuple[str, ...], list[Any]] = {}
        marks: dict[str, int] = {}
        pages_read = 0
        with_check_ins = 0
        sections = section_names(self.mapping)
        for listed in self._with_bodies(self.list_pages(None)[:sample]):
            try:
                page = self._complete(listed)
                parsed = read_page(page.body or "")
            except (StorageFormatError, RecordError):
                continue
            pages_read += 1
            with_check_ins += any(in_section(t, sections) for t in parsed.tables)
            texts: list[str] = []
            details = _input_details(parsed)
            for block in parsed.blocks:
                if block.macro_id == MANAGED_MACRO_ID:
                    output_keys.update({key_form(k): k for k in block.values})
            for key, value in details.items():
                _note(objective_fields, key, parsed.kinds.get(key, "text"), value)
                objective_fields[key_form(key)].pages += 1
                texts.append(_sample(value))
            table = None
            if self.options.key_results != "child_pages":
                own = [t for t in parsed.tables if not in_section(t, sections)]
                table = find_table(own, title_names) or next(
                    (t for t in own if len(t.headers) >= 3), None
                )
            kr_keys: list[str] = []
            if table is None and self.options.key_results != "table":
                for child_title, child in self._children_for_describe(page):
                    # As pull() does: a child page's title stands in the title column.
                    if not any(header_match(k, title_names[0]) for k in child.details):
                        _note(kr_fields, title_names[0], "text", child_title)
                        kr_keys.append(title_names[0])
                    kr_keys.extend(child.details)
                    for key, value in child.details.items():
                        _note(kr_fields, key, child.kinds.get(key, "text"), value)
                        texts.append(_sample(value))
                layout_kind = "key results as child pages" if kr_keys else "no key results"
            elif table is None:
                layout_kind = "no key results"
            else:
                layout_kind = "key results as a table"
                kr_keys = list(table.headers)
                if table.headers:
                    title = next(
                        (h for h in table.headers if any(header_match(h, n) for n in title_names)),
                        table.headers[0],
                    )
                    title_votes[key_form(title)] = title_votes.get(key_form(title), 0) + 1
                for row in table.rows:
                    for key, value in row.items():
                        _note(kr_fields, key, table.kinds.get(key, "text"), value)
                        texts.append(_sample(value))
            for key in dict.fromkeys(key_form(k) for k in kr_keys):
                if key in kr_fields:
                    kr_fields[key].pages += 1
            for mark in _marks(texts):
                marks[mark] = marks.get(mark, 0) + 1
            shape = (*sorted(key_form(k) for k in details), layout_kind)
            entry = layouts.setdefault(shape, [list(details), layout_kind, 0, page.title])
            entry[2] += 1
        # The key-result title column most tables use is the title; the others are aliases.
        kr_title = max(title_votes, key=lambda k: title_votes[k], default=None)
        if kr_title is not None and kr_title in kr_fields:
            kr_fields[kr_title].kind = "title"
        objective_pseudo = [
            FieldInfo(name="@title", type="title", samples=()),
            FieldInfo(name="@id", type="text"),
            FieldInfo(name="@url", type="url"),
            FieldInfo(name="@labels", type="multi_select"),
            FieldInfo(name="@parent", type="relation"),
        ]
        kr_pseudo = [
            FieldInfo(
                name="@title",
                type="title" if self.options.key_results == "child_pages" else "text",
            ),
            FieldInfo(name="@id", type="text"),
            FieldInfo(name="@page", type="relation", target="objectives"),
        ]
        parent = self.options.objectives.parent
        locator = f"children of page {parent}" if parent else self.base_cql()
        ordered = sorted(layouts.values(), key=lambda e: (-e[2], e[3]))
        return SourceSchema(
            connector="confluence",
            collections={
                "objectives": _infos(objective_fields)
                + tuple(
                    FieldInfo(name=name, type=OUTPUT_TYPE)
                    for form, name in output_keys.items()
                    if form not in objective_fields
                )
                + tuple(objective_pseudo),
                "key_results": _infos(kr_fields) + tuple(kr_pseudo),
            },
            titles={"objectives": locator, "key_results": f"key results on {locator}"},
            sampled={"objectives": pages_read, CHECK_IN_SECTION: with_check_ins},
            layouts={
                "objectives": tuple(
                    Layout(keys=tuple(keys), key_results=where, pages=count, example=title)
                    for keys, where, count, title in ordered
                )
            },
            decimal_marks=marks,
        )

    def _children_for_describe(self, page: PageData) -> Iterator[tuple[str, ParsedPage]]:
        """The titles and parsed bodies of `page`'s children holding Page Properties."""
        try:
            children = list(self.client.children(page.id))[:CHILDREN_LIMIT]
        except RecordError:
            return
        for child in children:
            try:
                parsed = read_page(self._complete(child).body or "")
            except (StorageFormatError, RecordError):
                continue
            if parsed.details:
                yield child.title, parsed


def output_collision_message(key: str, pages: int) -> str:
    """Why an output named like a key the pages have is refused (doctor and sync)."""
    many = "page has" if pages == 1 else "pages have"
    return (
        f"okrsync would write its output {key!r} on pages where it is already a key: "
        f"{pages} {many} their own {key!r}, which would get a second {key!r} row"
    )


def output_collision_hint(key: str, where: str) -> str:
    """How to fix an output named like an input key: rename it in the mapping."""
    section, output = where.rsplit(".", 1)
    return (
        f'give the output another name: `{output}: "{key} (okrsync)"` under {section} in the '
        "mapping, or set it to null"
    )


def _input_details(parsed: ParsedPage) -> dict[str, Any]:
    """The page's own Page Properties: every macro's keys but okrsync's output macro's."""
    merged: dict[str, Any] = {}
    for block in parsed.blocks:
        if block.macro_id != MANAGED_MACRO_ID:
            for key, value in block.values.items():
                merged.setdefault(key, value)
    return merged


def _marks(texts: list[str]) -> set[str]:
    """The decimal marks a page's numbers say it writes (see okrsync.mapping.page_locale)."""
    found: set[str] = set()
    for text in texts:
        found |= decimal_evidence(text)
    return found if len(found) == 1 else set()


def _links_in(parsed: ParsedPage) -> Iterator[PageLink]:
    """The page links among a page's Page Properties and table values."""
    values: list[Any] = list(parsed.details.values())
    for table in parsed.tables:
        for row in table.rows:
            values.extend(row.values())
    for value in values:
        if isinstance(value, list):
            yield from (v for v in value if isinstance(v, PageLink))


class _Seen:
    """What describe() saw of one key or column: its kind, sample values, lozenge titles, and
    on how many pages (keys written differently, "Owner" and "owner:", are one key)."""

    def __init__(self, name: str, kind: str) -> None:
        self.name = name
        self.pages = 0
        self.kind = kind
        self.samples: list[str] = []
        self.options: list[str] = []
        self.distinct: list[str] = []
        self.count = 0


def _note(found: dict[str, _Seen], key: str, kind: str, value: Any) -> None:
    seen = found.setdefault(key_form(key), _Seen(key, kind))
    if seen.kind == "text" and kind != "text":
        seen.kind = kind
    text = _sample(value)
    if text and len(seen.samples) < 3 and text not in seen.samples:
        seen.samples.append(text)
    if kind == "status" and isinstance(value, str) and value and value not in seen.options:
        seen.options.append(value)
    if isinstance(value, str) and value and "\n" not in value and len(value) <= 40:
        seen.count += 1
        if value not in seen.distinct and len(seen.distinct) <= OPTION_LIMIT:
            seen.distinct.append(value)


def _options(seen: _Seen) -> tuple[str, ...]:
    """Lozenge titles, or the values of a text key that reads like a choice (few distinct
    short values, repeated across pages: Level, Type), so inference can draft value maps."""
    if seen.options:
        return tuple(seen.options)
    if (
        seen.kind == "text"
        and 0 < len(seen.distinct) <= OPTION_LIMIT
        and (seen.count > len(seen.distinct))
    ):
        return tuple(seen.distinct)
    return ()


def _infos(found: dict[str, _Seen]) -> tuple[FieldInfo, ...]:
    return tuple(
        FieldInfo(
            name=seen.name,
            type=seen.kind,
            options=_options(seen),
            target="objectives" if seen.kind == "page_link" else None,
            samples=tuple(seen.samples),
            pages=seen.pages,
        )
        for seen in found.values()
    )
