"""Pure steps between a pull and the mapping: merge with the cache, settle own edits, cursors.

- a pull is merged with the record cache so the mapping always sees the whole source;
- a record whose only change is okrsync's own outputs keeps its cached edit time;
- the cursor never moves past a record the mapping had to drop, so it is read again next time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Final

from okrsync.mapping.schema import Mapping as MappingFile
from okrsync.model import Finding
from okrsync.records import SourceRecord

RecordKey = tuple[str, str]
UNMAPPED_CODES: Final[frozenset[str]] = frozenset({"DATA002", "DATA007"})


def record_key(record: SourceRecord) -> RecordKey:
    """(collection, external id): a record's identity within one source."""
    return (record.collection, record.external_id)


def merge_records(
    cached: Iterable[SourceRecord], pulled: Iterable[SourceRecord], *, full: bool
) -> list[SourceRecord]:
    """The source as the mapping sees it: the cache (unless `full`) overlaid by the pull,
    trashed records removed, in a canonical order.

    The order is canonical so the workspace (and every text built from it) does not depend on
    the order the vendor returned pages in, or on which of them came from the cache.
    """
    merged: dict[RecordKey, SourceRecord] = {} if full else {record_key(r): r for r in cached}
    for record in pulled:
        merged[record_key(record)] = record
    return sorted((r for r in merged.values() if not r.trashed), key=record_key)


def unmapped_ids(findings: Sequence[Finding]) -> list[str]:
    """External ids of records the mapping had to leave out for bad data.

    The mapping reports such a record with a missing-required-field or invalid-record finding
    whose subject is the record's external id.
    """
    return sorted({f.subject for f in findings if f.code in UNMAPPED_CODES})


def safe_cursor(
    cursor: datetime | None, records: Sequence[SourceRecord], dropped: Sequence[str]
) -> datetime | None:
    """The connector's cursor, held back to just before the oldest record that did not map."""
    if cursor is None or not dropped:
        return cursor
    wanted = set(dropped)
    times = [r.updated_at for r in records if r.external_id in wanted and r.updated_at]
    if not times:
        return cursor
    earliest = min(t if t.tzinfo else t.replace(tzinfo=UTC) for t in times)
    held = earliest - timedelta(seconds=1)
    current = cursor if cursor.tzinfo else cursor.replace(tzinfo=UTC)
    return min(current, held)


def output_fields(mapping: MappingFile) -> dict[str, set[str]]:
    """Per collection, the source fields okrsync itself writes (Score, Health, ...)."""
    found: dict[str, set[str]] = {}
    for collection in ("objectives", "key_results"):
        outputs = mapping.output_map(collection).model_dump().values()
        found[collection] = {n for n in outputs if isinstance(n, str)}
    return found


def keep_own_edit_times(
    pulled: Sequence[SourceRecord],
    cached: Mapping[RecordKey, SourceRecord],
    outputs: Mapping[str, set[str]],
) -> list[SourceRecord]:
    """Pulled records whose only change since the cache is okrsync's own outputs keep the
    cached `updated_at`.

    Writing Score or Health back bumps a page's last-edited time; without this, okrsync's own
    writes would look like fresh check-ins (hiding stale key results) and would change the
    review they were planned from, so an unchanged workspace would never settle.
    """
    kept: list[SourceRecord] = []
    for record in pulled:
        old = cached.get(record_key(record))
        if old is None or old.trashed != record.trashed or old.updated_at == record.updated_at:
            kept.append(record)
            continue
        ignore = outputs.get(record.collection, set())
        same = {k: v for k, v in record.fields.items() if k not in ignore} == {
            k: v for k, v in old.fields.items() if k not in ignore
        }
        kept.append(record.model_copy(update={"updated_at": old.updated_at}) if same else record)
    return kept
