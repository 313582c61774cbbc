"""Every request an emulator answered, with counters per endpoint, status and fault.

The log is the authority the benchmarks and the reliability suite count requests with; an
entry is recorded before the answer goes out, so a client that has its answer always finds
its request in the log.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from okrsync.sandbox import RequestLogEntry


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[RequestLogEntry] = []
        self._by_endpoint: Counter[str] = Counter()
        self._by_status: Counter[int] = Counter()
        self._by_fault: Counter[str] = Counter()

    def record(
        self,
        at: float,
        method: str,
        path: str,
        endpoint: str,
        status: int,
        fault: str | None = None,
    ) -> None:
        """One answered request; `endpoint` is its route template (`GET /v1/pages/{id}`), status
        0 a reset connection, `fault` the injected fault or the emulator's own `rate_limit`."""
        with self._lock:
            self._entries.append(
                RequestLogEntry(at=at, method=method, path=path, status=status, fault=fault)
            )
            self._by_endpoint[endpoint] += 1
            self._by_status[status] += 1
            if fault is not None:
                self._by_fault[fault] += 1

    def entries(self) -> list[RequestLogEntry]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._by_endpoint.clear()
            self._by_status.clear()
            self._by_fault.clear()

    def stats(self) -> dict[str, Any]:
        """requests, by_endpoint, by_status, faults (injected ones and `rate_limit` 429s)."""
        with self._lock:
            return {
                "requests": len(self._entries),
                "by_endpoint": dict(self._by_endpoint),
                "by_status": dict(self._by_status),
                "faults": dict(self._by_fault),
            }
