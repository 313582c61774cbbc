"""Shared test configuration.

Tests read only what is inside the repository: the recorded third-party data and our own
samples are under tests/fixtures/ (see tests/recorded.py and tests/test_self_contained.py).
"""

from __future__ import annotations
