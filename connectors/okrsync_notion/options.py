"""The Notion connector's options, as read from `[sources.<name>.options]` in okrsync.toml.

Validated once in `create()`, so a typo in a database name or a negative rate is reported before
any request is made. The token is never an option: `token_env` names the environment variable
that holds it (read through `ConnectorContext.secret`).
"""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator

from okrsync.connector import Collection
from okrsync.errors import ConfigError
from okrsync.http.policy import HttpOptions
from okrsync.http.urls import url_problem

DEFAULT_BASE_URL = "https://api.notion.com"
DEFAULT_NOTION_VERSION = "2025-09-03"

_ID = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)
_URL_ID = re.compile(r"([0-9a-fA-F]{32})(?:[?#].*)?$")


def normalise_id(value: str) -> str | None:
    """The dashed form of a Notion id given as an id, a dash-less id or a notion.so URL.

    Returns None when `value` is not an id (then it is a title to look up).
    """
    text = value.strip()
    if _ID.match(text):
        raw = text.replace("-", "").lower()
    else:
        found = _URL_ID.search(text)
        if not found or not text.startswith(("http://", "https://")):
            return None
        raw = found.group(1).lower()
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"


class NotionOptions(HttpOptions):
    """Where the Notion workspace is and how hard okrsync may talk to it."""

    base_url: str = Field(
        default=DEFAULT_BASE_URL, description="API root; the sandbox emulator sets its own."
    )
    token_env: str = Field(
        default="NOTION_TOKEN",
        description="Environment variable holding the integration token (secret_... / ntn_...).",
    )
    notion_version: str = Field(default=DEFAULT_NOTION_VERSION, description="Notion-Version.")
    databases: dict[Collection, str] = Field(
        default={},
        description="Collection -> database id, notion.so URL or exact title. Overrides the "
        "mapping's `source`. Several collections may name the same database.",
    )
    data_sources: dict[Collection, str] = Field(
        default={},
        description="Collection -> data source name or id, for databases with several data "
        "sources.",
    )
    review_parent: str | None = Field(
        default=None, description="Page id (or URL) under which review pages are kept."
    )
    requests_per_second: float | None = Field(
        default=3.0,
        gt=0,
        allow_inf_nan=False,
        description="Client-side average rate; Notion allows about 3.",
    )
    verify_before_write: bool = Field(
        default=False,
        description="Read a page again right before writing its outputs and skip the write when "
        "they already match (answers 'unchanged'). Off by default: `okrsync sync` plans a write "
        "only for a page whose outputs, pulled in the same run, differ from the planned ones, so "
        "the read would double a first sync's requests to learn what the pull already said.",
    )
    full_refresh_every: int | None = Field(
        default=24, ge=1, description="Do a full re-read every N runs (catches deletions)."
    )
    full_refresh_after: float | None = Field(
        default=24.0,
        gt=0,
        description="Do a full re-read when the last one is this many hours old.",
    )

    @field_validator("base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        problem = url_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value.rstrip("/")

    @field_validator("review_parent")
    @classmethod
    def _page_id(cls, value: str | None) -> str | None:
        if value is None:
            return None
        normalised = normalise_id(value)
        if normalised is None:
            raise ValueError(
                f"review_parent must be a page id or notion.so page URL (got {value!r}); open the "
                "page in Notion, ••• > Copy link, and paste the link"
            )
        return normalised

    def full_refresh_due(
        self, *, runs_since_full: int, last_full: datetime | None, now: datetime
    ) -> bool:
        """Whether the next pull should ignore the cursor and re-read everything.

        Incremental queries never return trashed pages, so only a full read notices deletions;
        the engine asks this before each run and passes `since=None` when it says yes.
        """
        if last_full is None:
            return True
        if self.full_refresh_every is not None and runs_since_full >= self.full_refresh_every:
            return True
        return self.full_refresh_after is not None and now - last_full >= timedelta(
            hours=self.full_refresh_after
        )


NOTION_API_HOSTS: Final = frozenset({"api.notion.com"})


def unknown_host(base_url: str) -> str | None:
    """The host of `base_url` when it is neither Notion's API nor loopback (the sandbox).

    The integration token goes to whatever host base_url names, so a typo or a planted
    config (`api.notion.com.example.net`) would hand it to someone else.
    """
    host = (urlsplit(base_url).hostname or "").lower()
    if host in NOTION_API_HOSTS or host == "localhost":
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass
    return host


def parse_options(source: str, raw: dict[str, Any]) -> NotionOptions:
    """Validate raw options, reporting every problem at once as a ConfigError.

    Beyond the model, the base URL must point at api.notion.com (or a loopback sandbox).
    """
    try:
        options = NotionOptions.model_validate(raw)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in err['loc']) or '(options)'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise ConfigError(
            f"source {source!r}: invalid notion options",
            problems=problems,
            hint="fix the listed keys under [sources." + source + ".options] in okrsync.toml",
        ) from exc
    host = unknown_host(options.base_url)
    if host is not None:
        raise ConfigError(
            f"source {source!r}: invalid notion options",
            problems=[f"base_url: {options.base_url!r} is not Notion's API (host {host!r})"],
            hint="remove base_url (it defaults to https://api.notion.com); only loopback "
            "sandboxes may use another host",
        )
    return options
