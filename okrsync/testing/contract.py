"""The connector contract suite: what every okrsync connector must do, checked on its sandbox.

In the spirit of singer-sdk's standard tap tests, a connector gets the whole suite with one
line in one of its test modules:

    from okrsync.testing.contract import connector_contract
    from okrsync_notion import create
    from okrsync_sandbox.notion import NotionSandbox

    TestNotionContract = connector_contract(create, NotionSandbox)

`connector_contract(create, sandbox, ...)` returns a pytest test class. `create` is the
connector factory (the `okrsync.connectors` entry point); `sandbox` builds the connector's
emulator when called as `sandbox(clock=clock)`: an `okrsync.sandbox.Sandbox` that also has the
`ContractSandbox` members (building it on `okrsync_sandbox.kit.emulator.Emulator` gives most of
them). Each test starts the emulator on loopback, seeds `sample_workspace()` (or `workspace`),
and drives the real connector, with its real SDK, through real HTTP. Time is a `ManualClock`
shared by the emulator and the connector (its `sleep` advances it), so throttles, Retry-After
and cursors are exercised without waiting.

What it checks:

- the factory builds an `okrsync.connector.Connector` and is registered under the connector's
  `name` in the `okrsync.connectors` entry points;
- pull: every seeded objective is read, every record carries the pseudo-fields `@id`,
  `@title` and `@url`, and the mapping reads the seeded workspace back;
- cursor: it is the server's time (not a local clock that runs ahead); an edit at the very
  instant of the cursor, and one later, are read by the next incremental pull (overlap, no
  lost edit); nothing changed reads nothing;
- plan: pure (no request, the same writes twice) and idempotent (after applying, a fresh pull
  and plan only finds writes already in place);
- generated pages are found again by their marker by a connector that remembers nothing (the
  state store lost): no duplicate; a changed review rewrites its pages in place;
- a create the server applied before the connection dropped is not duplicated;
- one page the account may not edit (403) fails alone (`AccessDenied` naming it), the others
  are written;
- a rejected secret is an `AuthError` from pull and an error problem from `check()` (which is
  clean on the seeded workspace otherwise);
- a missing secret is a `ConfigError` at `create()` naming the variable; unknown options are a
  `ConfigError` naming them; a write kind the connector does not support fails that write
  (status "failed"), without a request;
- under a rate-limited sandbox the pull completes, hits the limit, and sends no request before
  a Retry-After ran out;
- no secret (nor a rejected one) in logs, printed output, errors, problems or results, nor in
  the connector's recorded cassettes (`cassettes`).
"""

from __future__ import annotations

import base64
import contextlib
import logging
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

import pytest
import structlog

from okrsync.connector import (
    Connector,
    ConnectorContext,
    ConnectorFactory,
    Writeback,
    load_connector,
)
from okrsync.errors import AccessDenied, AuthError, ConfigError, TransientError
from okrsync.evaluation import ScoringSettings
from okrsync.mapping.loader import load_mapping
from okrsync.mapping.schema import Mapping as MappingFile
from okrsync.model import Workspace
from okrsync.records import SourceRecord, Write, WriteResult
from okrsync.review import Review
from okrsync.sandbox import FaultPlan, Sandbox, SeedResult
from okrsync.testing.clock import ManualClock
from okrsync.testing.workspace import sample_workspace

SOURCE = "contract"
START = datetime.fromisoformat("2025-08-15T09:00:00+00:00")
WRONG_SECRET = "contract-rejected-secret-7f3a9c1e"  # noqa: S105 - a deliberately wrong credential
PSEUDO_FIELDS = ("@id", "@title", "@url")
_SECRET_WORDS = ("token", "secret", "password", "key")


