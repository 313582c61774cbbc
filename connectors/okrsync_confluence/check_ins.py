"""Check-ins on Confluence: the people's check-in table and okrsync's log on each objective page.

**The people's check-ins.** A team writes its check-ins on the objective page itself, under a
heading "Check-ins" (the mapping's `check_ins.source` names another), in a table whose header
row reads `Date | Key result | Value | Confidence | Note | Who` (or the mapping's names for those
fields; the shipped mapping also reads the German `Datum | Schlüsselergebnis | Wert | Zuversicht
| Notiz | Wer`). Each row is a `check_ins` record `<page id>#check-in-<row>` with the cells as
written (values parsed by the mapping with the page's decimal mark and date formats), `@page`,
`@row` and `@page_title`, so a row that cannot be read is reported naming its page and row and
the others count. The key result is named by its title (or a link to its child page) and
matched to the key results of the same page. okrsync never writes into that table.

Confluence has no database to append rows to, so okrsync keeps, per objective page, one content
property `okrsync-check-ins` holding the check-ins of that page's key results: when, value,
confidence, note and who. The pull reads it with the page listing (`metadata.properties.<key>`,
no request more) as `check_ins` records; a run that observed a value change the log lacks
(`Review.unrecorded_check_ins`) writes the page's whole log again (one request per page that
changed, none on a quiet sync). Content properties do not make a page version, so writing the
log never makes the page look edited. People read the history on the review page ("What
changed") and in the charts; the log itself is for okrsync.

The log keeps the newest `LOG_LIMIT` check-ins of a page, within Confluence's 32 KB limit for a
property value. It holds only what okrsync observed: a write keeps the log's own entries as they
are and adds the check-ins okrsync observed that the page lacks, never a person's row (a value a
person already checked in that day is not observed again, `okrsync.history.new_observations`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Final

from okrsync.connector import SourceRecord, Write
from okrsync.mapping.keys import key_form, same_key
from okrsync.mapping.schema import Mapping as MappingFile
from okrsync.model import OBSERVER, CheckIn
from okrsync.records import content_hash
from okrsync.review import Review
from okrsync_confluence.storage_read import PageLink, Table

PROPERTY_KEY: Final = "okrsync-check-ins"
LOG_VERSION: Final = 1
LOG_LIMIT: Final = 250
LOG_VERSION_FIELD: Final = "@check-in log version"
"""The log's version, on the objective record (0: the page has none yet): the write creates or
updates it without reading it first."""
ENTRY_KEYS: Final = ("kr", "at", "value", "confidence", "note", "who")
"""okrsync's own keys of a log entry, in the order of `CANONICAL` (fixed: the stored shape)."""
CANONICAL: Final = ("key_result", "at", "value", "confidence", "note", "who")
FIELDS: Final = ("Key result", "At", "Value", "Confidence", "Note", "By")
"""The field names of a log's `check_ins` record when the mapping names none (and the names
records read by earlier versions carry)."""
LOG_MARK: Final = "@check-in log"
"""On a `check_ins` record read from the log (not from a people's table): the entry itself, with
okrsync's own keys (`True` on records read by earlier versions)."""
SECTION: Final = "Check-ins"
"""The heading of the people's check-in table, unless the mapping's `check_ins.source` names one."""
COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "at": ("Date", "Datum"),
    "key_result": ("Key result", "Schlüsselergebnis"),
    "value": ("Value", "Wert"),
    "confidence": ("Confidence", "Zuversicht"),
    "note": ("Note", "Notiz"),
    "who": ("Who", "Wer"),
}
"""The people's table's columns when the mapping does not name them (English, German)."""
ROW_ID: Final = "#check-in-"


def section_names(mapping: MappingFile | None) -> tuple[str, ...]:
    """The headings of the people's check-in section: the mapping's `check_ins.source`, else
    "Check-ins"."""
    coll = mapping.collections.get("check_ins") if mapping is not None else None
    return (coll.source,) if coll is not None and coll.source else (SECTION,)


def in_section(table: Table, names: tuple[str, ...]) -> bool:
    """Whether a table is under the check-in section's heading."""
    return bool(table.heading) and any(same_key(table.heading, name) for name in names)


