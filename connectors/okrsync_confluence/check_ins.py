"""The check-in log: okrsync's value history kept on each objective page (a content property).

Confluence has no database to append rows to, so okrsync keeps, per objective page, one content
property `okrsync-check-ins` holding the check-ins of that page's key results: when, value,
confidence, note and who. The pull reads it with the page listing (`metadata.properties.<key>`,
no request more) as `check_ins` records; a run that observed a value change the log lacks
(`Review.unrecorded_check_ins`) writes the page's whole log again (one request per page that
changed, none on a quiet sync). Content properties do not make a page version, so writing the
log never makes the page look edited. People read the history on the review page ("What
changed") and in the charts; the log itself is for okrsync.

The log keeps the newest `LOG_LIMIT` check-ins of a page, within Confluence's 32 KB limit for a
property value.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final

from okrsync.connector import SourceRecord, Write
from okrsync.history import OBSERVER, merged_history
from okrsync.model import CheckIn
from okrsync.records import content_hash
from okrsync.review import Review

PROPERTY_KEY: Final = "okrsync-check-ins"
LOG_VERSION: Final = 1
LOG_LIMIT: Final = 250
LOG_VERSION_FIELD: Final = "@check-in log version"
"""The log's version, on the objective record (0: the page has none yet): the write creates or
updates it without reading it first."""
FIELDS: Final = ("Key result", "At", "Value", "Confidence", "Note", "By")
"""The fields of a `check_ins` record, as the shipped mapping names them."""


def log_records(page_id: str, value: Any, url: str | None) -> Iterator[SourceRecord]:
    """The check-ins of one page's log as `check_ins` records (entries okrsync cannot read are
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
        fields = dict(
            zip(
                FIELDS,
                (
                    [entry["kr"]],
                    at,
                    entry.get("value"),
                    entry.get("confidence"),
                    str(entry.get("note") or ""),
                    str(entry.get("who") or ""),
                ),
                strict=True,
            )
        )
        yield SourceRecord(
            collection="check_ins",
            external_id=f"{entry['kr']}@{at}",
            url=url,
            fields={**fields, "@page": page_id},
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


def log_value(check_ins: Iterable[tuple[CheckIn, str]]) -> dict[str, Any]:
    """The property value of a page's log: the newest `LOG_LIMIT` check-ins, oldest first."""
    ordered = sorted(check_ins, key=lambda pair: (pair[0].at, pair[1]))[-LOG_LIMIT:]
    return {"version": LOG_VERSION, "check_ins": [_entry(c, kr) for c, kr in ordered]}


def plan_log_writes(review: Review) -> list[Write]:
    """One log write per objective page with a check-in its log lacks (pure): the page's whole
    log, from every check-in the review knows of its key results."""
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

    pages = {found[0] for c in review.unrecorded_check_ins if (found := page_of(c.key_result))}
    logs: dict[str, list[tuple[CheckIn, str]]] = {page: [] for page in pages}
    for check_in in merged_history(review.workspace.check_ins, review.unrecorded_check_ins):
        found = page_of(check_in.key_result)
        if found is not None and found[0] in logs:
            logs[found[0]].append((check_in, found[1]))
    versions = {
        r.external_id: r.fields.get(LOG_VERSION_FIELD)
        for r in review.source_records
        if r.collection == "objectives" and r.external_id in logs
    }
    writes = []
    for page_id in sorted(logs):
        value = log_value(logs[page_id])
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