@runtime_checkable
class ContractSandbox(Sandbox, Protocol):
    """What the suite needs from an emulator beyond `okrsync.sandbox.Sandbox`."""

    def stats(self) -> dict[str, Any]:
        """At least `rate_limited` (the limit's 429s), `early_retries` and `faults`."""
        ...

    def human_edit(self, page_id: str) -> Any:
        """A person edits the page now (its edit time moves to the emulator's clock)."""
        ...

    def restrict_editing(self, page_id: str) -> None:
        """Writes to this page are refused with 403 from now on."""
        ...

    def page_titles(self) -> list[str]:
        """The title of every stored page, duplicates included."""
        ...


SandboxMaker = Callable[..., Sandbox]


@dataclass(frozen=True)
class ContractTarget:
    """One connector and its sandbox, as the suite drives them."""

    create: ConnectorFactory
    sandbox: SandboxMaker
    options: Mapping[str, Any] = field(default_factory=dict)
    workspace: Callable[[], Workspace] = sample_workspace
    cassettes: Path | None = None


class ContractSite:
    """A started, seeded sandbox and the means to build connectors and reviews against it."""

    def __init__(self, target: ContractTarget, clock: ManualClock) -> None:
        self.target = target
        self.clock = clock
        built = target.sandbox(clock=clock)
        if not isinstance(built, ContractSandbox):
            raise TypeError(
                f"{type(built).__name__} lacks what the contract suite needs: "
                "stats(), human_edit(), restrict_editing() and page_titles()"
            )
        self.sandbox: ContractSandbox = built
        self.sandbox.start()
        try:
            self.workspace = target.workspace()
            self.seed: SeedResult = self.sandbox.seed(self.workspace)
            self.mapping: MappingFile = load_mapping(self.seed.mapping)
        except BaseException:
            self.sandbox.stop()  # the fixture's teardown never runs for a site not built
            raise

    def options(self, **extra: Any) -> dict[str, Any]:
        return {**self.seed.options, **self.target.options, **extra}

    def connector(
        self,
        *,
        options: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] | None = None,
        writeback: Writeback | None = None,
    ) -> Connector:
        context = ConnectorContext(
            source=SOURCE,
            options=dict(options if options is not None else self.options()),
            mapping=self.mapping,
            writeback=writeback or Writeback(),
            env=dict(env if env is not None else self.seed.env),
            clock=clock or self.clock.now,
            sleep=self.clock.sleep,
        )
        return self.target.create(context)

    def review(self, records: list[SourceRecord]) -> Review:
        """The review a sync would build from these records now (okrsync's pure builder)."""
        from okrsync.sync.build import SourceInput, build_review

        built = build_review(
            [
                SourceInput(
                    name=SOURCE,
                    connector=self.seed.connector,
                    mapping=self.mapping,
                    records=records,
                )
            ],
            scoring=ScoringSettings(),
            rules=None,
            now=self.clock.now(),
            name=SOURCE,
        )
        return built.review

    def page_of(self, canonical_id: str) -> str:
        """The sandbox page of a seeded objective (or other canonical id)."""
        return self.seed.ids[canonical_id]

    def objective_pages(self) -> set[str]:
        return {self.page_of(objective.id) for objective in self.workspace.objectives}

    def requests(self) -> int:
        return len(self.sandbox.request_log())

    def secret_variables(self) -> list[str]:
        """The environment variables the options name for credentials (`*token*_env`,
        `*secret*_env`, ...: not user names or urls)."""
        named = {
            str(value)
            for key, value in self.options().items()
            if key.endswith("_env") and any(word in key for word in _SECRET_WORDS)
        }
        return [variable for variable in self.seed.env if variable in named]

    def env_with(self, secret: str) -> dict[str, str]:
        """The seeded environment with every credential replaced by `secret`."""
        variables = set(self.secret_variables())
        return {k: secret if k in variables else v for k, v in self.seed.env.items()}

    def secrets(self) -> list[str]:
        """The credential values the seed put in the environment."""
        return [self.seed.env[variable] for variable in self.secret_variables()]

    def stop(self) -> None:
        self.sandbox.stop()


def _ids(records: list[SourceRecord]) -> set[str]:
    return {record.external_id for record in records}


def _same_page(page_id: str, text: str) -> bool:
    return page_id.replace("-", "") in text.replace("-", "")


