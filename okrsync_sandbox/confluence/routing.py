"""The route table walk shared by the emulated REST v1 and v2.

Both APIs answer the same way when a path is unknown (404) or known under another method
(405), and turn a store error into their own error body; only the body shape and the 404
wording differ, so each passes its error builder and its 404 message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from .store import Store, StoreError
from .wire import Request, Response

Handler = Callable[[Request, Store, re.Match[str]], Response]
Route = tuple[str, re.Pattern[str], Handler]
ErrorBody = Callable[[int, str], Response]


def dispatch(
    request: Request,
    store: Store,
    routes: Sequence[Route],
    error: ErrorBody,
    not_found: str,
) -> Response:
    """Answer `request` with the first route whose pattern and method match it."""
    known_path = False
    for method, pattern, handler in routes:
        match = pattern.fullmatch(request.route)
        if match is None:
            continue
        known_path = True
        if method != request.method:
            continue
        try:
            return handler(request, store, match)
        except StoreError as exc:
            return error(exc.status, exc.message)
    if known_path:
        return error(405, f"Method {request.method} is not allowed on {request.path}")
    return error(404, not_found)
