"""What every emulator shares: the `okrsync.sandbox.Sandbox` plumbing around a vendor's routes.

A vendor emulator subclasses `Emulator` and supplies `respond` (its request pipeline: auth,
rate limit, faults, routes, in the vendor's order), `set_rate_limit`, `fault_eligible` when a
fault kind only fits some requests, its store's JSON (`state`/`restore`), `seed` and
`render_html`. Lifecycle, fault plans, the request log, counters, the early-retry watch, the
clock and state files are here once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

from okrsync.model import Workspace
from okrsync.sandbox import FaultKind, FaultPlan, RequestLogEntry, SeedResult

from .clock import Clock, system_clock
from .faults import FaultInjector
from .http_server import Incoming, LoopbackServer, Outgoing, Responder
from .rate import RetryWatch
from .request_log import RequestLog
from .state import load_state, save_state

Interceptor = Callable[[Incoming, Responder], Outgoing]
"""Sees each request before the emulator does: answer it itself, or pass it on (`respond`)
and do something around the answer (hold it, count it). Reliability tests use this to stop a
write at an exact moment."""


class Emulator(ABC):
    """A local vendor API on loopback; implements `okrsync.sandbox.Sandbox`."""

    name: str
    language: str = "en"
    """The language the seeded people write their own words in (on Confluence, the headings of
    their Check-ins table); the demo sets its own."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        port: int = 0,
        host: str = "127.0.0.1",
        server_name: str = "okrsync-sandbox",
    ) -> None:
        self._clock: Clock = clock or system_clock
        self.log = RequestLog()
        self.retry_watch = RetryWatch(self.clock)
        self.faults: FaultInjector | None = None
        self.interceptor: Interceptor | None = None
        self.http = LoopbackServer(self._serve, self.clock, port=port, host=host, name=server_name)

    # time -------------------------------------------------------------------------------

    def clock(self) -> float:
        """The emulator's time (epoch seconds): timestamps, `Date`, rate limit, Retry-After."""
        return self._clock()

    def set_clock(self, clock: Clock) -> None:
        """Read time from `clock` from now on (everything that reads time follows)."""
        self._clock = clock

    # lifecycle ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT; the port is bound on first use, so it is valid before start."""
        return self.http.origin

    def start(self) -> None:
        """Start serving in a background thread (idempotent)."""
        self.http.start()

    def stop(self) -> None:
        self.http.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # faults and limits -------------------------------------------------------------------

    def set_faults(self, plan: FaultPlan | None) -> None:
        self.faults = FaultInjector(plan, self.fault_eligible) if plan is not None else None

    def fault_eligible(self, kind: FaultKind, method: str, path: str) -> bool:
        """Whether a fault of `kind` can hit this request at all (default: every request)."""
        return True

    def draw_fault(self, method: str, path: str) -> FaultKind | None:
        return self.faults.draw(method, path) if self.faults is not None else None

    @property
    def fault_plan(self) -> FaultPlan:
        return self.faults.plan if self.faults is not None else FaultPlan()

    @abstractmethod
    def set_rate_limit(self, requests_per_second: float | None) -> None: ...

    # observation -------------------------------------------------------------------------

    def request_log(self) -> list[RequestLogEntry]:
        return self.log.entries()

    def reset_log(self) -> None:
        """Forget logged requests, counters and the early-retry count."""
        self.log.clear()
        self.retry_watch.reset()

    def stats(self) -> dict[str, Any]:
        """requests, by_endpoint, by_status, faults; rate_limited (429s of the emulator's own
        rate limit) and early_retries (requests sent before a Retry-After ran out)."""
        data = self.log.stats()
        data["rate_limited"] = data["faults"].get("rate_limit", 0)
        data["early_retries"] = self.retry_watch.early_retries
        return data

    # requests ----------------------------------------------------------------------------

    def set_interceptor(self, interceptor: Interceptor | None) -> None:
        self.interceptor = interceptor

    def _serve(self, incoming: Incoming) -> Outgoing:
        interceptor = self.interceptor
        if interceptor is not None:
            return interceptor(incoming, self.respond)
        return self.respond(incoming)

    @abstractmethod
    def respond(self, incoming: Incoming) -> Outgoing:
        """Answer one request (called on a server thread); log it before returning."""

    # state -------------------------------------------------------------------------------

    @abstractmethod
    def state(self) -> dict[str, Any]:
        """The whole stored state as JSON-ready data."""

    @abstractmethod
    def restore(self, state: dict[str, Any]) -> None:
        """Replace the stored state with one `state()` produced."""

    def save(self, path: Path) -> None:
        """Write the emulator's whole state as JSON."""
        save_state(path, self.state())

    def load(self, path: Path) -> None:
        self.restore(load_state(path))

    @abstractmethod
    def seed(self, workspace: Workspace) -> SeedResult: ...

    @abstractmethod
    def render_html(self) -> dict[str, str]: ...
