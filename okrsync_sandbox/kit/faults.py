"""Seeded fault injection: which fault of an `okrsync.sandbox.FaultPlan` hits which request.

For each request the plan's `methods` and `paths` select, and that at least one fault kind
with a positive rate can apply to (the emulator's `eligible` rule, e.g. conflicts only on
writes), one number is drawn from a `random.Random(plan.seed)` (never the global generator)
and compared with the cumulative rates of those kinds in `FAULT_ORDER`. The same seed and the
same sequence of requests give the same faults. A plan with a `limit` stops after that many
faults (`limit=1`: exactly the first eligible request fails).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import Final

from okrsync.sandbox import FaultKind, FaultPlan

FAULT_ORDER: Final[tuple[FaultKind, ...]] = (
    "429",
    "500",
    "502",
    "503",
    "504",
    "slow",
    "reset",
    "conflict",
    "applied_then_reset",
    "human_edit",
    "invalid_cursor",
)

Eligibility = Callable[[FaultKind, str, str], bool]
"""Whether a fault kind can happen to a request at all: (kind, METHOD, path) -> bool."""


def any_request(kind: FaultKind, method: str, path: str) -> bool:
    """The default eligibility: every kind may hit every request."""
    return True


class FaultInjector:
    """Draws the fault (or none) for each request from a plan's seeded random stream."""

    def __init__(self, plan: FaultPlan, eligible: Eligibility = any_request) -> None:
        self.plan = plan
        self._eligible = eligible
        self._methods = {method.upper() for method in plan.methods}
        self._random = random.Random(plan.seed)
        self._lock = threading.Lock()
        self._drawn = 0

    def selects(self, method: str, path: str) -> bool:
        """Whether the plan's methods and path fragments select this request."""
        if self._methods and method.upper() not in self._methods:
            return False
        return not self.plan.paths or any(fragment in path for fragment in self.plan.paths)

    def draw(self, method: str, path: str) -> FaultKind | None:
        if not self.selects(method, path):
            return None
        kinds = [
            kind
            for kind in FAULT_ORDER
            if self.plan.rates.get(kind, 0.0) > 0 and self._eligible(kind, method.upper(), path)
        ]
        if not kinds:
            return None
        with self._lock:
            if self.plan.limit is not None and self._drawn >= self.plan.limit:
                return None
            roll = self._random.random()
            edge = 0.0
            for kind in kinds:
                edge += self.plan.rates[kind]
                if roll < edge:
                    self._drawn += 1
                    return kind
        return None
