"""Shared test configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_FIXTURES = ROOT.parent / "shared" / "fixtures"


@pytest.fixture
def shared_fixtures() -> Path:
    """The third-party recorded fixtures beside the project (read-only)."""
    if not SHARED_FIXTURES.is_dir():
        raise RuntimeError(f"{SHARED_FIXTURES} is missing: clone with shared/ beside the project")
    return SHARED_FIXTURES
