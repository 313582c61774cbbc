"""Log redaction: secrets never reach a log line, not even inside a traceback."""

from __future__ import annotations

import io
import json

from okrsync.config import LoggingSettings
from okrsync.log import REDACTED, Redactor, make_logger

TOKEN = "canary-7f3a9c1e5b"


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line]


def test_known_secret_values_and_patterns_are_removed() -> None:
    red = Redactor([TOKEN])
    text = (
        f"token {TOKEN} header Authorization: Bearer abcdef123456 "
        "and secret_ABCDEF1234 and ntn_9876543210xyz"
    )
    cleaned = red.text(text)
    assert TOKEN not in cleaned
    assert "abcdef123456" not in cleaned
    assert "secret_ABCDEF1234" not in cleaned
    assert "ntn_9876543210xyz" not in cleaned
    assert cleaned.count(REDACTED) >= 4


def test_events_are_redacted_by_value_and_by_key() -> None:
    out = io.StringIO()
    log = make_logger(LoggingSettings(format="json"), redactor=Redactor([TOKEN]), stream=out)
    log.info("request", url=f"https://x/?t={TOKEN}", headers={"Authorization": "Basic zzz"})
    (event,) = lines(out)
    assert TOKEN not in json.dumps(event)
    assert event["headers"] == {"Authorization": REDACTED}
    assert event["event"] == "request" and event["level"] == "info"


def test_tracebacks_are_redacted_and_carry_no_locals() -> None:
    out = io.StringIO()
    log = make_logger(
        LoggingSettings(format="json"), redactor=Redactor([TOKEN]), stream=out, run_id="r-1"
    )

    def failing(token: str) -> None:
        local_secret = token + "-local"
        raise RuntimeError(f"server refused {token}") from ValueError(local_secret)

    try:
        failing(TOKEN)
    except RuntimeError:
        log.exception("write failed")
    raw = out.getvalue()
    (event,) = lines(out)
    assert "Traceback" in str(event["exception"])
    assert "RuntimeError" in str(event["exception"])
    assert TOKEN not in raw
    assert "local_secret =" not in raw
    assert event["run_id"] == "r-1"


def test_console_format_is_redacted_too() -> None:
    out = io.StringIO()
    log = make_logger(LoggingSettings(format="console"), redactor=Redactor([TOKEN]), stream=out)
    try:
        raise ValueError(TOKEN)
    except ValueError:
        log.exception("boom", note=TOKEN)
    assert "boom" in out.getvalue()
    assert TOKEN not in out.getvalue()


def test_auto_format_is_json_when_not_a_terminal() -> None:
    out = io.StringIO()
    make_logger(LoggingSettings(), redactor=Redactor(), stream=out).warning("hello", n=1)
    assert lines(out)[0]["n"] == 1


def test_level_filters_lower_events() -> None:
    out = io.StringIO()
    log = make_logger(
        LoggingSettings(level="warning", format="json"), redactor=Redactor(), stream=out
    )
    log.info("quiet")
    log.error("loud")
    assert [e["event"] for e in lines(out)] == ["loud"]


def test_short_values_are_not_treated_as_secrets() -> None:
    assert Redactor(["ab"]).text("tab stop") == "tab stop"
    assert Redactor.from_env(["A", "B"], {"A": TOKEN}).text(TOKEN) == REDACTED