def _leaks(secrets: list[str], env: Mapping[str, str]) -> list[str]:
    """Every form a secret could leak in: as is, and inside HTTP basic credentials."""
    forms = list(secrets)
    for secret in secrets:
        for user in env.values():
            forms.append(base64.b64encode(f"{user}:{secret}".encode()).decode())
    return forms


class ConnectorContract:
    """The suite; `connector_contract()` makes a concrete test class of it per connector."""

    target: ClassVar[ContractTarget]

    # ------------------------------------------------------------------ fixtures

    @pytest.fixture
    def clock(self) -> ManualClock:
        return ManualClock(START)

    @pytest.fixture
    def site(self, clock: ManualClock) -> Iterator[ContractSite]:
        built = ContractSite(self.target, clock)
        try:
            yield built
        finally:
            built.stop()

    # ------------------------------------------------------------------ reading

    def test_pull_reads_every_objective_with_the_pseudo_fields(self, site: ContractSite) -> None:
        records = list(site.connector().pull(None))
        assert site.objective_pages() <= _ids(records)
        for record in records:
            for name in PSEUDO_FIELDS:
                assert name in record.fields, f"{record.external_id} has no {name}"
            assert record.fields["@id"] == record.external_id
            assert isinstance(record.fields["@title"], str)
            assert str(record.fields["@url"]).startswith("http")

    def test_the_mapping_reads_the_seeded_workspace_back(self, site: ContractSite) -> None:
        review = site.review(list(site.connector().pull(None)))
        read = review.workspace
        assert sorted(o.title for o in read.objectives) == sorted(
            o.title for o in site.workspace.objectives
        )
        assert sorted(k.title for k in read.key_results) == sorted(
            k.title for k in site.workspace.key_results
        )

    def test_the_cursor_is_the_servers_time_not_a_clock_that_runs_ahead(
        self, site: ContractSite, clock: ManualClock
    ) -> None:
        connector = site.connector(clock=lambda: clock.now() + timedelta(hours=1))
        list(connector.pull(None))
        cursor = connector.cursor()
        assert cursor is not None
        server_now = clock.now()
        assert server_now - timedelta(seconds=2) <= cursor <= server_now

    def test_an_edit_at_the_cursor_and_a_later_one_are_read_next_time(
        self, site: ContractSite, clock: ManualClock
    ) -> None:
        first = site.connector()
        list(first.pull(None))
        cursor = first.cursor()
        assert cursor is not None
        objectives = sorted(site.objective_pages())
        site.sandbox.human_edit(objectives[0])  # the same instant as the cursor
        second = site.connector()
        assert objectives[0] in _ids(list(second.pull(cursor)))

        clock.advance(600)
        site.sandbox.human_edit(objectives[1])
        third = site.connector()
        assert objectives[1] in _ids(list(third.pull(second.cursor())))

        clock.advance(3600)  # nothing changes for an hour (longer than any overlap)
        fourth = site.connector()
        list(fourth.pull(third.cursor()))  # may re-read the last edit (overlap)
        fifth = site.connector()
        assert _ids(list(fifth.pull(fourth.cursor()))) & site.objective_pages() == set()

    # ------------------------------------------------------------------ writing

    def test_plan_is_pure_and_applying_it_is_idempotent(self, site: ContractSite) -> None:
        connector = site.connector()
        review = site.review(list(connector.pull(None)))
        before = site.requests()
        writes = connector.plan(review)
        assert writes, "the seeded workspace has outputs and review pages to write"
        assert connector.plan(review) == writes
        assert site.requests() == before, "plan() must not make requests"
        for write in writes:
            assert connector.apply(write).status == "applied", write.description

        again = site.connector()
        review = site.review(list(again.pull(None)))
        for write in again.plan(review):
            assert again.apply(write).status == "unchanged", write.description

    def test_generated_pages_are_found_by_marker_when_the_state_is_lost(
        self, site: ContractSite
    ) -> None:
        connector = site.connector()
        review = site.review(list(connector.pull(None)))
        pages = [w for w in connector.plan(review) if w.kind == "page"]
        assert pages, "the seeded workspace has review pages to write"
        for write in pages:
            assert connector.apply(write).status == "applied"
        titles = Counter(site.sandbox.page_titles())
        stranger = site.connector()  # a new process with no state store: it knows no page id
        assert {stranger.apply(write).status for write in pages} == {"unchanged"}
        assert Counter(site.sandbox.page_titles()) == titles

    def test_a_changed_review_rewrites_its_pages_in_place(
        self, site: ContractSite, clock: ManualClock
    ) -> None:
        connector = site.connector()
        review = site.review(list(connector.pull(None)))
        first = [w for w in connector.plan(review) if w.kind == "page"]
        for write in first:
            assert connector.apply(write).status == "applied"
        titles = Counter(site.sandbox.page_titles())
        clock.advance(7 * 24 * 3600)  # a week later the figures and the review differ
        later = site.connector()
        review = site.review(list(later.pull(None)))
        second = [w for w in later.plan(review) if w.kind == "page"]
        assert [w.target for w in second] == [w.target for w in first]
        assert all(a.content_hash != b.content_hash for a, b in zip(first, second, strict=True))
        assert [later.apply(write).status for write in second] == ["applied"] * len(second)
        assert Counter(site.sandbox.page_titles()) == titles, "rewritten, not created anew"
        assert {site.connector().apply(write).status for write in second} == {"unchanged"}

    def test_a_create_applied_before_the_connection_dropped_is_not_duplicated(
        self, site: ContractSite
    ) -> None:
        connector = site.connector()
        review = site.review(list(connector.pull(None)))
        write = next(w for w in connector.plan(review) if w.kind == "page")
        titles = Counter(site.sandbox.page_titles())
        site.sandbox.set_faults(
            FaultPlan(rates={"applied_then_reset": 1.0}, methods=("POST",), limit=1)
        )
        with contextlib.suppress(TransientError):  # giving up is allowed, duplicating is not
            connector.apply(write)
        site.sandbox.set_faults(None)
        assert site.sandbox.stats()["faults"].get("applied_then_reset") == 1
        assert site.connector().apply(write).status in ("applied", "unchanged")
        added = Counter(site.sandbox.page_titles()) - titles
        assert added and set(added.values()) == {1}, f"duplicated: {added}"

    def test_one_page_refused_fails_alone(self, site: ContractSite) -> None:
        connector = site.connector(writeback=Writeback(reviews=False))
        writes = connector.plan(site.review(list(connector.pull(None))))
        refused = sorted(site.objective_pages())[0]
        assert any(_same_page(refused, w.target) for w in writes)
        site.sandbox.restrict_editing(refused)
        others: list[str] = []
        for write in writes:
            if _same_page(refused, write.target):
                with pytest.raises(AccessDenied) as caught:
                    connector.apply(write)
                assert _same_page(refused, caught.value.subject or "")
                assert caught.value.hint, "a refusal says what to do about it"
            else:
                others.append(connector.apply(write).status)
        assert others and set(others) == {"applied"}

    def test_a_write_kind_it_does_not_support_fails_that_write(self, site: ContractSite) -> None:
        connector = site.connector()
        write = Write(
            target=f"{SOURCE}:comment:1",
            kind="comment",
            description="a comment no connector writes yet",
            payload={},
        )
        before = site.requests()
        result = connector.apply(write)
        assert isinstance(result, WriteResult)
        assert result.status == "failed"
        assert "comment" in (result.error or "")
        assert site.requests() == before

    # ------------------------------------------------------------------ configuration

    def test_the_factory_is_registered_under_the_connectors_name(self, site: ContractSite) -> None:
        connector = site.connector()
        assert isinstance(connector, Connector)
        assert load_connector(connector.name) is self.target.create

    def test_a_missing_secret_fails_at_create_naming_the_variable(self, site: ContractSite) -> None:
        variables = site.secret_variables()
        assert variables, "the seed names the environment variables of its credentials"
        for variable in variables:
            env = {k: v for k, v in site.seed.env.items() if k != variable}
            with pytest.raises(ConfigError) as caught:
                site.connector(env=env)
            assert variable in str(caught.value)
            for secret in site.secrets():
                assert secret not in str(caught.value)

    def test_a_rejected_secret_is_an_auth_error_and_a_check_problem(
        self, site: ContractSite
    ) -> None:
        assert [p for p in site.connector().check() if p.severity == "error"] == []
        rejected = site.connector(env=site.env_with(WRONG_SECRET))
        assert any(p.severity == "error" and p.auth for p in rejected.check())  # doctor: 3
        with pytest.raises(AuthError):
            list(rejected.pull(None))

    def test_unknown_options_are_a_config_error_naming_them(self, site: ContractSite) -> None:
        with pytest.raises(ConfigError) as caught:
            site.connector(options=site.options(no_such_option=1))
        assert "no_such_option" in str(caught.value)
        assert SOURCE in str(caught.value)

    # ------------------------------------------------------------------ the network

    def test_a_rate_limited_pull_completes_without_an_early_retry(self, site: ContractSite) -> None:
        site.sandbox.set_rate_limit(0.5)
        records = list(site.connector().pull(None))
        assert site.objective_pages() <= _ids(records)
        stats = site.sandbox.stats()
        assert stats["rate_limited"] >= 1, "the pull never met the limit: nothing was checked"
        assert stats["early_retries"] == 0, "a request came before Retry-After ran out"

    def test_no_secret_in_logs_output_errors_or_cassettes(
        self,
        site: ContractSite,
        caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        secrets = [*site.secrets(), WRONG_SECRET]
        assert site.secrets(), "the seed names its credentials in *token*/*secret* options"
        seen: list[str] = []
        caplog.set_level(logging.DEBUG)
        with structlog.testing.capture_logs() as events:
            connector = site.connector()
            seen += [repr(p) for p in connector.check()]
            review = site.review(list(connector.pull(None)))
            seen += [repr(connector.apply(w)) for w in connector.plan(review)]
            rejected = site.connector(env=site.env_with(WRONG_SECRET))
            seen += [repr(p) for p in rejected.check()]
            with pytest.raises(AuthError) as caught:
                list(rejected.pull(None))
            seen += [str(caught.value), repr(caught.value)]
        seen += [repr(event) for event in events]
        seen += [record.getMessage() for record in caplog.records]
        captured = capsys.readouterr()
        seen += [captured.out, captured.err]
        for form in _leaks(secrets, site.seed.env):
            assert not [text for text in seen if form in text], "a secret leaked"
        if self.target.cassettes is not None:
            files = [path for path in sorted(self.target.cassettes.rglob("*")) if path.is_file()]
            assert files, f"no cassette in {self.target.cassettes}"
            for path in files:
                text = path.read_text(encoding="utf-8", errors="replace")
                for form in _leaks(site.secrets(), site.seed.env):
                    assert form not in text, f"a secret in {path.name}"
                assert "authorization" not in text.lower(), f"an auth header in {path.name}"
                assert "Bearer " not in text and "Basic " not in text, path.name


def connector_contract(
    create: ConnectorFactory,
    sandbox: SandboxMaker,
    *,
    options: Mapping[str, Any] | None = None,
    workspace: Callable[[], Workspace] = sample_workspace,
    cassettes: Path | None = None,
) -> type[ConnectorContract]:
    """The contract suite as a pytest class for one connector; assign it to a `Test*` name.

    `options` extend the seeded connector options (e.g. to turn on writes a connector only
    makes when asked); `cassettes` is the folder of the connector's recorded cassettes, checked
    for secrets.
    """
    target = ContractTarget(
        create=create,
        sandbox=sandbox,
        options=dict(options or {}),
        workspace=workspace,
        cassettes=cassettes,
    )
    return type("ConnectorContractSuite", (ConnectorContract,), {"target": target})
