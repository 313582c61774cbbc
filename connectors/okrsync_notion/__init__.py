"""okrsync's Notion connector: OKR databases in, scores, health, warnings and reviews out.

`create(context)` is the factory registered under the `okrsync.connectors` entry point
`notion`. See docs/notion.md for connecting a real workspace.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from okrsync.connector import ConnectorContext, mapping_of

from .client import NotionApi
from .connector import NotionConnector
from .options import NotionOptions, parse_options

__all__ = ["NotionConnector", "NotionOptions", "create", "options_model", "review_place"]

options_model = NotionOptions
"""Lets `okrsync.config` validate `[sources.<name>.options]` before any network call."""


def review_place(options: Mapping[str, Any]) -> str | None:
    """Where review pages go: under the review parent page."""
    parsed = NotionOptions.model_validate(dict(options))
    if not parsed.review_parent:
        return None
    return f"notion:{parsed.base_url}:parent:{parsed.review_parent}"


def create(context: ConnectorContext) -> NotionConnector:
    """Validate the options and build the connector; the token is read from the environment.

    A missing token is a ConfigError naming the variable to set, raised here as by every
    connector (the contract suite in okrsync.testing checks it).
    """
    options = parse_options(context.source, context.options)
    # A review destination (writeback without pages) has no mapping and reads nothing.
    destination = context.mapping is None and not context.writeback.pages
    mapping = None if destination else mapping_of(context)
    token = context.secret(options.token_env, what="Notion integration token")
    api = NotionApi(
        options,
        token.get_secret_value(),
        clock=context.clock,
        sleep=context.sleep,
        stop=context.stop,
        log=context.log,
    )
    return NotionConnector(context, options, mapping, api=api)
