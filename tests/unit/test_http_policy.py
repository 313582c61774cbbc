"""The one HTTP policy (okrsync.http): throttle, Retry-After, adaptive rate, back-off, server time.

Everything runs on an injected clock that only moves when the policy sleeps, so no test waits on
the wall clock; `send` callables stand in for the SDK call (the real HTTP paths are covered by
tests/reliability/test_hostile_servers.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from okrsync.errors import (
    AuthError,
    Conflict,
    ConnectionLost,
    OkrsyncError,
    RateLimited,
    RecordError,
    RedirectLoop,
    ServiceError,
    TimedOut,
    TooLarge,
)
from okrsync.http.policy import HttpOptions, HttpPolicy
from okrsync.http.server_time import ServerTime, http_date, retry_after_seconds
from okrsync.http.throttle import RECOVER_AFTER, Throttle

START = datetime(2026, 1, 1, tzinfo=UTC)


class Clock:
    """Time that moves only when someone sleeps; remembers when each request was sent."""

    def __init__(self) -> None:
        self.now = START
        self.sleeps: list[float] = []
        self.sent: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def seconds(self) -> float:
        return (self.now - START).total_seconds()

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)


def policy(clock: Clock, **options: object) -> HttpPolicy:
    return HttpPolicy(
        HttpOptions.model_validate(options),
        base_url="https://api.example.com",
        clock=clock,
        sleep=clock.sleep,
        jitter=lambda: 0.0,
    )


def answers(clock: Clock, *outcomes: OkrsyncError | str) -> Callable[[], str]:
    """A send() that fails or answers in turn, noting the (fake) time of each request."""
    queue = list(outcomes)

    def send() -> str:
        clock.sent.append(clock.seconds())
        outcome = queue.pop(0)
        if isinstance(outcome, OkrsyncError):
            raise outcome
        return outcome

    return send


def call(p: HttpPolicy, send: Callable[[], str], *, idempotent: bool = True) -> str:
    return p.call("GET thing", "thing", send, idempotent=idempotent, translate=lambda exc: None)


# --- throttle ---------------------------------------------------------------------------------


def test_the_throttle_spaces_requests_by_the_rate_and_idle_time_buys_no_burst() -> None:
    clock = Clock()
    throttle = Throttle(2.0, clock=clock.seconds, sleep=clock.sleep)
    for _ in range(5):
        throttle.acquire()
    assert clock.sleeps == pytest.approx([0.501] * 4)
    clock.sleep(10)  # idle: the bucket holds one token, not twenty
    throttle.acquire()
    throttle.acquire()
    assert clock.sleeps[-1] == pytest.approx(0.501)


def test_a_larger_burst_lets_that_many_requests_go_at_once() -> None:
    clock = Clock()
    throttle = Throttle(2.0, clock=clock.seconds, sleep=clock.sleep, burst=3)
    for _ in range(3):
        assert throttle.acquire() == 0
    assert throttle.acquire() == pytest.approx(0.501)


def test_an_unpaced_client_waits_only_for_retry_after() -> None:
    clock = Clock()
    throttle = Throttle(None, clock=clock.seconds, sleep=clock.sleep)
    for _ in range(20):
        throttle.acquire()
    assert clock.sleeps == []
    throttle.defer(3)
    assert throttle.acquire() == pytest.approx(3)


def test_a_429_halves_the_rate_and_clean_answers_bring_it_back() -> None:
    clock = Clock()
    throttle = Throttle(4.0, clock=clock.seconds, sleep=clock.sleep)
    throttle.rate_limited(None)
    assert throttle.rate == 2.0
    throttle.rate_limited(None)
    assert throttle.rate == 1.0
    for _ in range(RECOVER_AFTER):
        throttle.answered()
    assert throttle.rate == 2.0
    for _ in range(3 * RECOVER_AFTER):
        throttle.answered()
    assert throttle.rate == 4.0, "never faster than configured"
    for _ in range(20):
        throttle.rate_limited(None)
    assert throttle.rate == pytest.approx(4.0 / 4), "a floor, not a standstill"


def test_an_unpaced_client_is_paced_after_a_429_and_unpaced_once_recovered() -> None:
    clock = Clock()
    throttle = Throttle(None, clock=clock.seconds, sleep=clock.sleep)
    for _ in range(10):
        throttle.acquire()
        clock.sleep(0.1)  # sending at 10 per second
    clock.sleeps.clear()
    throttle.rate_limited(None)
    assert throttle.rate == pytest.approx(10 / 2, rel=0.15)
    throttle.acquire()
    throttle.acquire()
    assert clock.sleeps[-1] == pytest.approx(1 / throttle.rate + 0.001)
    for _ in range(20):
        throttle.rate_limited(None)
    assert throttle.rate == pytest.approx(10 / 4, rel=0.15), "its floor comes from that rate"
    for _ in range(4 * RECOVER_AFTER):
        throttle.answered()
    assert throttle.rate is None


def test_an_unpaced_client_with_too_few_requests_to_measure_is_held_by_retry_after_only() -> None:
    clock = Clock()
    throttle = Throttle(None, clock=clock.seconds, sleep=clock.sleep)
    throttle.acquire()
    throttle.rate_limited(2.0)
    assert throttle.rate is None
    assert throttle.acquire() == pytest.approx(2.0)


# --- Retry-After and back-off -------------------------------------------------------------------


def test_retry_after_is_honoured_by_every_following_request() -> None:
    clock = Clock()
    p = policy(clock, requests_per_second=100)
    send = answers(clock, RateLimited("429", retry_after=7), "ok", "ok")
    assert call(p, send) == "ok"
    assert clock.sent[1] >= 7, "the retry never goes before Retry-After"
    assert p.stats.rate_limited == 1
    assert p.stats.retries == 1
    # another request right after: paced at the halved rate, never before Retry-After
    call(p, send)
    assert clock.sent[2] >= clock.sent[1] + 1 / 50


def test_a_retry_after_longer_than_the_longest_wait_ends_the_retries_instead_of_going_early() -> (
    None
):
    clock = Clock()
    p = policy(clock, max_retry_wait_s=30)
    send = answers(clock, RateLimited("Confluence rate-limited GET x", retry_after=120), "ok")
    with pytest.raises(RateLimited, match="asked to wait 120 s"):
        call(p, send)
    assert clock.sent == [0.0], "no request before the 120 s are over"


def test_backoff_is_capped_exponential_with_jitter() -> None:
    clock = Clock()
    p = HttpPolicy(
        HttpOptions(max_retry_wait_s=3),
        base_url="https://api.example.com",
        clock=clock,
        sleep=clock.sleep,
        jitter=lambda: 0.999,
    )
    expected = [0.49975, 0.9995, 1.999, 2.9985, 2.9985]
    assert [p.backoff(n) for n in range(1, 6)] == pytest.approx(expected)
    low = policy(clock, max_retry_wait_s=3)
    assert [low.backoff(n) for n in range(1, 6)] == [0.25, 0.5, 1.0, 1.5, 1.5]


def test_transient_errors_of_a_read_are_retried_with_backoff() -> None:
    clock = Clock()
    p = policy(clock)
    failures = [ServiceError("503"), ConnectionLost("reset"), TimedOut("slow")]
    assert call(p, answers(clock, *failures, "ok")) == "ok"
    assert clock.sleeps == [0.25, 0.5, 1.0]
    assert p.stats.model_dump(exclude={"by_endpoint"}) == {
        "requests": 4,
        "rate_limited": 0,
        "retries": 3,
        "errors": 3,
        "timeouts": 1,
        "too_large": 0,
        "waited_s": 1.75,
    }
    assert p.stats.by_endpoint == {"thing": 4}


@pytest.mark.parametrize(
    "error",
    [
        AuthError("401"),
        RecordError("404", subject="page 1"),
        TooLarge("too big"),
        RedirectLoop("loop"),
        Conflict("409"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_errors_that_are_not_transient_are_never_retried(error: OkrsyncError) -> None:
    clock = Clock()
    p = policy(clock)
    with pytest.raises(type(error)):
        call(p, answers(clock, error, "ok"))
    assert clock.sent == [0.0]
    assert clock.sleeps == []


def test_a_create_is_retried_only_when_the_service_says_it_did_nothing() -> None:
    clock = Clock()
    p = policy(clock)
    with pytest.raises(ServiceError):
        call(p, answers(clock, ServiceError("500"), "ok"), idempotent=False)
    with pytest.raises(ConnectionLost):
        call(p, answers(clock, ConnectionLost("reset"), "ok"), idempotent=False)
    assert call(p, answers(clock, RateLimited("429"), "ok"), idempotent=False) == "ok"


def test_conflicts_are_retried_only_when_the_caller_asks() -> None:
    clock = Clock()
    p = policy(clock)
    send = answers(clock, Conflict("409"), "ok")
    result = p.call(
        "PATCH", "x", send, idempotent=True, retry_conflict=True, translate=lambda exc: None
    )
    assert result == "ok"


def test_retries_stop_after_max_retries() -> None:
    clock = Clock()
    p = policy(clock, max_retries=2)
    with pytest.raises(ServiceError):
        call(p, answers(clock, *[ServiceError("503")] * 5))
    assert len(clock.sent) == 3


def test_sdk_errors_are_named_by_the_connectors_translation_and_others_are_bugs() -> None:
    clock = Clock()
    p = policy(clock)

    def send() -> str:
        raise KeyError("sdk")

    translated = p.call(
        "GET x",
        "x",
        answers(clock, "ok"),
        idempotent=True,
        translate=lambda exc: None,
    )
    assert translated == "ok"
    with pytest.raises(ServiceError):
        p.call("GET x", "x", send, idempotent=False, translate=lambda exc: ServiceError(str(exc)))
    with pytest.raises(KeyError):
        p.call("GET x", "x", send, idempotent=True, translate=lambda exc: None)


def test_vendor_text_is_redacted_before_it_is_cut() -> None:
    token = "secret_" + "x" * 43
    p = HttpPolicy(
        HttpOptions(),
        base_url="https://api.example.com",
        clock=Clock(),
        secrets=[token],
    )
    body = "e" * 280 + token  # the token straddles the 300-character cut
    text = p.vendor_text(body)
    assert "secret_" not in text
    assert "xxxxxxxx" not in text
    assert len(text) <= 300


# --- server time and dates ----------------------------------------------------------------------


def test_http_dates_are_read_as_utc_and_bad_ones_as_none() -> None:
    assert http_date("Fri, 01 Aug 2025 10:00:07 GMT") == datetime(2025, 8, 1, 10, 0, 7, tzinfo=UTC)
    assert http_date("Fri, 01 Aug 2025 12:00:07 +0200") == datetime(
        2025, 8, 1, 10, 0, 7, tzinfo=UTC
    )
    assert http_date(None) is None
    assert http_date("yesterday") is None


def test_retry_after_in_seconds_or_as_a_date_against_the_servers_own_date() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert retry_after_seconds("7", date=None, now=now) == 7.0
    assert retry_after_seconds(None, date=None, now=now) is None
    assert retry_after_seconds("soon", date=None, now=now) is None
    past = format_datetime(datetime(2000, 1, 1, tzinfo=UTC), usegmt=True)
    assert retry_after_seconds(past, date=None, now=now) == 0.0
    server_now = datetime(2030, 1, 1, tzinfo=UTC)  # the server's clock, not ours
    later = format_datetime(server_now + timedelta(seconds=12), usegmt=True)
    server_date = format_datetime(server_now, usegmt=True)
    assert retry_after_seconds(later, date=server_date, now=now) == 12.0


def test_server_time_is_the_first_answers_date_less_the_round_trip() -> None:
    sent = datetime(2026, 11, 21, 20, 0, 5, tzinfo=UTC)
    server = ServerTime()
    server.mark()
    server.seen(format_datetime(sent, usegmt=True), 0.25)
    assert server.mark_time == datetime(2026, 11, 21, 20, 0, 4, 750000, tzinfo=UTC)
    server.seen(format_datetime(datetime(2026, 11, 21, 21, tzinfo=UTC), usegmt=True), 0.0)
    assert server.mark_time.second == 4, "only the first answer after the mark counts"
    server.mark(less_round_trip=False)
    server.seen(format_datetime(sent, usegmt=True), 0.25)
    assert server.mark_time == sent
    server.mark()
    server.seen(None, 0.1)
    assert server.mark_time is None, "no Date: no server time (never the local clock)"
