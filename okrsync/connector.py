"""The connector boundary: what a connector gets, what it returns, and how one is found.

A connector is the only place that knows a vendor. It flattens vendor values into plain Python
values in `SourceRecord.fields` (numbers, strings, ISO dates, lists of ids, people as
`{"id", "name", "email"}` dicts); the mapping decides what they mean. It plans writes purely
from a `Review` and applies one `Write` at a time, idempotently.

Connectors are registered under the entry-point group `okrsync.connectors`; each entry point
names a factory `create(context: ConnectorContext) -> Connector`, loaded only when used.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from okrsync.errors import ConfigError
from okrsync.http.stats import RequestStats
from okrsync.model import Frozen, Severity
from okrsync.records import (
    COLLECTIONS,
    Collection,
    SourceRecord,
    Write,
    WriteKind,
    WriteResult,
    content_hash,
)

if TYPE_CHECKING:
    from okrsync.mapping.schema import Mapping as MappingFile
    from okrsync.review import Review

__all__ = [
    "COLLECTIONS",
    "Collection",
    "Connector",
    "ConnectorContext",
    "ConnectorFactory",
    "ConnectorStats",
    "FieldInfo",
    "FullRefreshHint",
    "Problem",
    "RemembersLookups",
    "SourceRecord",
    "SourceSchema",
    "Write",
    "WriteKind",
    "WriteResult",
    "Writeback",
    "content_hash",
    "options_model_of",
    "review_place_of",
]

ENTRY_POINT_GROUP = "okrsync.connectors"


class Problem(Frozen):
    """Something `check()` found: access, auth, or the mapping against the live schema."""

    severity: Severity
    subject: str = Field(description="What it is about: a database, page, space or property.")
    message: str
    hint: str = ""
    auth: bool = Field(
        default=False,
        description="The credential was rejected: doctor and mapping check exit 3, not 2.",
    )


class FieldInfo(Frozen):
    name: str
    type: str = Field(description="The vendor's type name, e.g. 'number', 'relation', 'td'.")
    options: tuple[str, ...] = Field(default=(), description="Select options, if any.")
    target: str | None = Field(default=None, description="Relation target collection, if known.")
    samples: tuple[str, ...] = Field(default=(), description="A few example values as text.")
    pages: int | None = Field(
        default=None, description="How many sampled pages or records have it (None: all)."
    )


class Layout(Frozen):
    """One way the sampled pages of a collection are laid out: their keys, and how many."""

    keys: tuple[str, ...]
    pages: int
    key_results: str = Field(default="", description="Where its key results are, in words.")
    example: str = Field(default="", description="The title of one page laid out this way.")


class SourceSchema(Frozen):
    """What `describe()` found, per collection locator, for `okrsync mapping infer`."""

    connector: str
    collections: dict[str, tuple[FieldInfo, ...]] = Field(
        description="Locator name (database title, CQL label, ...) to its fields."
    )
    titles: dict[str, str] = Field(default={}, description="Locator name to a human title.")
    sampled: dict[str, int] = Field(
        default={}, description="Locator name to how many pages or records were sampled."
    )
    layouts: dict[str, tuple[Layout, ...]] = Field(
        default={}, description="Locator name to the layouts seen, most pages first."
    )
    decimal_marks: dict[str, int] = Field(
        default={},
        description="Decimal mark ('.' or ',') to how many sampled pages write numbers with it.",
    )


ConnectorStats = RequestStats
"""Counters a connector keeps for summaries, metrics and benchmarks (okrsync.http keeps them)."""


class Writeback(Frozen):
    """What a source writes back; from okrsync.toml `[sources.<name>.writeback]`."""

    pages: bool = Field(default=True, description="Score, health and warnings on each OKR page.")
    reviews: bool = Field(default=True, description="A review page per cycle.")
    per_team: bool = Field(default=False, description="Also a review page per team and cycle.")
    review_title: str = Field(default="OKR Review {cycle}", description="{cycle}, {team}.")
    team_review_title: str = "OKR Review {cycle} - {team}"
    charts: bool = Field(
        default=True,
        description="Charts on review pages: the cycle's burn-up and each objective's progress "
        "over time, uploaded as images when they change.",
    )


class ConnectorContext(Frozen):
    """Everything a connector factory gets. Secrets are read through `secret()`, never stored."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    source: str = Field(description="The source's name in okrsync.toml.")
    options: dict[str, Any] = Field(description="Connector-specific options, validated by it.")
    mapping: Any = Field(description="The source's okrsync.mapping.schema.Mapping.")
    writeback: Writeback = Writeback()
    language: str = Field(
        default="en",
        description="The language of the words it writes for people: OKR page outputs and "
        "review pages (okrsync.toml `language`).",
    )
    env: Mapping[str, str] = Field(default_factory=lambda: dict(os.environ), repr=False)
    clock: Callable[[], datetime] = Field(default=lambda: datetime.now(UTC), repr=False)
    sleep: Callable[[float], None] | None = Field(default=None, repr=False)
    stop: threading.Event | None = Field(
        default=None,
        repr=False,
        description="Set by SIGTERM/SIGINT: a request in flight gives up, the run ends (exit 5).",
    )
    log: Any = Field(
        default=None,
        repr=False,
        description="The run's structlog logger, for what a connector recovered from on its "
        "own (None: it logs nothing).",
    )

    def secret(self, variable: str | None, *, what: str) -> SecretStr:
        """Read a credential from the environment variable named in the options."""
        return env_secret(self.env, variable, owner=f"source {self.source!r}", what=what)


