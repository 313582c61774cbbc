"""The one redactor every text leaving okrsync passes: logs, error lines, tracebacks, printed
output, metrics, cached records and pages written.

Secrets are known two ways: by value (the credentials okrsync read from the environment,
registered with `remember()` as soon as a config names them, so the process-wide redactor
knows every one of them) and by shape (`Authorization: ...`, `Bearer ...`, Notion and Atlassian
token prefixes), which catches a credential okrsync was never told about.

Redaction always happens before truncation (`redact_then_truncate`): cutting first would let
a token straddling the cut through in part. A text that ends with the first 8 or more
characters of a known secret (cut by someone else, e.g. a vendor that truncated its error body)
has that prefix removed as well.

`RedactingStream` wraps stdout and stderr at the process edge (`guard_streams`), so even a
print or a traceback nobody thought of passes the redactor.
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import Any, Final, TextIO, TypeVar

from pydantic import BaseModel
from pydantic_core import PydanticSerializationError
from structlog.typing import EventDict, WrappedLogger

REDACTED: Final = "[redacted]"
MIN_SECRET_LENGTH: Final = 4
MIN_PREFIX_AT_CUT: Final = 8
"""A text ending in this many or more first characters of a secret has them removed."""

SECRET_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(?:bearer\s+|basic\s+)?[^\s'\",}<]+"),
    # A credential after the scheme: long and with a digit, so "basic onboarding" stays.
    re.compile(
        r"\b(?:Bearer|Basic|bearer|basic|BEARER|BASIC)\s+(?=[A-Za-z._~+/=-]*\d)[\w.~+/=-]{12,}"
    ),
    re.compile(r"\bsecret_[A-Za-z0-9_-]{10,}"),
    re.compile(r"\bntn_[A-Za-z0-9_-]{10,}"),
    re.compile(r"\bATATT[A-Za-z0-9_=-]{8,}"),
)
"""Shapes of credentials okrsync was not told about: for outputs and logs. Records (people's
content) are cleaned of the known secret values only, so no title loses a word to a shape."""
LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")
"""A surrogate code point alone (a JSON "\\ud800"): no encoder accepts it, so outputs get U+FFFD."""
SECRET_KEYS: Final = frozenset(
    {"authorization", "token", "password", "api_token", "secret", "auth", "cookie"}
)
SECRET_ENV_WORDS: Final = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "API_KEY", "APIKEY")
"""Environment variables whose names hold one of these are treated as secrets from the start."""

_REMEMBERED: set[str] = set()
ModelT = TypeVar("ModelT", bound=BaseModel)


def remember(values: Iterable[str]) -> None:
    """Add secret values to the process-wide redactor (every later text is cleaned of them)."""
    _REMEMBERED.update(v for v in values if v and len(v) >= MIN_SECRET_LENGTH)


def remember_env(env: Mapping[str, str]) -> None:
    """Remember the values of environment variables whose names say they hold a secret."""
    remember(v for k, v in env.items() if any(w in k.upper() for w in SECRET_ENV_WORDS))


def process_redactor() -> Redactor:
    """A redactor for every secret remembered so far in this process."""
    return Redactor(_REMEMBERED)


def record_redactor() -> Redactor:
    """The process's secret values without the shapes: for records, which are people's text."""
    return Redactor(_REMEMBERED, shapes=False)


class Redactor:
    """Removes known secret values and secret-looking strings from text and values."""

    def __init__(self, secrets: Iterable[str] = (), *, shapes: bool = True) -> None:
        values = {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}
        # Longest first, so a secret containing another is removed whole.
        self._values = sorted(values, key=len, reverse=True)
        self._patterns = SECRET_PATTERNS if shapes else ()

    @classmethod
    def from_env(cls, names: Iterable[str], env: Mapping[str, str]) -> Redactor:
        """A redactor for the values of the named environment variables (also remembered
        process-wide, so the output streams are cleaned of them too)."""
        values = [env[n] for n in names if env.get(n)]
        remember(values)
        return cls(values)

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(self._values)

    def text(self, value: str) -> str:
        """`value` with every secret, and a secret's prefix at its end, replaced by [redacted]
        (and any lone surrogate by U+FFFD, so that it can be printed and written)."""
        if LONE_SURROGATE.search(value):
            value = LONE_SURROGATE.sub("\ufffd", value)
        for secret in self._values:
            if secret in value:
                value = value.replace(secret, REDACTED)
        for pattern in self._patterns:
            value = pattern.sub(_keep_prefix, value)
        return self._cut_prefix(value)

    def _cut_prefix(self, value: str) -> str:
        """`value` without a trailing first part (8+ characters) of a known secret (the
        longest such part of the first secret that has one).

        Only where the secret's first characters occur near the end is a cut tried, so a long
        text costs one search per secret rather than one comparison per possible length."""
        for secret in self._values:
            longest = min(len(secret) - 1, len(value))
            if longest < MIN_PREFIX_AT_CUT:
                continue
            head = secret[:MIN_PREFIX_AT_CUT]
            start = value.find(head, len(value) - longest)
            while start != -1:
                if secret.startswith(value[start:]):
                    return value[:start] + REDACTED
                start = value.find(head, start + 1)
        return value

    def truncate(self, value: str, limit: int, *, marker: str = "...") -> str:
        """Redact, then cut to at most `limit` characters (plus `marker`), never mid-secret."""
        cleaned = self.text(value)
        if len(cleaned) <= limit:
            return cleaned
        return self._cut_prefix(cleaned[:limit]) + marker

    def value(self, value: Any) -> Any:
        """Redact strings inside any JSON-like value (keys too: a vendor may echo a token as a
        property name)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {
                self.value(k): REDACTED if str(k).lower() in SECRET_KEYS else self.value(v)
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


def redact_then_truncate(text: str, limit: int, redactor: Redactor | None = None) -> str:
    """`text` cleaned by `redactor` (default: the process-wide one), then cut to `limit`.

    For vendor error bodies and any text shown shortened: the cut can never expose part of a
    secret, since the secret is gone before the cut and a prefix left at the cut is removed.
    """
    return (redactor or process_redactor()).truncate(text, limit)


def redact(text: str) -> str:
    """`text` cleaned by the process-wide redactor."""
    return process_redactor().text(text)


class RedactingStream(io.TextIOBase):
    """A text stream that passes every complete line through the process-wide redactor.

    Text is held until a newline (or flush), so a secret written in two pieces is still seen
    whole; a progress line ending in a carriage return is written as it comes.
    """

    def __init__(self, inner: TextIO) -> None:
        super().__init__()
        self.inner = inner
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        cut = max(self._pending.rfind("\n"), self._pending.rfind("\r"))
        if cut >= 0:
            ready, self._pending = self._pending[: cut + 1], self._pending[cut + 1 :]
            self.inner.write(redact(ready))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self.inner.write(redact(self._pending))
            self._pending = ""
        self.inner.flush()

    def isatty(self) -> bool:
        return bool(getattr(self.inner, "isatty", lambda: False)())

    def fileno(self) -> int:
        return self.inner.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self.inner, "encoding", "utf-8"))

    def writable(self) -> bool:
        return True


@contextmanager
def guard_streams() -> Iterator[None]:
    """Within the block, sys.stdout and sys.stderr pass everything through the redactor."""
    remember_env(os.environ)
    saved = sys.stdout, sys.stderr
    sys.stdout = RedactingStream(saved[0])
    sys.stderr = RedactingStream(saved[1])
    try:
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            with suppress(OSError, ValueError):
                stream.flush()
        sys.stdout, sys.stderr = saved


def redact_model(model: ModelT, redactor: Redactor | None = None) -> ModelT:
    """`model` with every secret removed from its strings (keys included); the same object
    when it holds none. For vendor records before they are used or cached: an answer that
    echoes the token (as a property name, a value) must not carry it any further."""
    red = redactor or record_redactor()
    try:
        dumped = model.model_dump_json()
    except PydanticSerializationError:  # a lone surrogate: cleaned below
        dumped = ""
    if dumped and red.text(dumped) == dumped:
        return model
    return type(model).model_validate(red.value(model.model_dump()))
