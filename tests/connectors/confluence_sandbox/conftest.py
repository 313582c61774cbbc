"""Fixtures for the Confluence sandbox contract tests: started emulators and real clients."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from okrsync_sandbox.confluence import ConfluenceSandbox
from okrsync_sandbox.confluence.wire import Deployment

CONFLUENCE_FIXTURES = (
    Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "confluence"
)


def started(deployment: Deployment) -> Iterator[ConfluenceSandbox]:
    """A started emulator of `deployment`, with an empty space OKR and its home page."""
    box = ConfluenceSandbox(deployment=deployment)
    box.start()
    box.create_space("OKR", "OKRs")
    yield box
    box.stop()


@pytest.fixture(params=["cloud", "datacenter"])
def sandbox(request: pytest.FixtureRequest) -> Iterator[ConfluenceSandbox]:
    """A started emulator of each deployment, with an empty space OKR and its home page."""
    yield from started(request.param)


@pytest.fixture
def cloud() -> Iterator[ConfluenceSandbox]:
    yield from started("cloud")


@pytest.fixture
def datacenter() -> Iterator[ConfluenceSandbox]:
    yield from started("datacenter")


@pytest.fixture
def confluence_fixtures() -> Path:
    if not CONFLUENCE_FIXTURES.is_dir():
        raise RuntimeError(
            f"{CONFLUENCE_FIXTURES} is missing: clone with shared/ beside the project"
        )
    return CONFLUENCE_FIXTURES
