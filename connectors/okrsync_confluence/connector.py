"""The Confluence connector: okrsync's Connector protocol over a Confluence site.

Wires the validated options, the client (one retry layer), the reader (pull, describe) and the
writer (plan, apply). Cloud and Data Center differ only inside the client.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar

import requests

from okrsync.charts.review_charts import charts_by_review
from okrsync.connector import (
    ConnectorContext,
    ConnectorStats,
    Problem,
    SourceRecord,
    SourceSchema,
    Write,
    WriteResult,
)
from okrsync.errors import AccessDenied, AuthError, ConfigError, OkrsyncError, RecordError
from okrsync.i18n import translator
from okrsync.mapping.coverage import coverage_problems
from okrsync.mapping.keys import key_form
from okrsync.mapping.schema import Mapping as MappingFile
from okrsync.review import Review
from okrsync.review_build import build_cycle_reviews
from okrsync_confluence.check_ins import plan_log_writes
from okrsync_confluence.client import ConfluenceClient
from okrsync_confluence.options import ConfluenceOptions, parse_options
from okrsync_confluence.reader import (
    OUTPUT_TYPE,
    ConfluenceReader,
    output_collision_hint,
    output_collision_message,
)
from okrsync_confluence.review_page import page_outputs
from okrsync_confluence.writer import ConfluenceWriter, plan_page_writes, plan_review_writes


class ConfluenceConnector:
    """OKR pages in a Confluence space (Cloud or Data Center) as an okrsync source."""

    name: ClassVar[str] = "confluence"

    def __init__(
        self, context: ConnectorContext, *, session: requests.Session | None = None
    ) -> None:
        self.context = context
        self.t = translator(context.language)
        self.options: ConfluenceOptions = parse_options(context.source, dict(context.options))
        mapping = context.mapping
        self.mapping: MappingFile | None = mapping if isinstance(mapping, MappingFile) else None
        username: str | None = None
        if self.options.deployment == "cloud":
            username = context.secret(
                self.options.username_env, what="Confluence account email"
            ).get_secret_value()
        token = context.secret(
            self.options.token_env,
            what="Confluence API token"
            if self.options.deployment == "cloud"
            else "Confluence personal access token",
        )
        self._stats = ConnectorStats()
        self.client = ConfluenceClient(
            self.options,
            token=token,
            username=username,
            stats=self._stats,
            # The engine injects an interruptible sleep; one-off commands wait for real.
            sleep=context.sleep or time.sleep,
            clock=context.clock,
            stop=context.stop,
            session=session,
        )
        self.reader = ConfluenceReader(self.client, self.options, self.mapping)
        self.reader.output_keys = self.output_keys()
        self.writer = ConfluenceWriter(self.client, self.options, context.source)

    def output_keys(self) -> dict[str, str]:
        """Key form -> "outputs.<collection>.<output>" of every output okrsync writes into its
        managed Page Properties macro (none unless it writes outputs on OKR pages)."""
        if self.mapping is None or not (
            self.context.writeback.pages and self.options.managed_properties
        ):
            return {}
        keys: dict[str, str] = {}
        for collection in ("objectives", "key_results"):
            outputs = page_outputs(self.mapping.output_map(collection), self.t)
            for output in ("score", "health", "warnings"):
                name = getattr(outputs, output)
                if name:
                    keys.setdefault(key_form(name), f"outputs.{collection}.{output}")
        return keys

    def restore_lookups(self, saved: Mapping[str, Any]) -> None:
        """Reuse the people an earlier run looked up (RemembersLookups): a mention carries only
        an account id (Cloud) or user key (Data Center), and a review shows names."""
        self.reader.keep_people(saved.get("people"))

    def lookups(self) -> dict[str, Any]:
        """The people named this run, for the next one (a full pull looks them up again)."""
        return {"people": self.reader.known_people()}

    def missing_outputs(self) -> list[tuple[str, str, str]]:
        """Nothing for `mapping infer --apply` to add: okrsync creates its own Page Properties
        macro with the outputs on each page as it writes them."""
        return []

    # --- reading ------------------------------------------------------------------------------

    def pull(self, since: datetime | None) -> Iterator[SourceRecord]:
        """Objective pages changed since `since` (all when None) and their key results."""
        return self.reader.pull(since)

    def cursor(self) -> datetime | None:
        """The server's time when the last pull began (see ConfluenceReader.cursor)."""
        return self.reader.cursor()

    def describe(self) -> SourceSchema:
        """Page Properties keys and key-result columns found on a sample of OKR pages."""
        return self.reader.describe()

    def check(self) -> list[Problem]:
        """Auth, the space and pages named in the options, and the mapped keys seen on pages."""
        problems: list[Problem] = []
        try:
            self.client.current_user()
        except AuthError as exc:
            return [
                Problem(
                    severity="error",
                    subject=self.options.url,
                    message=exc.message,
                    hint=exc.hint,
                    auth=True,
                )
            ]
        except OkrsyncError as exc:
            return [
                Problem(
                    severity="error",
                    subject=self.options.url,
                    message=exc.message,
                    hint=exc.hint or "check the url option",
                )
            ]
        for what, key in (
            ("space", self.options.space),
            ("review space", self.options.review_space),
        ):
            if key:
                try:
                    self.client.get_space(key)
                except OkrsyncError as exc:
                    problems.append(
                        Problem(
                            severity="error",
                            subject=f"space {key}",
                            message=f"{what} {key!r} is not reachable: {exc.message}",
                            hint="check the space key",
                        )
                    )
        for what, page_id in (
            ("objectives parent page", self.options.objectives.parent),
            ("review_parent page", self.options.review_parent),
        ):
            if page_id:
                try:
                    self.client.get_page(page_id)
                except OkrsyncError as exc:
                    problems.append(
                        Problem(
                            severity="error",
                            subject=f"page {page_id}",
                            message=f"{what} {page_id} is not reachable: {exc.message}",
                            hint="check the page id",
                        )
                    )
        if problems or self.mapping is None:
            return problems  # a review destination reads no OKR pages: space and parent suffice
        try:
            schema = self.describe()
        except OkrsyncError as exc:
            return [
                Problem(severity="error", subject="objectives", message=exc.message, hint=exc.hint)
            ]
        if not any(not f.name.startswith("@") for f in schema.collections.get("objectives", ())):
            problems.append(
                Problem(
                    severity="warning",
                    subject=schema.titles["objectives"],
                    message="no objective page with a Page Properties macro was found",
                    hint="check the objectives locator (label, "
                    "parent or cql) and that the pages carry a Page Properties "
                    "macro",
                )
            )
        if self.mapping is not None:
            problems += coverage_problems(self.mapping, schema)
        problems += self._output_collisions(schema)
        return problems

    def _output_collisions(self, schema: SourceSchema) -> list[Problem]:
        """Outputs named like a key the pages already have (their own Health lozenge): the
        page would get a second row of that name, and each run would see a difference."""
        keys = self.output_keys()
        problems: list[Problem] = []
        for field in schema.collections.get("objectives", ()):
            where = keys.get(key_form(field.name))
            if where is None or field.type == OUTPUT_TYPE or field.pages is None:
                continue
            problems.append(
                Problem(
                    severity="error",
                    subject=where,
                    message=output_collision_message(field.name, field.pages),
                    hint=output_collision_hint(field.name, where),
                )
            )
        return problems

    # --- writing ------------------------------------------------------------------------------

    def plan(self, review: Review) -> list[Write]:
        """Pure: review pages (and managed outputs on OKR pages when enabled), hashes included."""
        writes: list[Write] = []
        writeback = self.context.writeback
        if writeback.pages and self.options.managed_properties:
            writes += plan_page_writes(review, self.options, self.mapping, self.t)
        if writeback.pages and self.mapping is not None and "check_ins" in self.mapping.collections:
            writes += plan_log_writes(review)
        if writeback.reviews:
            if not self.options.target_space:
                raise ConfigError(
                    f"source {self.context.source!r}: review pages need a space",
                    hint="set review_space (or space) and review_parent in the options, or "
                    "turn writeback.reviews off",
                )
            reviews = build_cycle_reviews(review, per_team=writeback.per_team, t=self.t)
            charts = charts_by_review(review, reviews) if writeback.charts else None
            writes += plan_review_writes(
                reviews, self.options, writeback, self.context.source, self.t, charts=charts
            )
        return writes

    def apply(self, write: Write) -> WriteResult:
        """Apply one write idempotently ('unchanged' when the remote marker already matches)."""
        if write.kind == "row":
            return self._write_log(write)
        return self.writer.apply(write)

    def _write_log(self, write: Write) -> WriteResult:
        """A page's check-in log (a content property; no page version is made)."""
        payload = write.payload
        page_id = str(payload["page_id"])
        version = payload.get("version")
        try:
            # Version 0: the listing found no log on the page, so it is created without a read.
            self.client.set_property(
                page_id,
                str(payload["key"]),
                payload["value"],
                new_page=version == 0,
                version=version or None,
            )
        except AccessDenied:
            raise  # the executor counts refusals in a row
        except RecordError as exc:
            return WriteResult.failed(write, exc, subject=page_id)
        return WriteResult(target=write.target, status="applied", subject=page_id)

    def stats(self) -> ConnectorStats:
        return self._stats

    def close(self) -> None:
        self.client.close()
