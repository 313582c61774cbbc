"""Fixtures for the Confluence sandbox contract tests: started emulators and real clients."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from okrsync_sandbox.confluence import ConfluenceSandbox
from okrsync_sandbox.confluence.wire import Deployment


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
