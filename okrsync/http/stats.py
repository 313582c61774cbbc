"""Request statistics the HTTP policy keeps, for run summaries, metrics and benchmarks."""

from __future__ import annotations

from pydantic import BaseModel


class RequestStats(BaseModel):
    """Counters of one client's requests (mutable on purpose: the policy updates them)."""

    requests: int = 0
    rate_limited: int = 0
    retries: int = 0
    errors: int = 0
    timeouts: int = 0
    too_large: int = 0
    waited_s: float = 0.0
    by_endpoint: dict[str, int] = {}

    def count(self, endpoint: str) -> None:
        """One request sent to `endpoint`."""
        self.requests += 1
        self.by_endpoint[endpoint] = self.by_endpoint.get(endpoint, 0) + 1
