"""okrsync's one error tree and the process exit codes that go with it.

Connectors translate vendor exceptions into these at the boundary (`raise ... from exc`), so the
engine and the CLI only ever reason about this tree. Messages must never contain secrets.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of every okrsync command (documented in the README)."""

    OK = 0
    PARTIAL = 1  # the run finished, but some records or writes failed
    CONFIG = 2  # bad config, mapping or input file; nothing was written
    AUTH = 3  # credentials rejected or access missing
    LOCKED = 4  # another run holds the lock
    INTERRUPTED = 5  # stopped by a signal; the next run resumes
    TRANSIENT = 6  # the service kept failing (rate limits, 5xx, network) after retries
    STATE = 7  # the state store is unreadable or from a newer okrsync
    FINDINGS = 8  # `lint --fail-on` found findings at or above the threshold


class OkrsyncError(Exception):
    """Base of every error okrsync raises on purpose."""

    exit_code: ExitCode = ExitCode.PARTIAL

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  fix: {self.hint}" if self.hint else self.message


class ConfigError(OkrsyncError):
    """A config, mapping or input file is wrong. `problems` lists every problem found at once."""

    exit_code = ExitCode.CONFIG

    def __init__(self, message: str, *, hint: str = "", problems: list[str] | None = None) -> None:
        super().__init__(message, hint=hint)
        self.problems = problems or []

    def __str__(self) -> str:
        lines = [self.message, *(f"  - {p}" for p in self.problems)]
        if self.hint:
            lines.append(f"  fix: {self.hint}")
        return "\n".join(lines)


class AuthError(OkrsyncError):
    """Credentials rejected, or the integration lacks access to a database, page or space."""

    exit_code = ExitCode.AUTH


class TransientError(OkrsyncError):
    """Worth retrying: rate limits, 5xx, timeouts, dropped connections, version conflicts."""

    exit_code = ExitCode.TRANSIENT

    def __init__(self, message: str, *, hint: str = "", retry_after: float | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


class RecordError(OkrsyncError):
    """One record or one write is bad (validation error, page gone); the others go on."""

    exit_code = ExitCode.PARTIAL

    def __init__(self, message: str, *, subject: str, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.subject = subject


class AccessDenied(RecordError):
    """The account may not change (or see) this one page: a page restriction, or a capability
    the integration lacks. That write fails and the others go on; the executor stops the source
    as an access problem when several in a row are refused, since then it is not one page."""


class StateError(OkrsyncError):
    """The state store cannot be opened, is corrupt, or was written by a newer okrsync."""

    exit_code = ExitCode.STATE


class LockedError(OkrsyncError):
    """Another okrsync run holds the lock for this state store."""

    exit_code = ExitCode.LOCKED


class InterruptedRun(OkrsyncError):
    """A signal asked the run to stop; what was confirmed is recorded."""

    exit_code = ExitCode.INTERRUPTED


# --- vendor-independent HTTP failures (raised by okrsync.http and the connectors' status maps) ---


class RateLimited(TransientError):
    """429 (or the vendor's equivalent): the request was not handled; wait and send it again."""


class Conflict(TransientError):
    """409: what was written changed since it was read; re-read, re-merge and write again."""


class ServiceError(TransientError):
    """5xx: the service failed to handle the request; it may or may not have been applied."""


class ConnectionLost(TransientError):
    """No complete answer (reset, refused, cut off): a write may or may not have been applied."""


class TimedOut(ConnectionLost):
    """The request's total deadline (connect, headers and body) passed before the answer ended.

    Like a lost connection, a write may still land at the service after this was raised."""


class TooLarge(TransientError):
    """The answer was larger than the configured maximum; it was cut off and not used."""


class UnexpectedAnswer(TransientError):
    """The answer is not what the API documents (not JSON, not the expected shape, a broken
    list). Never read as "nothing there": the run fails instead of mistaking it for no data."""


class RedirectLoop(TransientError):
    """The server kept redirecting (a loop, or more hops than any real site needs)."""
