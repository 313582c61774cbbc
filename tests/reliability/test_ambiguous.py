"""Item 4: ambiguous writes (applied by the server, then the connection drops), per write type.

For each kind of write okrsync makes, half of those requests are applied and then answered
with a dropped connection, so okrsync cannot know whether they happened. Runs repeat until
one succeeds; there must then be exactly one review page per cycle in each workspace, the
state must equal the oracle, and a regeneration (after people change values) must stay
single as well.
"""

from __future__ import annotations

from typing import Any

import pytest

from okrsync.errors import ExitCode
from okrsync.sandbox import FaultPlan
from tests.reliability.conftest import Rig, change_values, diff_keys

SOAK = pytest.mark.soak
ALLOWED = {int(ExitCode.OK), int(ExitCode.PARTIAL), int(ExitCode.TRANSIENT)}

# (source, method, path fragment): every write request type of a first sync and of a
# regeneration, from the emulators' request logs
WRITE_TYPES = [
    pytest.param("notion", "POST", "/v1/pages", id="notion-create-review-page"),
    pytest.param("confluence", "POST", "/api/v2/pages", id="confluence-create-review-page"),
    pytest.param("notion", "PATCH", "/v1/pages/", id="notion-page-outputs", marks=SOAK),
    pytest.param("notion", "PATCH", "/children", id="notion-append-blocks", marks=SOAK),
    pytest.param("notion", "PATCH", "/v1/blocks/", id="notion-update-block", marks=SOAK),
    pytest.param("notion", "DELETE", "/v1/blocks/", id="notion-delete-block", marks=SOAK),
    pytest.param("confluence", "PUT", "/api/v2/pages/", id="confluence-update-page", marks=SOAK),
    pytest.param("confluence", "POST", "/label", id="confluence-add-label", marks=SOAK),
    pytest.param("confluence", "POST", "/property", id="confluence-create-marker", marks=SOAK),
    pytest.param("confluence", "PUT", "/property", id="confluence-update-marker", marks=SOAK),
]


def converge(rig: Rig, runs: int = 6) -> list[int]:
    codes = []
    for _ in range(runs):
        summary = rig.sync()
        codes.append(summary.exit_code)
        assert summary.exit_code in ALLOWED, summary.errors
        if summary.exit_code == 0:
            return codes
    raise AssertionError(f"no run succeeded: {codes}")


@pytest.mark.parametrize(("source", "method", "path"), WRITE_TYPES)
def test_ambiguous_writes_leave_exactly_one_review_page_per_cycle(
    rig: Rig, oracle: dict[str, Any], figures: Any, source: str, method: str, path: str
) -> None:
    plan = FaultPlan(seed=4, rates={"applied_then_reset": 0.5}, methods=(method,), paths=(path,))
    rig.set_faults(plan, only=source)
    first = converge(rig)
    cycles = len(rig.workspace.cycles)
    assert rig.review_counts() == {"notion": cycles, "confluence": cycles}
    assert rig.duplicates() == {"notion": 0, "confluence": 0}
    assert diff_keys(rig.snapshot(), oracle) == []

    # people change values: review pages and some OKR pages are regenerated, still under faults
    change_values(rig, {"kr1": 49.0, "kr5": 41.0, "kr9": 12.0})
    second = converge(rig)
    faults = rig.faults()
    rig.set_faults(None)
    assert rig.review_counts() == {"notion": cycles, "confluence": cycles}
    assert rig.duplicates() == {"notion": 0, "confluence": 0}
    assert rig.sync().writes == 0
    assert faults.get("applied_then_reset", 0) > 0 or (source == "notion" and method == "DELETE")
    figures(
        faults=faults,
        requests=rig.requests(),
        outcome=f"runs {first} then {second} after a change; review pages {rig.review_counts()}, "
        "0 duplicates, oracle reached",
    )
