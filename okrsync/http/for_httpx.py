"""The HTTP policy's bounds on an `httpx.Client` (the Notion SDK's transport).

`guard_client` makes the client follow redirects only within the origin, and installs a response
hook that, for each answer inside `run_guarded`, notes its Date, refuses other-origin redirects
and loops, and replaces the body stream by one that enforces the size cap, the deadline and the
stop event chunk by chunk. `transport_error` names httpx's own failures in okrsync's terms.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Final

import httpx

from okrsync.errors import (
    ConnectionLost,
    OkrsyncError,
    RedirectLoop,
    TimedOut,
    UnexpectedAnswer,
)

from .guard import Attempt, current
from .urls import httpx_origin

MAX_REDIRECTS: Final = 5


class _BoundedStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, attempt: Attempt) -> None:
        self._inner = inner
        self._attempt = attempt

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            self._attempt.take(len(chunk))
            yield chunk

    def close(self) -> None:
        self._inner.close()


def _shutdown(response: httpx.Response) -> None:
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if isinstance(sock, socket.socket):
        sock.shutdown(socket.SHUT_RDWR)


def _on_response(response: httpx.Response) -> None:
    attempt = current()
    if attempt is None:
        return
    attempt.on_abandon(lambda: _shutdown(response))
    attempt.answered(str(response.request.url), response.headers.get("date"))
    if response.has_redirect_location:
        target = response.request.url.join(response.headers["location"])
        attempt.redirect(str(target), httpx_origin(target))
    attempt.expect_size(response.headers.get("content-length"))
    if isinstance(response.stream, httpx.SyncByteStream):
        response.stream = _BoundedStream(response.stream, attempt)


def guard_client(client: httpx.Client) -> httpx.Client:
    """`client`, bounded by the policy for every request made inside `run_guarded`."""
    client.follow_redirects = True
    client.max_redirects = MAX_REDIRECTS
    hooks = client.event_hooks
    client.event_hooks = {**hooks, "response": [*hooks.get("response", []), _on_response]}
    return client


def transport_error(exc: BaseException, what: str) -> OkrsyncError | None:
    """okrsync's error for an httpx failure, or None when `exc` is not one."""
    if isinstance(exc, httpx.TooManyRedirects):
        return RedirectLoop(f"{what}: more than {MAX_REDIRECTS} redirects")
    if isinstance(exc, httpx.TimeoutException):
        return TimedOut(f"{what}: timed out ({type(exc).__name__})")
    if isinstance(exc, httpx.DecodingError):
        return UnexpectedAnswer(f"{what}: the answer could not be decoded ({exc})")
    if isinstance(exc, httpx.TransportError):
        return ConnectionLost(f"{what}: connection failed ({type(exc).__name__})")
    return None
