"""The server's clock, from HTTP `Date` headers: where an incremental pull's cursor comes from.

A vendor's `Date` comes from the clock that stamps its edit times; this machine's clock may run
ahead of it, so a cursor taken locally could skip an edit made in the gap. `ServerTime` keeps
the `Date` of the first answer after `mark()` less that request's round trip: no later than the
moment the server began to handle the request, on the server's clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime


def http_date(value: str | None) -> datetime | None:
    """An HTTP date (`Sat, 21 Nov 2026 19:48:41 GMT`) as an aware UTC datetime, or None."""
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # "-0000": UTC by RFC 5322
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def retry_after_seconds(value: str | None, *, date: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header: a number, or an HTTP date.

    A date is measured against the answer's own `Date` when it has one (both from the server's
    clock), else against `now`.
    """
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    when = http_date(value)
    if when is None:
        return None
    base = http_date(date) or now
    return max(0.0, (when - base).total_seconds())


class ServerTime:
    """`mark()`, then `seen(date, round_trip)` per answer; `mark_time` is the first one's time."""

    def __init__(self) -> None:
        self._armed = False
        self._less_round_trip = True
        self.mark_time: datetime | None = None

    def mark(self, *, less_round_trip: bool = True) -> None:
        """Take the server's time from the next answer (any status); None when it has no Date.

        `less_round_trip=False` keeps the `Date` as sent, for a reader whose incremental query
        overlaps the cursor by more than any round trip anyway.
        """
        self._armed = True
        self._less_round_trip = less_round_trip
        self.mark_time = None

    def seen(self, date: str | None, round_trip: float) -> None:
        """An answer arrived with this `Date` header, `round_trip` seconds after it was sent."""
        if not self._armed:
            return
        self._armed = False
        when = http_date(date)
        if when is not None and self._less_round_trip:
            when -= timedelta(seconds=max(0.0, round_trip))
        self.mark_time = when
