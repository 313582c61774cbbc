"""The HTTP policy's bounds on a `requests.Session` (the Confluence SDK's transport).

`guard_session` installs a response hook that, for each answer inside `run_guarded`, notes its
Date, refuses other-origin redirects and loops (requests would follow them, only dropping the
Authorization header), and replaces the body reader by one that enforces the size cap, the
deadline and the stop event chunk by chunk. requests hooks run before the body is read, so an
endless body is cut at the cap. `transport_error` names requests' own failures in okrsync's
terms.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final
from urllib.parse import urljoin

import requests
import urllib3

from okrsync.errors import (
    ConnectionLost,
    OkrsyncError,
    RedirectLoop,
    TimedOut,
    UnexpectedAnswer,
)

from .guard import Attempt, current
from .urls import urllib3_origin

MAX_REDIRECTS: Final = 5
CHUNK: Final = 64 * 1024


class _BoundedRaw:
    """The urllib3 response, read one network read at a time with the attempt's bounds."""

    def __init__(self, raw: urllib3.BaseHTTPResponse, attempt: Attempt) -> None:
        self._raw = raw
        self._attempt = attempt

    def stream(self, amt: int = CHUNK, decode_content: bool | None = None) -> Iterator[bytes]:
        while True:
            data = self._raw.read1(amt, decode_content=decode_content)
            if not data:
                return
            self._attempt.take(len(data))
            yield data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def _on_response(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
    attempt = current()
    if attempt is None:
        return response
    raw = response.raw
    if isinstance(raw, urllib3.BaseHTTPResponse):
        attempt.on_abandon(raw.shutdown)
    attempt.answered(response.url, response.headers.get("Date"))
    if response.is_redirect:
        target = urljoin(response.url, response.headers.get("location", ""))
        attempt.redirect(target, urllib3_origin(target))
    attempt.expect_size(response.headers.get("Content-Length"))
    if isinstance(raw, urllib3.BaseHTTPResponse):
        response.raw = _BoundedRaw(raw, attempt)
    return response


def guard_session(session: requests.Session) -> requests.Session:
    """`session`, bounded by the policy for every request made inside `run_guarded`."""
    session.max_redirects = MAX_REDIRECTS
    session.hooks["response"].append(_on_response)
    return session


def transport_error(exc: BaseException, what: str) -> OkrsyncError | None:
    """okrsync's error for a requests failure, or None when `exc` is not one."""
    if isinstance(exc, requests.TooManyRedirects):
        return RedirectLoop(f"{what}: more than {MAX_REDIRECTS} redirects")
    if isinstance(exc, requests.Timeout):
        return TimedOut(f"{what}: timed out ({type(exc).__name__})")
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return UnexpectedAnswer(f"{what}: the answer could not be decoded")
    if isinstance(exc, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
        return ConnectionLost(f"{what}: connection lost ({type(exc).__name__})")
    return None
