"""One request's bounds: a total deadline, a size cap, the stop event, and where it may go.

HTTP libraries time out per read, so a server dripping one byte a second never times out, and a
blocked read does not notice a SIGTERM. `run_guarded` therefore runs the request (the SDK call,
headers and body included) in a worker thread and waits for it in the calling thread, which
gives up at the request's total deadline (`TimedOut`) or as soon as the run's stop event is set
(`InterruptedRun`). The deadline is read on the attempt's `monotonic` clock (`time.monotonic`
unless a test injects one, so a timeout is decided without waiting for it). Giving up abandons
the attempt: its socket is shut down when the library exposes it, and the body reader stops at
its next chunk, so the worker ends soon after.

Inside the worker, the library adapters (`for_httpx`, `for_requests`) find the `Attempt` with
`current()` and

- count every body chunk against `max_bytes` (`TooLarge`, before the body grows past it);
- refuse a redirect to another origin (scheme, host or port) like a redirect to another host,
  and a redirect back to a URL this request already visited (`RedirectLoop`);
- note the first answer's `Date` header and round trip for the server-time cursor.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Final, TypeVar

from okrsync.errors import ConfigError, InterruptedRun, RedirectLoop, TimedOut, TooLarge

from .urls import Origin

T = TypeVar("T")
POLL_S: Final = 0.05
MIB: Final = 1024 * 1024

_local = threading.local()


class Abandoned(Exception):
    """Raised in a worker whose caller has already given up (never seen by anyone)."""


class Attempt:
    """The bounds and observations of one HTTP request (one try; a retry is a new Attempt)."""

    def __init__(
        self,
        what: str,
        *,
        origin: Origin,
        deadline_s: float,
        max_bytes: int,
        stop: threading.Event | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what = what
        self.origin = origin
        self.deadline_s = deadline_s
        self.max_bytes = max_bytes
        self.stop = stop
        self.monotonic = monotonic
        self.started = monotonic()
        self.deadline = self.started + deadline_s
        self.received = 0
        self.visited: set[str] = set()
        self.date: str | None = None
        self.round_trip: float | None = None
        self._abandoned = threading.Event()
        self._on_abandon: list[Callable[[], None]] = []

    # --- called by the adapters, in the worker -------------------------------------------

    def answered(self, url: str, date: str | None) -> None:
        """An answer (headers) arrived for `url`: note the first one's Date and round trip."""
        if self.round_trip is None:
            self.round_trip = self.monotonic() - self.started
            self.date = date
        self.visited.add(url)

    def redirect(self, target: str, origin: Origin) -> None:
        """Refuse a redirect that leaves the origin or returns to a URL already visited."""
        if origin != self.origin:
            raise ConfigError(
                f"{self.what}: {self.origin} redirected to another origin, {origin}; okrsync "
                "does not follow it",
                hint="set the URL to the site's own address (the one the browser ends up at); "
                "okrsync follows redirects only within the same scheme, host and port",
            )
        if target in self.visited:
            raise RedirectLoop(
                f"{self.what}: the server redirects in a loop (back to {target})",
                hint="a server or proxy misconfiguration; check the URL in a browser",
            )

    def expect_size(self, length: str | None) -> None:
        """Refuse at once an answer whose Content-Length is over the cap."""
        try:
            size = int(length) if length else 0
        except ValueError:
            return
        if size > self.max_bytes:
            raise self.too_large()

    def take(self, size: int) -> None:
        """A body chunk of `size` bytes arrived: enforce the cap, the deadline and a stop."""
        if self._abandoned.is_set():
            raise Abandoned
        self.received += size
        if self.received > self.max_bytes:
            raise self.too_large()
        if self.monotonic() > self.deadline:
            raise self.timed_out()
        if self.stop is not None and self.stop.is_set():
            raise self.interrupted()

    def on_abandon(self, action: Callable[[], None]) -> None:
        """Run `action` (e.g. shut the socket down) if the caller gives up on this attempt."""
        self._on_abandon.append(action)
        if self._abandoned.is_set():
            _quietly(action)

    # --- the errors ------------------------------------------------------------------------

    def too_large(self) -> TooLarge:
        limit = self.max_bytes / MIB
        return TooLarge(
            f"{self.what}: the answer is larger than {limit:g} MiB; okrsync stopped reading it",
            hint="raise max_response_mib for this source if its pages really are that large; "
            "otherwise the server or a proxy in between is misbehaving",
        )

    def timed_out(self) -> TimedOut:
        return TimedOut(
            f"{self.what}: no complete answer within {self.deadline_s:g} s",
            hint="the service or the network is slow; okrsync retries reads, and timeout_s "
            "sets the limit for one request (connect, headers and body)",
        )

    def interrupted(self) -> InterruptedRun:
        return InterruptedRun(f"stopped by a signal during {self.what}")

    # --- called by the caller ------------------------------------------------------------

    def abandon(self) -> None:
        self._abandoned.set()
        for action in self._on_abandon:
            _quietly(action)


def _quietly(action: Callable[[], None]) -> None:
    # best effort: the worker ends at its next chunk anyway
    with contextlib.suppress(Exception):
        action()


def current() -> Attempt | None:
    """The attempt the calling worker thread runs, or None outside `run_guarded`."""
    attempt: Attempt | None = getattr(_local, "attempt", None)
    return attempt


def run_guarded(send: Callable[[], T], attempt: Attempt) -> T:
    """`send()` within the attempt's deadline and the stop event (see the module text)."""
    outcome: list[tuple[bool, object]] = []
    done = threading.Event()

    def work() -> None:
        _local.attempt = attempt
        try:
            outcome.append((True, send()))
        except BaseException as exc:
            outcome.append((False, exc))
        finally:
            _local.attempt = None
            done.set()

    threading.Thread(target=work, name="okrsync-http", daemon=True).start()
    while not done.wait(max(0.0, min(POLL_S, attempt.deadline - attempt.monotonic()))):
        if attempt.stop is not None and attempt.stop.is_set():
            attempt.abandon()
            raise attempt.interrupted()
        if attempt.monotonic() >= attempt.deadline:
            attempt.abandon()
            raise attempt.timed_out()
    ok, value = outcome[0]
    if ok:
        return value  # type: ignore[return-value]
    assert isinstance(value, BaseException)
    raise value
