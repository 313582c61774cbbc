"""Structured logging with secret redaction.

`make_logger()` builds a structlog logger without touching structlog's global configuration:
JSON lines when the stream is not a terminal (for cron, systemd and Kubernetes), readable
console lines on one. The `Redactor` (okrsync.redaction, the one redactor of the process) runs
last before rendering, after exceptions have been turned into text, so secret values are
removed from every event and from traceback text alike.
Tracebacks are plain text without local variables: locals are where tokens hide.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

import structlog
from structlog.typing import Processor

from okrsync.config import LoggingSettings
from okrsync.redaction import REDACTED, Redactor

__all__ = ["REDACTED", "Redactor", "make_logger", "use_json"]


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


def log_internal_error(log: Any, event: str, exc: BaseException, **context: Any) -> None:
    """An unexpected error as one log line; its traceback only at debug level (redacted like
    every event), so no log shows a traceback unless asked for."""
    log.error(event, error=f"{type(exc).__name__}: {exc}", **context)
    log.debug(f"{event}: traceback", exc_info=exc, **context)
