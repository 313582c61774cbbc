"""The Confluence sandbox site these tests share: one emulator per test, on both deployments."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from okrsync_sandbox.confluence import ConfluenceSandbox

from .site import FakeClock, Site, build_site


@pytest.fixture(params=["cloud", "datacenter"])
def site(request: pytest.FixtureRequest) -> Iterator[Site]:
    clock = FakeClock()
    sandbox = ConfluenceSandbox(0, deployment=request.param, clock=clock)
    sandbox.start()
    try:
        yield build_site(sandbox, request.param, clock)
    finally:
        sandbox.stop()
