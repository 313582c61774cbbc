"""Holding a receiver's requests unanswered while a test acts on the send in flight.

A receiver's `hold()` returns a `Hold`; every request (HTTP) or DATA command (SMTP) from then on
waits in the server's thread until the test calls `release()` (or the receiver stops). A test
thus decides what happens while a message is in flight, a SIGTERM or a deadline on an injected
clock, without racing a slow answer against wall time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Hold:
    """Requests held unanswered: `arrived` is set when the first one is in, `on_arrival` runs
    then (e.g. moves the client's injected clock past its deadline); `release()` lets them be
    answered as usual (the receiver's `stop()` releases them too)."""

    def __init__(self, on_arrival: Callable[[], None] | None = None) -> None:
        self.arrived = threading.Event()
        self.on_arrival = on_arrival
        self._released = threading.Event()

    def enter(self) -> None:
        """Called in the server's thread for each held request: wait for the release."""
        if not self.arrived.is_set():
            self.arrived.set()
            if self.on_arrival is not None:
                self.on_arrival()
        self._released.wait()

    def release(self) -> None:
        self._released.set()
