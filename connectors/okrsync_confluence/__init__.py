"""okrsync's Confluence connector: OKR pages in, review pages and outputs back.

`create(context)` is the factory registered under the `okrsync.connectors` entry point;
`options_model` lets `okrsync.config` validate `[sources.<name>.options]` before any network call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from okrsync.connector import ConnectorContext
from okrsync_confluence.options import ConfluenceOptions

if TYPE_CHECKING:
    from okrsync_confluence.connector import ConfluenceConnector

options_model = ConfluenceOptions


def review_place(options: Mapping[str, Any]) -> str | None:
    """Where review pages go: titles are unique per space, so the site and the space."""
    parsed = ConfluenceOptions.model_validate(dict(options))
    if not parsed.target_space:
        return None
    return f"confluence:{parsed.base_url}:space:{parsed.target_space}"


def create(context: ConnectorContext) -> ConfluenceConnector:
    """Entry point for the okrsync.connectors group: validate options, build the connector."""
    from okrsync_confluence.connector import ConfluenceConnector

    return ConfluenceConnector(context)
