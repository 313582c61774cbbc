"""The e2e files' shared fixtures (see tests/e2e/played_demo.py)."""

from __future__ import annotations

import pytest

from tests.e2e.played_demo import PlayedDemo, shared_played_demo


@pytest.fixture(scope="session")
def played_demo(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> PlayedDemo:
    """The English demo, played once for all workers (read it; copy it to change anything)."""
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        shared = shared.parent  # the session's folder, above every worker's own
    return shared_played_demo(shared)
