"""Shared test configuration.

Tests read only what is inside the repository: the recorded third-party data and our own
samples are under tests/fixtures/ (see tests/recorded.py and tests/test_self_contained.py).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Property tests: the same examples on every `make test` (a failure is reproducible and a
# clean clone never fails by chance); `make soak` explores fresh random examples instead.
# No timing: Hypothesis's per-example deadline (200 ms by default) and its "too slow" health
# check time the test on the wall clock, which the house rules keep out of tests (speed lives
# in benchmarks/). On a loaded machine one example of a 1 ms check was measured at 327 ms (a
# scheduling pause), failing the run as "unreliable timings" although every assertion held.
UNTIMED = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("deterministic", UNTIMED, derandomize=True, database=None)
settings.register_profile("explore", UNTIMED, derandomize=False, max_examples=500)
settings.load_profile(os.environ.get("OKRSYNC_HYPOTHESIS_PROFILE", "deterministic"))
