"""Fixtures for the Notion connector tests: a sandbox on loopback with a shared fake clock.

The emulator's page timestamps, its rate limiter and the connector's throttle and retry sleeps
all read one `ManualClock` (the emulator kit's), so rate limits and Retry-After are exercised
without real waiting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from okrsync_notion import NotionConnector, create

from okrsync.connector import ConnectorContext, Writeback
from okrsync.mapping.loader import load_mapping, parse_mapping
from okrsync.mapping.schema import Mapping as MappingFile
from okrsync_sandbox.kit.clock import ManualClock
from okrsync_sandbox.notion import NotionSandbox

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE_MAPPING = ROOT / "mappings" / "notion-okr-template.yaml"
TOKEN = "secret_sandbox_token"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2025, 8, 1, 10, 0, 0, tzinfo=UTC))


@pytest.fixture
def sandbox(clock: ManualClock) -> Iterator[NotionSandbox]:
    box = NotionSandbox(token=TOKEN, clock=clock, seed=7)
    box.start()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture
def template_mapping() -> MappingFile:
    return load_mapping(TEMPLATE_MAPPING)


def mapping_from(text: str) -> MappingFile:
    return parse_mapping(text, source="<test mapping>")


ConnectorFactory = Callable[..., NotionConnector]


@pytest.fixture
def make_connector(sandbox: NotionSandbox, clock: ManualClock) -> Iterator[ConnectorFactory]:
    """Build a connector against the sandbox; closes every one it built."""
    built: list[NotionConnector] = []

    def factory(
        mapping: MappingFile,
        *,
        writeback: Writeback | None = None,
        env: dict[str, str] | None = None,
        language: str = "en",
        **options: Any,
    ) -> NotionConnector:
        opts: dict[str, Any] = {
            "base_url": sandbox.base_url,
            "token_env": "NOTION_TEST_TOKEN",
            "requests_per_second": 1000.0,
            "timeout_s": 10.0,
            **options,
        }
        context = ConnectorContext(
            source="okrs",
            options=opts,
            mapping=mapping,
            writeback=writeback or Writeback(),
            language=language,
            env=env if env is not None else {"NOTION_TEST_TOKEN": TOKEN},
            clock=clock.now,
            sleep=clock.sleep,
        )
        connector = create(context)
        built.append(connector)
        return connector

    yield factory
    for connector in built:
        connector.close()