def env_secret(env: Mapping[str, str], variable: str | None, *, owner: str, what: str) -> SecretStr:
    """The credential in the environment variable `variable`; ConfigError naming it if unset.

    `owner` says whose option named the variable (e.g. "source 'okrs'", "channel 'teams'").
    """
    if not variable:
        raise ConfigError(
            f"{owner}: no environment variable named for the {what}",
            hint=f"set the option naming the variable that holds the {what}",
        )
    value = env.get(variable)
    if not value:
        raise ConfigError(
            f"{owner}: environment variable {variable} is not set (it should hold the {what})",
            hint=f"export {variable}=... before running okrsync",
        )
    return SecretStr(value)


@runtime_checkable
class Connector(Protocol):
    name: ClassVar[str]

    def check(self) -> list[Problem]:
        """Auth, access to every configured location, and the mapping against the live schema."""
        ...

    def describe(self) -> SourceSchema:
        """The live schema, for drafting a mapping."""
        ...

    def pull(self, since: datetime | None) -> Iterator[SourceRecord]:
        """Records changed since `since` (all when None). Trashed records come with trashed=True.

        Raises AuthError / TransientError / ConfigError; per-record problems are yielded as
        records and reported by the mapping, never raised.
        """
        ...

    def cursor(self) -> datetime | None:
        """The cursor to store after a complete pull (None if the pull saw nothing)."""
        ...

    def plan(self, review: Review) -> list[Write]:
        """Pure: the exact writes that put the review into the workspace, hashes included."""
        ...

    def apply(self, write: Write) -> WriteResult:
        """Apply one write idempotently; 'unchanged' when the remote marker already matches."""
        ...

    def stats(self) -> ConnectorStats: ...

    def close(self) -> None: ...


ConnectorFactory = Callable[[ConnectorContext], Connector]


# What a connector may offer beyond the protocol. The engine asks for each with isinstance() or
# options_model_of(), so a connector without them still works.


@runtime_checkable
class FullRefreshHint(Protocol):
    """Optional: a connector that knows when its incremental reads miss something (Notion's
    never return trashed pages) asks for a full read itself."""

    def full_refresh_due(self, *, runs_since_full: int, last_full: datetime | None) -> bool: ...


@runtime_checkable
class RemembersLookups(Protocol):
    """Optional: a connector that would otherwise ask for the same things on every run
    (Notion's data source ids and schemas, the blocks of the review pages it wrote) keeps them
    in the state store instead.

    The engine hands the kept lookups over before the pull and stores `lookups()` (JSON-able)
    after the run. The connector must drop anything an answer shows to be stale (a 404, a
    schema error, a property it does not know) and ask again in the same run, and must not
    trust kept schemas on a full pull (`since` None), so each full refresh revalidates them.
    """

    def restore_lookups(self, saved: Mapping[str, Any]) -> None: ...

    def lookups(self) -> dict[str, Any]: ...


def options_model_of(factory: ConnectorFactory) -> type[BaseModel] | None:
    """Optional: the pydantic model of a connector's options, as `options_model` in the module
    that defines its factory; `okrsync.toml` is then validated with it before any run."""
    module = sys.modules.get(getattr(factory, "__module__", "") or "")
    model = getattr(module, "options_model", None) if module else None
    if isinstance(model, type) and issubclass(model, BaseModel):
        return model
    return None


ReviewPlace = Callable[[Mapping[str, Any]], "str | None"]


def review_place_of(factory: ConnectorFactory) -> ReviewPlace | None:
    """Optional: `review_place(options) -> str | None` in the module that defines a connector's
    factory names the place its review pages go to (e.g. "confluence:<site>:space:OKR"), or
    None when those options write no review pages. Two writers with the same place and the same
    title template would write the same page: `okrsync.collisions` refuses that config."""
    module = sys.modules.get(getattr(factory, "__module__", "") or "")
    place = getattr(module, "review_place", None) if module else None
    return place if callable(place) else None


def available_connectors() -> list[str]:
    """Names of every installed connector."""
    return sorted(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))


def load_connector(name: str) -> ConnectorFactory:
    """Load the factory registered under `name`; ConfigError naming the installed ones if absent."""
    for ep in entry_points(group=ENTRY_POINT_GROUP, name=name):
        factory = ep.load()
        if not callable(factory):
            raise ConfigError(f"connector {name!r}: entry point {ep.value} is not callable")
        return factory  # type: ignore[no-any-return]
    known = ", ".join(available_connectors()) or "none"
    raise ConfigError(
        f"unknown connector {name!r} (installed: {known})",
        hint="use one of the installed connector names, or install the package that provides it",
    )


def mapping_of(context: ConnectorContext) -> MappingFile:
    """The context's mapping with its real type (pydantic cannot hold the forward type)."""
    from okrsync.mapping.schema import Mapping as MappingFile

    if not isinstance(context.mapping, MappingFile):
        raise ConfigError(f"source {context.source!r}: no mapping loaded")
    return context.mapping
