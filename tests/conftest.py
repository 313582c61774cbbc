"""Shared test configuration.

Tests read only what is inside the repository: the recorded third-party data and our own
samples are under tests/fixtures/ (see tests/recorded.py and tests/test_self_contained.py).
"""

from __future__ import annotations

import os

from hypothesis import settings

# Property tests: the same examples on every `make test` (a failure is reproducible and a
# clean clone never fails by chance); `make soak` explores fresh random examples instead.
settings.register_profile("deterministic", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False, max_examples=500)
settings.load_profile(os.environ.get("OKRSYNC_HYPOTHESIS_PROFILE", "deterministic"))