def key_result_columns(mapping: MappingFile | None) -> tuple[str, ...]:
    """The column naming a check-in's key result: the mapping's names, then the defaults."""
    coll = mapping.collections.get("check_ins") if mapping is not None else None
    spec = coll.fields.get("key_result") if coll is not None else None
    names = tuple(n for n in spec.names if not n.startswith("@")) if spec is not None else ()
    return (*names, *COLUMNS["key_result"])


def _key_result_ref(value: Any, titles: Mapping[str, str], ids: set[str]) -> Any:
    """A key-result cell as the record's reference: the id of the page's key result it names
    (by title, or a link to its child page), else the text as written (the mapping reports
    it)."""
    if isinstance(value, list) and value and isinstance(value[0], PageLink):
        for link in value:
            if link.page_id in ids:
                return [link.page_id]
        value = ", ".join(link.title or "" for link in value if link.title)
    if isinstance(value, str):
        found = titles.get(key_form(value))
        return [found] if found is not None else value
    return value


def table_records(
    page: tuple[str, str, str | None, datetime | None],
    table: Table,
    key_results: Iterable[tuple[str, str]],
    mapping: MappingFile | None,
    flatten: Callable[[Any], Any],
) -> Iterator[SourceRecord]:
    """The rows of a page's check-in table as `check_ins` records.

    `page` is (id, title, url, version time); `key_results` the (record id, title) of the key
    results on that page; `flatten` resolves mentions and links like any other cell.
    """
    page_id, title, url, when = page
    krs = list(key_results)
    titles = {key_form(t): i for i, t in krs if t}
    ids = {i for i, _ in krs}
    columns = key_result_columns(mapping)
    kr_column = next((h for h in table.headers if any(same_key(h, c) for c in columns)), None)
    for number, row in enumerate(table.rows, start=1):
        fields: dict[str, Any] = {}
        for header, value in row.items():
            if header == kr_column:
                fields[header] = _key_result_ref(value, titles, ids)
            else:
                fields[header] = flatten(value)
        fields.update({"@page": page_id, "@row": number, "@page_title": title, "@url": url})
        yield SourceRecord(
            collection="check_ins",
            external_id=f"{page_id}{ROW_ID}{number}",
            url=url,
            updated_at=when,
            fields=fields,
        )


def log_field_names(mapping: MappingFile | None) -> tuple[str, ...]:
    """The field names a log record carries its values under: the name the mapping reads each
    `check_ins` field by (its first), so the log reads whatever the people's columns are
    called; `FIELDS` for a field the mapping does not name."""
    coll = mapping.collections.get("check_ins") if mapping is not None else None
    names = []
    for canonical, default in zip(CANONICAL, FIELDS, strict=True):
        spec = coll.fields.get(canonical) if coll is not None else None
        first = next((n for n in spec.names if not n.startswith("@")), None) if spec else None
        names.append(first or default)
    return tuple(names)


def log_records(
    page_id: str, value: Any, url: str | None, names: tuple[str, ...] = FIELDS
) -> Iterator[SourceRecord]:
    """The check-ins of one page's log as `check_ins` records, their values under `names`
    (`log_field_names`) and the entry itself under `LOG_MARK` (entries okrsync cannot read are
    left out: the log is okrsync's own)."""
    if not isinstance(value, Mapping) or value.get("version") != LOG_VERSION:
        return
    entries = value.get("check_ins")
    if not isinstance(entries, list):
        return
    for entry in entries:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("kr"), str):
            continue
        at = str(entry.get("at") or "")
        own = (
            entry["kr"],
            at,
            entry.get("value"),
            entry.get("confidence"),
            str(entry.get("note") or ""),
            str(entry.get("who") or ""),
        )
        fields = dict(zip(names, ([own[0]], *own[1:]), strict=True))
        yield SourceRecord(
            collection="check_ins",
            external_id=f"{entry['kr']}@{at}",
            url=url,
            fields={**fields, "@page": page_id, LOG_MARK: dict(zip(ENTRY_KEYS, own, strict=True))},
        )


