"""The Confluence connector's options, as given under `[sources.<name>]` in okrsync.toml.

Validated once at the edge so every later stage can trust them; credentials are never held here,
only the names of the environment variables that hold them (read through ConnectorContext).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from okrsync.errors import ConfigError
from okrsync.http.policy import HttpOptions
from okrsync.http.urls import url_problem
from okrsync.model import Frozen

Deployment = Literal["cloud", "datacenter"]


class ObjectivesLocator(Frozen):
    """Where the objective pages are: exactly one of a CQL query, a parent page or a label."""

    cql: str | None = Field(default=None, description="A CQL query selecting the pages.")
    parent: str | None = Field(default=None, description="Page id whose children are objectives.")
    label: str | None = Field(default=None, description="A label every objective page carries.")

    @model_validator(mode="after")
    def _exactly_one(self) -> ObjectivesLocator:
        given = [n for n in ("cql", "parent", "label") if getattr(self, n)]
        if len(given) != 1:
            raise ValueError(
                "objectives: give exactly one of cql, parent or label "
                f"(got {', '.join(given) or 'none'})"
            )
        return self


class ConfluenceOptions(HttpOptions):
    """Everything the connector needs to reach a site and find the OKR pages."""

    url: str = Field(
        description="Site URL: https://example.atlassian.net/wiki (Cloud) or the Data Center base."
    )
    deployment: Deployment = "cloud"
    username_env: str | None = Field(
        default=None, description="Env var holding the account email (Cloud basic auth)."
    )
    token_env: str = Field(
        description="Env var holding the API token (Cloud) or personal access token (Data Center)."
    )
    space: str | None = Field(default=None, description="Space key the OKR pages live in.")
    objectives: ObjectivesLocator = ObjectivesLocator(label="okr")
    key_results: Literal["table", "child_pages", "auto"] = Field(
        default="table",
        description="Where an objective keeps its key results: rows of a table on its page, "
        "its child pages (each with Page Properties), or `auto`: the table where the page has "
        "one, else its child pages that hold Page Properties (one wiki, both layouts).",
    )
    review_parent: str | None = Field(default=None, description="Page id review pages go under.")
    review_space: str | None = Field(
        default=None, description="Space key of the review pages (default: `space`)."
    )
    managed_properties: bool = Field(
        default=False, description="Keep a managed Page Properties macro on each OKR page."
    )
    max_conflict_retries: int = Field(default=5, ge=0, le=20)
    page_size: int = Field(default=250, ge=1, le=250)

    @model_validator(mode="after")
    def _consistent(self) -> ConfluenceOptions:
        problem = url_problem(self.url)
        if problem is not None:
            raise ValueError(problem)
        if self.deployment == "cloud" and not self.username_env:
            raise ValueError(
                "cloud needs username_env (the variable holding the account email) "
                "next to token_env (the variable holding the API token)"
            )
        return self

    @property
    def base_url(self) -> str:
        """The URL without a trailing slash."""
        return self.url.rstrip("/")

    @property
    def target_space(self) -> str | None:
        """The space review pages are written to."""
        return self.review_space or self.space


def parse_options(source: str, raw: dict[str, Any]) -> ConfluenceOptions:
    """Validate raw options, reporting every problem at once as a ConfigError."""
    try:
        return ConfluenceOptions.model_validate(raw)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in err['loc']) or 'options'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise ConfigError(
            f"source {source!r}: invalid confluence options",
            hint="fix the options under [sources." + source + "] in okrsync.toml "
            "(see docs/confluence.md)",
            problems=problems,
        ) from None
