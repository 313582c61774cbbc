"""The HTTP side every webhook receiver shares, on the emulator kit (`okrsync_sandbox.kit`).

A subclass says what a request means (`answer`); this base records it, injects the planned
fault first (429 with Retry-After, 5xx, a slow answer past the client's timeout, a reset
connection) and counts requests that come back before a Retry-After it sent ran out. The HTTP
server, fault draws, Retry-After header and early-retry watch are the kit's.

`hold()` keeps the next requests unanswered until the test releases them: a test decides what
happens while a send is in flight (a signal, a deadline on an injected clock) without racing
a slow answer against wall time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from okrsync.sandbox import FaultPlan, ReceivedMessage
from okrsync_sandbox.kit.clock import Clock
from okrsync_sandbox.kit.faults import FaultInjector
from okrsync_sandbox.kit.http_server import RESET, Incoming, LoopbackServer, Outgoing
from okrsync_sandbox.kit.rate import RetryWatch, retry_after_header

from .hold import Hold

MAX_BODY: Final = 1_000_000


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/plain; charset=utf-8"


class HttpReceiver:
    """Base of the Teams and Slack receivers (threaded HTTP on 127.0.0.1)."""

    name = "receiver"

    def __init__(self, *, monotonic: Clock = time.monotonic) -> None:
        self.monotonic = monotonic
        self.retry_watch = RetryWatch(monotonic)
        self._faults: FaultInjector | None = None
        self._plan: FaultPlan | None = None
        self._lock = threading.Lock()
        self._messages: list[ReceivedMessage] = []
        self._hold: Hold | None = None
        self.requests = 0
        self._http = LoopbackServer(
            self._respond, time.time, name=f"{self.name}-receiver", max_body=MAX_BODY
        )

    # lifecycle -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self._http.origin

    def start(self) -> None:
        self._http.start()

    def stop(self) -> None:
        if self._hold is not None:
            self._hold.release()  # a held handler would keep the server from closing
        self._http.stop()

    # faults and observation ------------------------------------------------------------

    def hold(self, on_arrival: Callable[[], None] | None = None) -> Hold:
        """Hold every request from now on until the returned `Hold` is released."""
        self._hold = Hold(on_arrival)
        return self._hold

    def set_faults(self, plan: FaultPlan | None) -> None:
        self._plan = plan
        self._faults = FaultInjector(plan) if plan is not None else None

    def received(self) -> list[ReceivedMessage]:
        with self._lock:
            return list(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()
            self.requests = 0
        self.retry_watch.reset()

    def keep(self, message: ReceivedMessage) -> None:
        with self._lock:
            self._messages.append(message)

    # the request -----------------------------------------------------------------------

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        raise NotImplementedError

    def fault_reply(self, method: str, path: str) -> Reply | None:
        """The planned fault for this request, if any (None: handle it normally)."""
        if self._faults is None or self._plan is None:
            return None
        kind = self._faults.draw(method, path)
        if kind is None:
            return None
        if kind == "429":
            seconds = self._plan.retry_after
            self.retry_watch.sent(seconds)
            return Reply(429, b"rate_limited", {"Retry-After": retry_after_header(seconds)})
        if kind == "slow":
            time.sleep(self._plan.slow_seconds)
            return None
        if kind == "reset":
            return Reply(0)
        if kind.isdigit():
            return Reply(int(kind), b"service_unavailable" if kind == "503" else b"error")
        return None

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        with self._lock:
            self.requests += 1
        self.retry_watch.arrived()
        if self._hold is not None:
            self._hold.enter()
        return self.fault_reply(method, path) or self.answer(method, path, headers, body)

    def _respond(self, incoming: Incoming) -> Outgoing:
        headers = {name.lower(): value for name, value in incoming.headers.items()}
        target = incoming.path + (f"?{incoming.query}" if incoming.query else "")
        reply = self.handle(incoming.method, target, headers, incoming.body)
        if reply.status == 0:
            return RESET
        content_type = reply.content_type if reply.body or reply.status != 202 else None
        return Outgoing(reply.status, reply.body, reply.headers, content_type)