def _entry(check_in: CheckIn, kr_page_id: str) -> dict[str, Any]:
    return {
        "kr": kr_page_id,
        "at": check_in.at.isoformat(),
        "value": check_in.value,
        "confidence": check_in.confidence,
        "note": check_in.note,
        "who": check_in.who or OBSERVER,
    }


def log_value(entries: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The property value of a page's log: the newest `LOG_LIMIT` entries, oldest first."""
    ordered = sorted(entries, key=lambda e: (_when(e.get("at")), str(e.get("kr"))))[-LOG_LIMIT:]
    return {"version": LOG_VERSION, "check_ins": [dict(e) for e in ordered]}


_NEVER: Final = datetime.min.replace(tzinfo=UTC)


def _when(at: Any) -> datetime:
    try:
        when = datetime.fromisoformat(str(at)) if at else _NEVER
    except ValueError:
        return _NEVER
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def entry_of(record: SourceRecord) -> dict[str, Any]:
    """A log record back as the entry it was read from (a record an earlier version read and
    cached carries the values under `FIELDS` only)."""
    own = record.fields.get(LOG_MARK)
    if isinstance(own, Mapping):
        return {key: own.get(key) for key in ENTRY_KEYS}
    values = [record.fields.get(name) for name in FIELDS]
    kr = values[0][0] if isinstance(values[0], list) and values[0] else values[0]
    return dict(zip(ENTRY_KEYS, [kr, *values[1:]], strict=True))


def _same(entry: Mapping[str, Any]) -> tuple[str, str, Any, Any]:
    """What makes two entries one: key result, the minute, value and confidence."""
    when = _when(entry.get("at"))
    if when == _NEVER:
        return (str(entry.get("kr")), "", entry.get("value"), entry.get("confidence"))
    minute = when.astimezone(UTC).replace(second=0, microsecond=0).isoformat()
    return (str(entry.get("kr")), minute, entry.get("value"), entry.get("confidence"))


def plan_log_writes(review: Review) -> list[Write]:
    """One log write per objective page with a check-in its log lacks (pure): the log's own
    entries as they are, and the check-ins okrsync observed of the page's key results that the
    workspace does not hold yet. A people's check-in table is never copied into the log."""
    if not review.unrecorded_check_ins:
        return []
    key_results = {kr.id: kr for kr in review.workspace.key_results}
    objectives = review.workspace.objective_by_id()

    def page_of(kr_id: str) -> tuple[str, str] | None:
        """(objective page id, key result record id) of a Confluence key result."""
        kr = key_results.get(kr_id)
        objective = objectives.get(kr.objective) if kr is not None else None
        if kr is None or objective is None or kr.source is None or objective.source is None:
            return None
        if kr.source.connector != "confluence":
            return None
        return objective.source.external_id, kr.source.external_id

    logs: dict[str, list[dict[str, Any]]] = {}
    for check_in in review.unrecorded_check_ins:
        found = page_of(check_in.key_result)
        if found is not None:
            logs.setdefault(found[0], []).append(_entry(check_in, found[1]))
    kept: dict[str, list[dict[str, Any]]] = {}
    versions: dict[str, Any] = {}
    for record in review.source_records:
        page = record.fields.get("@page")
        if record.collection == "check_ins" and record.fields.get(LOG_MARK) and page in logs:
            kept.setdefault(str(page), []).append(entry_of(record))
        elif record.collection == "objectives" and record.external_id in logs:
            versions[record.external_id] = record.fields.get(LOG_VERSION_FIELD)
    writes = []
    for page_id in sorted(logs):
        entries = {_same(e): e for e in kept.get(page_id, [])}
        for entry in logs[page_id]:
            entries.setdefault(_same(entry), entry)
        value = log_value(entries.values())
        version = versions.get(page_id)
        writes.append(
            Write(
                target=f"confluence:check-ins:{page_id}",
                kind="row",
                description=f"check-in log of page {page_id} ({len(value['check_ins'])} entries)",
                payload={
                    "page_id": page_id,
                    "key": PROPERTY_KEY,
                    "value": value,
                    "version": version if isinstance(version, int) else None,
                },
                changes={"check-ins": len(value["check_ins"])},
                content_hash=content_hash(value),
                about=page_id,
            )
        )
    return writes
