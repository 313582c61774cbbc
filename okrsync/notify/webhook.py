"""Webhook deliveries on the shared HTTP policy (`okrsync.http`): one way for every channel.

A channel gives a `send()` that makes one request and returns its `Answer`; this module runs it
through `HttpPolicy.call` (throttle, Retry-After, total deadline, size cap, retries) and names
the outcome as a `Delivery`. A post is not idempotent (a 5xx or a lost answer may still have
posted), so the policy repeats it only after a 429, when the service did nothing, and never
before its Retry-After; anything else temporary is left to the ledger's next run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final, NamedTuple, TypeVar

from okrsync.errors import (
    ConfigError,
    InterruptedRun,
    OkrsyncError,
    RateLimited,
    ServiceError,
    TransientError,
)
from okrsync.http.policy import HttpOptions, HttpPolicy, Translate
from okrsync.http.server_time import retry_after_seconds
from okrsync.notify.channel import ChannelContext, Delivery, LimitError

POLICY_KEYS = frozenset(HttpOptions.model_fields)
BACKSTOP_S: Final = 5.0
T = TypeVar("T")


class Answer(NamedTuple):
    status: int
    text: str = ""
    retry_after: float | None = None


def retry_after_of(headers: Mapping[str, Any], now: datetime) -> float | None:
    """The Retry-After of an answer's headers (any case; seconds or an HTTP date), if any."""
    found = {str(k).lower(): (v[0] if isinstance(v, list) and v else v) for k, v in headers.items()}
    value, date = found.get("retry-after"), found.get("date")
    return retry_after_seconds(
        str(value) if value is not None else None,
        date=str(date) if date is not None else None,
        now=now,
    )


def http_options(options: Mapping[str, Any], **defaults: Any) -> HttpOptions:
    """The channel's HTTP options: okrsync.toml's over the channel's defaults."""
    given = {k: v for k, v in options.items() if k in POLICY_KEYS}
    try:
        return HttpOptions.model_validate({**defaults, **given})
    except ValueError as exc:
        raise ConfigError(f"notification channel options: {exc}") from None


def library_timeout(options: HttpOptions) -> float:
    """The HTTP library's own per-read timeout: a backstop past the policy's total deadline, so
    the deadline alone decides a timeout (and says so) and the two timers never race."""
    return options.timeout_s + BACKSTOP_S


def new_policy(options: HttpOptions, url: str, context: ChannelContext) -> HttpPolicy:
    """A policy for one webhook (its own throttle), knowing the URL as a secret to redact, and
    ending a send in flight when the run's stop event is set."""
    return HttpPolicy(
        options,
        base_url=url,
        clock=context.clock,
        sleep=context.sleep,
        stop=context.stop,
        monotonic=context.monotonic,
        secrets=[url],
    )


def deliver(
    policy: HttpPolicy,
    where: str,
    send: Callable[[], Answer],
    translate: Translate,
    *,
    accepted: frozenset[int],
) -> Delivery:
    """Send once under the policy; say whether the service accepted it, and if not, for good."""

    def checked() -> Answer:
        answer = send()
        text = policy.vendor_text(answer.text, 80)
        if answer.status == 429:
            raise RateLimited(f"{where}: HTTP 429 {text}".rstrip(), retry_after=answer.retry_after)
        if answer.status >= 500 or answer.status == 408:
            raise ServiceError(
                f"{where}: HTTP {answer.status} {text}".rstrip(), retry_after=answer.retry_after
            )
        return answer

    result = outcome(
        lambda: policy.call(where, "post", checked, idempotent=False, translate=translate)
    )
    if isinstance(result, Delivery):
        return result
    if result.status in accepted:
        return Delivery(status="sent")
    text = policy.vendor_text(result.text, 80)
    return Delivery(
        status="failed", permanent=True, error=f"{where}: HTTP {result.status} {text}".rstrip()
    )


def resolved(where: str, get: Callable[[], T]) -> T | Delivery:
    """What `get()` sets up for a send (a URL, a client), or why it cannot be sent: a URL that
    is not the channel's kind for good, a credential variable not set until the next run."""
    try:
        return get()
    except InterruptedRun:
        raise
    except LimitError as exc:
        return Delivery(status="failed", permanent=True, error=f"{where}: {exc}")
    except OkrsyncError as exc:
        return Delivery(status="failed", error=f"{where}: {exc}")


def outcome(call: Callable[[], T]) -> T | Delivery:
    """`call()`'s result, or the failed Delivery its okrsync error means (temporary or not).

    A stop (`InterruptedRun`) is not a failure of the message: it goes up to the notifier."""
    try:
        return call()
    except InterruptedRun:
        raise
    except TransientError as exc:
        return Delivery(status="failed", error=exc.message, retry_after=exc.retry_after)
    except OkrsyncError as exc:
        return Delivery(status="failed", permanent=True, error=exc.message)
