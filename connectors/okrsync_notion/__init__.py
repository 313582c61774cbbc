"""okrsync's Notion connector (filled in by its issue)."""

from __future__ import annotations

from okrsync.connector import Connector, ConnectorContext
from okrsync.errors import ConfigError


def create(context: ConnectorContext) -> Connector:
    """Entry point for the okrsync.connectors group."""
    raise ConfigError(
        f"source {context.source!r}: the notion connector is not available in this build",
        hint="upgrade okrsync",
    )
