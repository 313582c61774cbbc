"""Seeded fault injection, the optional rate limit, and the request log with its counters.

Faults follow an `okrsync.sandbox.FaultPlan`: for each eligible request one number is drawn
from a `random.Random(plan.seed)` and compared with the cumulative rates of the fault kinds
that can apply to that request, so the same seed and the same sequence of requests give the
same faults. Eligibility per kind:

- `conflict` and `applied_then_reset` apply to writes only (POST, PUT, DELETE);
- `human_edit` applies to reads and updates of one page (v1 `content/{id}`, v2 `pages/{id}`);
- every other kind applies to any request the plan's `methods` and `paths` select.

The rate limit is a token bucket refilled at `requests_per_second` (burst of one second's
worth); on Data Center every answer then carries `X-RateLimit-*` headers, as Data Center's
own rate limiting sends them. A 429 carries `Retry-After`; a request that arrives before
a Retry-After it was given has expired is an *early retry*: it is counted in
`stats()["early_retries"]` and, like Confluence, waits longer (the next Retry-After doubles,
up to 60 s).
"""

from __future__ import annotations

import math
import random
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Final

from okrsync.sandbox import FaultKind, FaultPlan, RequestLogEntry

from .store import Clock

WRITE_METHODS: Final = frozenset({"POST", "PUT", "DELETE"})
PAGE_PATH: Final = re.compile(r"/(?:rest/api/content|api/v2/pages)/\d+$")
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
)
MAX_PENALTY_SECONDS: Final = 60.0


def eligible(kind: FaultKind, method: str, path: str) -> bool:
    """Whether a fault of this kind can happen to this request at all."""
    if kind in ("conflict", "applied_then_reset"):
        return method in WRITE_METHODS
    if kind == "human_edit":
        return method in ("GET", "PUT") and PAGE_PATH.search(path) is not None
    return True


class FaultInjector:
    """Draws the fault (or none) for each request from a plan's seeded random stream."""

    def __init__(self, plan: FaultPlan) -> None:
        self.plan = plan
        self._random = random.Random(plan.seed)
        self._lock = threading.Lock()

    def draw(self, method: str, path: str) -> FaultKind | None:
        plan = self.plan
        if plan.methods and method not in plan.methods:
            return None
        if plan.paths and not any(fragment in path for fragment in plan.paths):
            return None
        kinds = [k for k in FAULT_ORDER if plan.rates.get(k, 0.0) > 0 and eligible(k, method, path)]
        if not kinds:
            return None
        with self._lock:
            roll = self._random.random()
        edge = 0.0
        for kind in kinds:
            edge += plan.rates[kind]
            if roll < edge:
                return kind
        return None


@dataclass
class RateLimiter:
    """A token bucket with Confluence-like punishment of early retries."""

    requests_per_second: float
    clock: Clock
    tokens: float = 0.0
    updated: float = 0.0
    blocked_until: float = 0.0
    penalty: float = 0.0
    early_retries: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.tokens = self.capacity
        self.updated = self.clock()

    @property
    def capacity(self) -> float:
        return max(1.0, self.requests_per_second)

    def admit(self) -> float | None:
        """None when the request may proceed, else the Retry-After to send (seconds)."""
        with self._lock:
            now = self.clock()
            self.tokens = min(
                self.capacity, self.tokens + (now - self.updated) * self.requests_per_second
            )
            self.updated = now
            if now < self.blocked_until:
                self.early_retries += 1
                self.penalty = min(MAX_PENALTY_SECONDS, max(self.penalty, 1.0) * 2)
                wait = max(self.blocked_until - now, self.penalty)
                self.blocked_until = now + wait
                return wait
            if self.tokens >= 1.0:
                self.tokens -= 1.0
                self.penalty = 0.0
                return None
            wait = (1.0 - self.tokens) / self.requests_per_second
            self.blocked_until = now + wait
            return wait

    def headers(self) -> dict[str, str]:
        """Data Center's rate-limit headers, describing the bucket after this request."""
        with self._lock:
            return {
                "X-RateLimit-Limit": str(int(self.capacity)),
                "X-RateLimit-Remaining": str(max(0, math.floor(self.tokens))),
                "X-RateLimit-Interval-Seconds": "1",
                "X-RateLimit-FillRate": f"{self.requests_per_second:g}",
            }


def retry_after_header(seconds: float) -> str:
    """Retry-After as Confluence sends it: whole seconds, or decimals when below one second.

    Sub-second values exist so fast tests need not sleep whole seconds; clients that parse
    the header as a number (atlassian-python-api, okrsync) read both forms.
    """
    if seconds >= 1.0:
        return str(math.ceil(seconds))
    return f"{math.ceil(seconds * 1000) / 1000:.3f}"


def endpoint_of(path: str) -> str:
    """The route template of a path: numeric ids and keys after `property/` become `{id}`."""
    templated = re.sub(r"/\d+(?=/|$)", "/{id}", path)
    templated = re.sub(r"(/property)/[^/]+", r"\1/{key}", templated)
    templated = re.sub(r"(/label)/[^/]+", r"\1/{name}", templated)
    return re.sub(r"(/rest/api/space)/[^/]+", r"\1/{key}", templated)


class RequestLog:
    """Every answered request, plus counters per endpoint, status and fault."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.entries: list[RequestLogEntry] = []
        self.by_endpoint: Counter[str] = Counter()
        self.by_status: Counter[int] = Counter()
        self.by_fault: Counter[str] = Counter()

    def record(
        self, at: float, method: str, path: str, status: int, fault: str | None = None
    ) -> None:
        with self._lock:
            self.entries.append(
                RequestLogEntry(at=at, method=method, path=path, status=status, fault=fault)
            )
            self.by_endpoint[f"{method} {endpoint_of(path)}"] += 1
            self.by_status[status] += 1
            if fault is not None:
                self.by_fault[fault] += 1

    def snapshot(self) -> list[RequestLogEntry]:
        with self._lock:
            return list(self.entries)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": len(self.entries),
                "by_endpoint": dict(self.by_endpoint),
                "by_status": dict(self.by_status),
                "faults": dict(self.by_fault),
            }
