"""Writing back to Confluence: the pure plan and the idempotent apply.

Planned writes:

- `page` writes: one review page per CycleReview (and per team when asked) under
  `review_parent`, rendered by `review_page`. The hash of what okrsync rendered (without the
  notes people keep, and without anything Confluence rewrites) is stored in the content property
  `okrsync` on the page; `apply` answers "unchanged" when it matches. The page is found again by
  title under the parent or by that property, never created twice: after a failed create it
  looks again before creating. A 409 re-reads the page, takes the person's latest notes and
  retries, up to `max_conflict_retries` times. Updates are PUT by okrsync itself (v2 on Cloud,
  v1 on Data Center), never through `Server.update_page`, which lowercases bodies to compare
  them and resets page width.
  With writeback `charts`, the page's charts (the burn-up, one per objective) are PNG
  attachments of the page, embedded by file name and part of the page write: its hash covers
  each chart's digest (what it is drawn from), and the marker remembers the digests, so an
  unchanged chart is neither drawn nor sent. A changed one is drawn and uploaded before the body
  changes (so a failed upload fails the write with the page and its old chart as they were),
  unless the attachment's comment already names the same bytes; then the version it replaced
  is deleted, so versions do not pile up on the page.
- `properties` writes (option `managed_properties`): okrsync's own Page Properties macro
  (`id` = okrsync-outputs) on each objective page with Score, Health and Warnings, swapped in
  byte-exactly so the rest of the page stays as people wrote it. Left out of the plan when the
  values pulled with the records already match.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

from okrsync.charts.labels import ChartLabels, chart_labels
from okrsync.charts.review_charts import (
    CycleCharts,
    labels_from_json,
    labels_to_json,
    series_from_json,
    series_to_json,
)
from okrsync.connector import SourceRecord, Write, Writeback, WriteResult, content_hash
from okrsync.errors import AccessDenied, RecordError, TransientError
from okrsync.i18n import Translator
from okrsync.mapping.schema import Mapping as MappingFile
from okrsync.mapping.schema import OutputMap
from okrsync.model import Finding
from okrsync.render.figures import ENGLISH, output_health
from okrsync.review import CycleReview, Review
from okrsync.review_noise import page_findings, warning_lines
from okrsync_confluence.client import (
    AttachmentUpload,
    ConfluenceClient,
    PageData,
    VersionConflict,
    cql_quote,
)
from okrsync_confluence.options import ConfluenceOptions
from okrsync_confluence.reader import own_write_message
from okrsync_confluence.review_page import (
    MANAGED_MACRO_ID,
    RenderedReview,
    extract_notes,
    format_grade,
    health_label,
    page_outputs,
    render_managed_macro,
    render_review,
    replace_managed_macro,
    review_title,
)
from okrsync_confluence.storage_read import StorageFormatError, read_page

PROPERTY_KEY: Final = "okrsync"
VERSION_MESSAGE: Final = "okrsync: regenerated"
CHART_COMMENT: Final = "okrsync chart sha256="
"""How an uploaded chart's comment names its bytes (the attachment's own metadata, read back
when the state store is lost)."""

MAX_BATCH_FILES: Final = 50
MAX_BATCH_BYTES: Final = 5_000_000
"""At most this many charts and bytes in one create-or-update request on Cloud (a 1 000-KR
first sync's 251 charts, about 7.5 MB, go in 6 requests). Confluence Cloud documents no cap on
the number of files of one request, only the site's attachment size limit per file; these keep
a request small: 5 MB is seconds on a slow uplink, so SIGTERM, the deadline and the HTTP
timeout keep their meaning, a request stays far below the body size proxies commonly refuse
(10 MB and up), and a refused batch costs at most 50 single retries."""

log = logging.getLogger(__name__)


# ----------------------------------------------------------------------------- planning


def review_target(options: ConfluenceOptions, title_key: str) -> str:
    """The executor's stable key for a review page."""
    return f"confluence:review:{options.target_space}:{title_key}"


def plan_review_writes(
    reviews: Sequence[CycleReview],
    options: ConfluenceOptions,
    writeback: Writeback,
    source: str,
    t: Translator = ENGLISH,
    *,
    charts: Mapping[str, CycleCharts] | None = None,
) -> list[Write]:
    """One page write per CycleReview. Its hash is that of the rendered page without notes,
    and of the page's charts' digests when `charts` has the review's (drawn in the language
    of `t`)."""
    writes: list[Write] = []
    labels: ChartLabels = chart_labels(t)
    for cycle_review in reviews:
        title = review_title(cycle_review, writeback, t)
        drawn = charts.get(cycle_review.title_key) if charts is not None else None
        rendered = render_review(cycle_review, title=title, t=t, charts=drawn)
        pictures = {
            chart.filename: {
                "digest": chart.digest(labels),
                "kind": chart.kind,
                "series": series_to_json(chart.series),
                "labels": labels_to_json(labels),
            }
            for chart in (drawn.all() if drawn is not None else [])
        }
        digest = rendered.content_hash
        if pictures:
            digests = {name: chart["digest"] for name, chart in pictures.items()}
            digest = content_hash({"page": digest, "charts": digests})
        payload = {
            "default_notes": rendered.default_notes,
            "title": title,
            "title_key": cycle_review.title_key,
            "before": rendered.before_notes,
            "after": rendered.after_notes,
            "labels": list(rendered.labels),
            "space": options.target_space,
            "parent": options.review_parent,
            "source": source,
            "charts": pictures,
        }
        writes.append(
            Write(
                target=review_target(options, cycle_review.title_key),
                kind="page",
                description=f"review page {title!r}",
                payload=payload,
                changes={
                    "page": title,
                    "objectives": cycle_review.headline.objectives,
                    "charts": len(pictures),
                },
                content_hash=digest,
                page=f"confluence:{options.base_url}:space:{options.target_space}:title:{title}",
            )
        )
    return writes


def _outputs(
    mapping: MappingFile | None,
    collection: Literal["objectives", "key_results"],
    t: Translator,
) -> OutputMap:
    """The outputs of `collection` named as they are written (`page_outputs`)."""
    return page_outputs(OutputMap() if mapping is None else mapping.output_map(collection), t)


def _outputs_write(
    *,
    page_id: str,
    what: str,
    values: list[tuple[str, str]],
    outputs: OutputMap,
    record: SourceRecord | None,
    review: Review,
    colour: str,
) -> Write | None:
    """The managed-macro write for one page, or None when the pulled values already match."""
    if record is not None and "@unreadable" in record.fields:
        return None  # the page does not parse: the mapping reports it, a write would fail
    before = {k: record.fields.get(k) for k, _ in values} if record else {}
    if record is not None and all((before.get(k) or "") == v for k, v in values):
        return None
    payload: dict[str, Any] = {
        "page_id": page_id,
        "values": [list(v) for v in values],
        "health_key": outputs.health,
    }
    # Last synced travels with changed outputs but is not hashed: an unchanged OKR is never
    # rewritten just to move a date.
    hashed = content_hash(payload)
    # The lozenge's colour follows from the health (not from a mapped option's name); it
    # changes only with the value, so it stays out of the hash like Last synced.
    payload["health_colour"] = colour
    if outputs.last_synced:
        payload["last_synced"] = [outputs.last_synced, review.generated_at.date().isoformat()]
    return Write(
        target=f"confluence:page:{page_id}",
        kind="properties",
        description=f"outputs on {what}",
        payload=payload,
        changes=dict(values),
        before=before,
        content_hash=hashed,
        record=record.external_id if record is not None else None,
    )


def _values(
    outputs: OutputMap,
    grade: float | None,
    health: str,
    findings: Sequence[Finding],
    miss: bool,
    t: Translator,
) -> list[tuple[str, str]]:
    values: list[tuple[str, str]] = []
    if outputs.score:
        values.append((outputs.score, format_grade(grade, t)))
    if outputs.health:
        values.append((outputs.health, output_health(outputs, health, miss, t)))
    if outputs.warnings:
        values.append((outputs.warnings, "\n".join(warning_lines(findings, t=t))))
    return values


def plan_page_writes(
    review: Review,
    options: ConfluenceOptions,
    mapping: MappingFile | None,
    t: Translator = ENGLISH,
) -> list[Write]:
    """The managed macro on each objective page (and key-result page, when key results are
    child pages) whose pulled output values differ from the plan, in the language of `t`."""
    writes: list[Write] = []
    pulled = {(r.collection, r.external_id): r for r in review.source_records}
    by_subject = page_findings(
        review.workspace, review.findings, review.evaluation.at, review.planning_weeks
    )
    outputs = _outputs(mapping, "objectives", t)
    krs = review.workspace.key_results_by_objective()
    if any((outputs.score, outputs.health, outputs.warnings)):
        for objective in review.workspace.objectives:
            if objective.source is None:
                continue
            page_id = objective.source.external_id
            result = review.evaluation.objectives.get(objective.id)
            findings = list(by_subject.get(objective.id, []))
            for kr in krs.get(objective.id, []):
                findings += by_subject.get(kr.id, [])
            health = result.health if result else "no_data"
            miss = result.miss if result else False
            grade = result.grade if result else None
            values = _values(outputs, grade, health, findings, miss, t)
            write = _outputs_write(
                page_id=page_id,
                what=repr(objective.title),
                values=values,
                outputs=outputs,
                record=pulled.get(("objectives", page_id)),
                review=review,
                colour=health_label(health, miss, t)[1],
            )
            if write is not None:
                writes.append(write)
    kr_outputs = _outputs(mapping, "key_results", t)
    # Key results kept as child pages (with `child_pages`, or a table-less objective's
    # children under `table`) get their outputs on their own page; table rows ("#kr-") do not.
    if any((kr_outputs.score, kr_outputs.health, kr_outputs.warnings)):
        for kr in review.workspace.key_results:
            if kr.source is None or "#" in kr.source.external_id:
                continue
            page_id = kr.source.external_id
            score = review.evaluation.key_results.get(kr.id)
            health = score.health if score else "no_data"
            grade = score.grade if score else None
            values = _values(kr_outputs, grade, health, by_subject.get(kr.id, []), False, t)
            write = _outputs_write(
                page_id=page_id,
                what=f"key result {kr.title!r}",
                values=values,
                outputs=kr_outputs,
                record=pulled.get(("key_results", page_id)),
                review=review,
                colour=health_label(health)[1],
            )
            if write is not None:
                writes.append(write)
    return writes


# ----------------------------------------------------------------------------- applying


class ConfluenceWriter:
    """Applies one planned write at a time, idempotently."""

    def __init__(self, client: ConfluenceClient, options: ConfluenceOptions, source: str) -> None:
        self.client = client
        self.options = options
        self.source = source
        self._markers: dict[str, dict[str, Any] | None] = {}
        self._marker_versions: dict[str, int] = {}
        self._attachments: dict[str, dict[str, dict[str, Any]]] = {}  # page id -> by name

    def apply(self, write: Write) -> WriteResult:
        """Apply a page or properties write; errors of one write (an unsupported kind too) are
        returned, not raised.

        AuthError and TransientError propagate so the executor can stop or count them.
        """
        try:
            if write.kind == "page":
                return self._apply_review(write)
            if write.kind == "properties":
                return self._apply_managed(write)
        except AccessDenied:
            raise  # the executor counts refusals in a row
        except RecordError as exc:
            return WriteResult(
                target=write.target, status="failed", error=str(exc), subject=exc.subject
            )
        return WriteResult(
            target=write.target, status="failed", error=f"unsupported write kind {write.kind!r}"
        )

    # --- review pages -------------------------------------------------------------------------

    def _marker(self, page_id: str) -> dict[str, Any] | None:
        found = self.client.get_property(page_id, PROPERTY_KEY)
        marker = found[0] if found is not None and isinstance(found[0], dict) else None
        self._markers[page_id] = marker
        if found is not None:
            self._marker_versions[page_id] = found[1]
        return marker

    def find_review(
        self, title: str, title_key: str
    ) -> tuple[PageData, dict[str, Any] | None] | None:
        """The existing review page and its okrsync marker (content property).

        Found by title under the parent, else by a marker naming this review (a page people
        renamed), else by title anywhere in the space (a page people moved). Never by title
        alone: a same-titled page without the marker is taken only when it carries okrsync's
        notes anchors (a create whose marker was not written yet); a page people made raises a
        RecordError instead of being overwritten. Markers of other pages are remembered for the
        rest of the run, so a parent with many pages is scanned once, not once per write.
        """
        parent = self.options.review_parent
        candidates = list(self.client.children(parent)) if parent else self._by_title(title)
        for page in candidates:
            if page.title == title:
                return self._claim(page, title_key)
        for page in candidates:
            marker = self._markers[page.id] if page.id in self._markers else self._marker(page.id)
            if (
                marker is not None
                and marker.get("title_key") == title_key
                and marker.get("source") == self.source
            ):
                return page, self._marker(page.id)
        if parent:
            for page in self._by_title(title):
                if page.title == title:
                    return self._claim(page, title_key)
        return None

    def _by_title(self, title: str) -> list[PageData]:
        cql = f"type = page and title = {cql_quote(title)}"
        if self.options.target_space:
            cql += f" and space = {cql_quote(self.options.target_space)}"
        return list(self.client.search(cql, with_body=False))

    def _claim(self, page: PageData, title_key: str) -> tuple[PageData, dict[str, Any] | None]:
        """A page with the review's title: ours if its marker or its notes anchors say so."""
        marker = self._marker(page.id)
        if marker is not None and marker.get("source") not in (None, self.source):
            raise RecordError(
                f"a page titled {page.title!r} ({page.id}) holds the review okrsync writes for "
                f"{marker.get('source')!r}, not for {self.source!r}; okrsync does not overwrite "
                "another writer's page",
                subject=page.id,
                hint="give one of the two writers another review_title, space or parent page "
                "in okrsync.toml (`okrsync doctor` lists writers that collide)",
            )
        if marker is not None and marker.get("title_key") in (None, title_key):
            return page, marker
        if marker is None:
            try:
                if extract_notes(self.client.get_page(page.id).body or "") is not None:
                    return page, None
            except StorageFormatError:
                pass
        raise RecordError(
            f"a page titled {page.title!r} ({page.id}) already exists and was not written by "
            "okrsync for this review; okrsync does not overwrite it",
            subject=page.id,
            hint="rename or move that page, or change writeback.review_title in okrsync.toml",
        )

    def _rendered(self, write: Write) -> RenderedReview:
        payload = write.payload
        return RenderedReview(
            title=str(payload["title"]),
            before_notes=str(payload["before"]),
            after_notes=str(payload["after"]),
            labels=tuple(payload["labels"]),
            title_key=str(payload["title_key"]),
            default_notes=str(payload.get("default_notes") or ""),
        )

    def _finish(
        self,
        page_id: str,
        rendered: RenderedReview,
        hash_: str,
        charts: Mapping[str, str],
        *,
        new_page: bool = False,
    ) -> None:
        """Labels and the marker property, written after the body so that an interrupted
        write is redone by the next run (the marker still holds the old hash)."""
        have = set() if new_page else set(self.client.labels(page_id))
        self.client.add_labels(page_id, [n for n in rendered.labels if n not in have])
        marker = {
            "kind": "review",
            "source": self.source,
            "title_key": rendered.title_key,
            "hash": hash_,
            "body": rendered.content_hash,
            "charts": dict(charts),
        }
        # The marker's version was read when the page was found: no second read to update it.
        version = None if new_page else self._marker_versions.pop(page_id, None)
        self.client.set_property(page_id, PROPERTY_KEY, marker, new_page=new_page, version=version)
        self._markers[page_id] = marker

    def _create(self, rendered: RenderedReview, write: Write) -> PageData | None:
        space = self.options.target_space
        if not space:
            raise RecordError(
                "no space to write the review page to",
                subject=write.target,
                hint="set review_space (or space) in the Confluence options",
            )
        try:
            return self.client.create_page(
                space=space,
                parent_id=self.options.review_parent,
                title=rendered.title,
                body=rendered.body(None),
            )
        except TransientError:
            # The create may have been applied before the connection dropped: look again.
            found = self.find_review(rendered.title, rendered.title_key)
            if found is None:
                raise
            return None

    def _apply_review(self, write: Write) -> WriteResult:
        rendered = self._rendered(write)
        hash_ = write.content_hash or rendered.content_hash
        charts: dict[str, dict[str, Any]] = dict(write.payload.get("charts") or {})
        digests = {name: str(chart["digest"]) for name, chart in charts.items()}
        found = self.find_review(rendered.title, rendered.title_key)
        if found is None:
            created = self._create(rendered, write)
            if created is not None:
                self._attachments[created.id] = {}
                self._put_charts(created.id, charts, {})
                self._finish(created.id, rendered, hash_, digests, new_page=True)
                return WriteResult(
                    target=write.target, status="applied", remote_version=str(created.version)
                )
            found = self.find_review(rendered.title, rendered.title_key)
            if found is None:
                raise TransientError(f"review page {rendered.title!r} vanished after creation")
        existing, marker = found
        if marker is not None and marker.get("hash") == hash_ and existing.title == rendered.title:
            return WriteResult(
                target=write.target, status="unchanged", remote_version=str(existing.version)
            )
        # Charts before the body: a failed upload leaves the page and its old charts in place.
        self._put_charts(existing.id, charts, (marker or {}).get("charts") or {})
        body_written = (marker or {}).get("body", (marker or {}).get("hash"))
        if body_written == rendered.content_hash and existing.title == rendered.title:
            self._finish(existing.id, rendered, hash_, digests)
            return WriteResult(
                target=write.target, status="applied", remote_version=str(existing.version)
            )
        for _ in range(self.options.max_conflict_retries + 1):
            page = self.client.get_page(existing.id)
            try:
                notes = extract_notes(page.body or "")
            except StorageFormatError as exc:
                raise RecordError(
                    f"review page {page.title!r} ({page.id}) is not well-formed storage format "
                    f"({exc}); okrsync will not overwrite it and risk losing the notes on it",
                    subject=page.id,
                    hint="repair the page in Confluence, or delete it to have it regenerated",
                ) from None
            try:
                updated = self.client.update_page(
                    page.id,
                    title=rendered.title,
                    body=rendered.body(notes),
                    version=page.version + 1,
                    message=VERSION_MESSAGE,
                )
            except VersionConflict:
                continue
            self._finish(page.id, rendered, hash_, digests)
            return WriteResult(
                target=write.target, status="applied", remote_version=str(updated.version)
            )
        raise TransientError(
            f"review page {rendered.title!r} kept changing while okrsync wrote it "
            f"({self.options.max_conflict_retries + 1} version conflicts)",
            hint="someone is editing the page; the next run tries again",
        )

    # --- charts attached to review pages -----------------------------------------------------

    def _put_charts(
        self, page_id: str, charts: Mapping[str, Mapping[str, Any]], written: Mapping[str, Any]
    ) -> None:
        """Upload the charts whose digest differs from the one the page's marker names
        (`written`), in batches on Cloud (`upload_batches`); unchanged charts are neither drawn
        nor sent.

        A batch Confluence refuses as such (a 4xx: one file too large or refused can be the
        cause) is sent again one file at a time, so one bad chart never keeps the others off
        the page; the refused ones fail the write (the marker keeps their old digests, the
        next run tries them again). A batch that fails otherwise (5xx, lost connection, after
        the HTTP policy's retries; SIGTERM or the deadline) fails the write at once with the
        old charts in place: more requests would not help, the next run retries."""
        due = [
            upload
            for filename, chart in charts.items()
            if written.get(filename) != chart["digest"]
            for upload in [self._drawn(page_id, filename, chart)]
            if upload is not None
        ]
        refused: list[RecordError] = []
        for batch in upload_batches(due, max_files=MAX_BATCH_FILES if self.client.cloud else 1):
            try:
                self._send(page_id, batch)
            except AccessDenied:
                raise
            except RecordError as exc:
                if len(batch) == 1:
                    refused.append(exc)
                    continue
                log.warning(
                    "page %s: %s charts refused together (%s); sending them one by one",
                    page_id,
                    len(batch),
                    exc,
                )
                for upload in batch:
                    try:
                        self._send(page_id, [upload])
                    except AccessDenied:
                        raise
                    except RecordError as single:
                        refused.append(single)
        if refused:
            raise RecordError(
                f"{len(refused)} of {len(due)} charts refused on page {page_id}: {refused[0]}",
                subject=page_id,
                hint="the other charts are in place; the next run tries these again",
            )

    def _drawn(
        self, page_id: str, filename: str, chart: Mapping[str, Any]
    ) -> AttachmentUpload | None:
        """Draw one chart; None when the attachment already holds these bytes (its comment
        names their hash: an upload redone after a failure, or a lost marker)."""
        from okrsync.charts.draw import chart_png  # matplotlib: only when a chart is drawn

        png = chart_png(
            series_from_json(chart["series"]),
            "cycle" if chart["kind"] == "cycle" else "objective",
            labels_from_json(chart["labels"]),
        )
        comment = CHART_COMMENT + hashlib.sha256(png).hexdigest()
        if page_id not in self._attachments:
            self._attachments[page_id] = self.client.attachments(page_id)
        current = self._attachments[page_id].get(filename)
        if current is not None and _comment_of(current) == comment:
            return None
        return AttachmentUpload(filename, png, "image/png", comment)

    def _send(self, page_id: str, batch: Sequence[AttachmentUpload]) -> None:
        """Upload a batch (one request on Cloud; a batch of one on Data Center, where a new
        version goes to `.../{id}/data`), then delete the versions they replaced."""
        known = self._attachments[page_id]
        for _ in range(self.options.max_conflict_retries + 1):
            try:
                if self.client.cloud:
                    done = self.client.upload_attachments(page_id, batch)
                else:
                    (upload,) = batch
                    current = known.get(upload.filename)
                    done = {
                        upload.filename: self.client.upload_attachment(
                            page_id,
                            upload.filename,
                            upload.data,
                            upload.media_type,
                            comment=upload.comment,
                            attachment_id=str(current["id"]) if current is not None else None,
                        )
                    }
                break
            except VersionConflict:
                continue
        else:
            raise TransientError(
                f"charts {', '.join(u.filename for u in batch)} on page {page_id} kept changing "
                f"while okrsync uploaded them ({self.options.max_conflict_retries + 1} version "
                "conflicts)",
                hint="someone is editing the page; the next run tries again",
            )
        for upload in batch:
            attachment_id, number = done[upload.filename]
            known[upload.filename] = {
                "id": attachment_id,
                "extensions": {"comment": upload.comment},
            }
            if number > 1:
                self._prune(attachment_id, number - 1, upload.filename)

    def _prune(self, attachment_id: str, number: int, filename: str) -> None:
        """Delete the version an upload replaced; a refusal leaves it (the chart is in place
        either way) and is logged."""
        try:
            self.client.delete_version(attachment_id, number)
        except AccessDenied as exc:
            log.warning("chart %s: old version %s kept: %s", filename, number, exc)
        except RecordError as exc:
            log.warning("chart %s: old version %s kept: %s", filename, number, exc)

    # --- managed Page Properties on OKR pages ------------------------------------------------

    def _apply_managed(self, write: Write) -> WriteResult:
        payload = write.payload
        page_id = str(payload["page_id"])
        values = [(str(k), str(v)) for k, v in payload["values"]]
        health_key = payload.get("health_key")
        shown = list(values)
        if payload.get("last_synced"):
            key, when = payload["last_synced"]
            shown.append((str(key), str(when)))
        colour = payload.get("health_colour")
        macro = render_managed_macro(
            shown,
            health_key if isinstance(health_key, str) else None,
            colour if isinstance(colour, str) else None,
        )
        for _ in range(self.options.max_conflict_retries + 1):
            page = self.client.get_page(page_id)
            body = page.body or ""
            try:
                parsed = read_page(body)
                new_body = replace_managed_macro(body, macro)
            except (StorageFormatError, ValueError) as exc:
                raise RecordError(
                    f"page {page.title!r} ({page_id}) is not well-formed storage format ({exc}); "
                    "okrsync leaves it untouched",
                    subject=page_id,
                    hint="repair the page in Confluence; okrsync writes its outputs next run",
                ) from None
            current = next(
                (b.values for b in parsed.blocks if b.macro_id == MANAGED_MACRO_ID), None
            )
            if current is not None and all((current.get(k) or "") == v for k, v in values):
                return WriteResult(
                    target=write.target, status="unchanged", remote_version=str(page.version)
                )
            try:
                updated = self.client.update_page(
                    page_id,
                    title=page.title,
                    body=new_body,
                    version=page.version + 1,
                    message=own_write_message(page.version, page.when),
                )
            except VersionConflict:
                continue
            return WriteResult(
                target=write.target, status="applied", remote_version=str(updated.version)
            )
        raise TransientError(
            f"page {page_id} kept changing while okrsync wrote its outputs",
            hint="someone is editing the page; the next run tries again",
        )


def _comment_of(attachment: Mapping[str, Any]) -> str:
    """The comment of an attachment's current version, wherever the answer carries it."""
    for holder in ("extensions", "metadata"):
        found = (attachment.get(holder) or {}).get("comment")
        if isinstance(found, str) and found:
            return found
    return str((attachment.get("version") or {}).get("message") or "")


def upload_batches(
    uploads: Sequence[AttachmentUpload],
    *,
    max_files: int = MAX_BATCH_FILES,
    max_bytes: int = MAX_BATCH_BYTES,
) -> list[list[AttachmentUpload]]:
    """The uploads in order, cut into batches of at most `max_files` files and `max_bytes`
    bytes (a file larger than `max_bytes` alone)."""
    batches: list[list[AttachmentUpload]] = []
    size = 0
    for upload in uploads:
        if batches and len(batches[-1]) < max_files and size + len(upload.data) <= max_bytes:
            batches[-1].append(upload)
            size += len(upload.data)
        else:
            batches.append([upload])
            size = len(upload.data)
    return batches
