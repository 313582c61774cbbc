"""Structured logging with secret redaction.

`make_logger()` builds a structlog logger without touching structlog's global configuration:
JSON lines when the stream is not a terminal (for cron, systemd and Kubernetes), readable
console lines on one. A `Redactor` runs last before rendering, after exceptions have been turned
into text, so secret values are removed from every event and from traceback text alike.
Tracebacks are plain text without local variables: locals are where tokens hide.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Mapping
from typing import Any, Final, TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from okrsync.config import LoggingSettings

REDACTED: Final = "[redacted]"
MIN_SECRET_LENGTH: Final = 4

SECRET_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(?:bearer\s+|basic\s+)?[^\s'\",}]+"),
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}"),
    re.compile(r"\bsecret_[A-Za-z0-9_-]{4,}"),
    re.compile(r"\bntn_[A-Za-z0-9_-]{4,}"),
    re.compile(r"\bATATT[A-Za-z0-9_=-]{8,}"),
)
SECRET_KEYS: Final = frozenset(
    {"authorization", "token", "password", "api_token", "secret", "auth", "cookie"}
)


class Redactor:
    """Removes known secret values and secret-looking strings from text and log events."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values = {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}
        # Longest first, so a secret containing another is removed whole.
        self._values = sorted(values, key=len, reverse=True)

    @classmethod
    def from_env(cls, names: Iterable[str], env: Mapping[str, str]) -> Redactor:
        """A redactor for the values of the named environment variables."""
        return cls(env[n] for n in names if env.get(n))

    def text(self, value: str) -> str:
        """`value` with every secret replaced by [redacted]."""
        for secret in self._values:
            if secret in value:
                value = value.replace(secret, REDACTED)
        for pattern in SECRET_PATTERNS:
            value = pattern.sub(_keep_prefix, value)
        return value

    def value(self, value: Any) -> Any:
        """Redact strings inside any JSON-like value."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {
                k: REDACTED if str(k).lower() in SECRET_KEYS else self.value(v)
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return type(value)(self.value(v) for v in value)
        if isinstance(value, BaseException):
            return self.text(f"{type(value).__name__}: {value}")
        return value

    def __call__(self, logger: WrappedLogger, method: str, event: EventDict) -> EventDict:
        """The structlog processor."""
        return {
            k: REDACTED if k.lower() in SECRET_KEYS else self.value(v) for k, v in event.items()
        }


def _keep_prefix(match: re.Match[str]) -> str:
    if match.re is SECRET_PATTERNS[0]:
        return f"{match.group(1)}{REDACTED}"
    return REDACTED


def use_json(settings: LoggingSettings, stream: TextIO) -> bool:
    """JSON lines unless asked for console, or `auto` and the stream is a terminal."""
    if settings.format != "auto":
        return settings.format == "json"
    isatty = getattr(stream, "isatty", None)
    return not (callable(isatty) and isatty())


def make_logger(
    settings: LoggingSettings,
    *,
    redactor: Redactor,
    stream: TextIO | None = None,
    **bind: Any,
) -> structlog.typing.FilteringBoundLogger:
    """A logger writing to `stream` (stderr by default) with redaction; `bind` adds context."""
    out = stream if stream is not None else sys.stderr
    json_lines = use_json(settings, out)
    processors: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redactor,
    ]
    if json_lines:
        processors.append(structlog.processors.JSONRenderer(default=str))
    else:
        processors.append(
            structlog.dev.ConsoleRenderer(
                colors=False, exception_formatter=structlog.dev.plain_traceback
            )
        )
    level = logging.getLevelNamesMapping()[settings.level.upper()]
    logger: structlog.typing.FilteringBoundLogger = structlog.wrap_logger(
        structlog.PrintLogger(file=out),
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=False,
    )
    return logger.bind(**bind) if bind else logger
