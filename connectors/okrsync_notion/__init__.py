"""okrsync's Notion connector: OKR databases in, scores, health, warnings and reviews out.

`create(context)` is the factory registered under the `okrsync.connectors` entry point
`notion`. See docs/notion.md for connecting a real workspace.
"""

from __future__ import annotations

from okrsync.connector import ConnectorContext, mapping_of

from .client import NotionApi
from .connector import NotionConnector
from .options import NotionOptions, parse_options

__all__ = ["NotionConnector", "NotionOptions", "create", "options_model"]

options_model = NotionOptions
"""Lets `okrsync.config` validate `[sources.<name>.options]` before any network call."""


def create(context: ConnectorContext) -> NotionConnector:
    """Validate the options and build the connector; the token is read from the environment.

    A missing token is a ConfigError naming the variable to set, raised here as by every
    connector (the contract suite in okrsync.testing checks it).
    """
    options = parse_options(context.source, context.options)
    mapping = mapping_of(context)
    token = context.secret(options.token_env, what="Notion integration token")
    api = NotionApi(
        options,
        token.get_secret_value(),
        clock=context.clock,
        sleep=context.sleep,
        stop=context.stop,
    )
    return NotionConnector(context, options, mapping, api=api)
