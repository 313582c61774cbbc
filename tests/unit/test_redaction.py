"""The one redactor: before truncation, prefixes at a cut, records, streams, the CLI's last line."""

from __future__ import annotations

import io
import uuid

import pytest

from okrsync.cli.main import build_parser, report_internal_error
from okrsync.connector import SourceRecord
from okrsync.redaction import (
    MIN_PREFIX_AT_CUT,
    REDACTED,
    RedactingStream,
    Redactor,
    redact_model,
    redact_then_truncate,
    remember,
)


def canary() -> str:
    return f"CANARY{uuid.uuid4().hex}{uuid.uuid4().hex[:14]}"  # 52 characters


def leaked_prefix(token: str, text: str) -> int:
    """The longest first part of `token` found in `text` (0 when none)."""
    return max(
        (n for n in range(1, len(token) + 1) if token[:n] in text),
        default=0,
    )


def test_truncation_at_every_offset_never_shows_8_characters_of_the_token() -> None:
    token = canary()
    red = Redactor([token])
    for position in range(0, 60):
        body = "x" * position + f"Authorization: Bearer {token}; echo {token} end"
        for limit in range(1, len(body) + 1):
            shown = redact_then_truncate(body, limit, red)
            assert leaked_prefix(token, shown) < MIN_PREFIX_AT_CUT, (position, limit, shown)


def test_a_body_cut_by_the_vendor_loses_the_token_prefix_at_its_end() -> None:
    token = canary()
    red = Redactor([token])
    for size in range(MIN_PREFIX_AT_CUT, len(token)):
        shown = red.text(f"error: token {token[:size]}")
        assert token[:MIN_PREFIX_AT_CUT] not in shown
        assert shown.endswith(REDACTED)


def test_tokens_the_redactor_was_not_told_about_are_caught_by_shape() -> None:
    red = Redactor()
    text = (
        '{"headers": {"Authorization": "Bearer abcdefghij123"}}\n'
        "<pre>authorization: Basic dXNlcjpwYXNzd29yZA==</pre> ntn_12345abcdef"
    )
    cleaned = red.text(text)
    for part in ("abcdefghij123", "dXNlcjpwYXNzd29yZA==", "ntn_12345abcdef"):
        assert part not in cleaned


def test_a_record_echoing_the_token_as_key_and_value_is_cleaned() -> None:
    token = canary()
    red = Redactor([token])
    record = SourceRecord(
        collection="objectives",
        external_id="o1",
        fields={"Name": f"grow {token}", token: 3, "nested": {"list": [token]}},
    )
    cleaned = redact_model(record, red)
    assert token not in cleaned.model_dump_json()
    assert cleaned.fields["Name"] == f"grow {REDACTED}"
    clean = SourceRecord(collection="objectives", external_id="o2", fields={"Name": "ok"})
    assert redact_model(clean, red) is clean


def test_people_s_words_are_not_taken_for_credentials() -> None:
    text = "Basic onboarding for every new hire; bearer bonds; secret_sauce; Bearer of news"
    assert Redactor().text(text) == text
    token = canary()
    record = SourceRecord(
        collection="objectives", external_id="o1", fields={"Name": "basic Authorization: tbd"}
    )
    assert redact_model(record, Redactor([token], shapes=False)) is record
    assert Redactor().text("Authorization: Basic dXNlcjpwYXNzd29yZDEyMw==") == (
        f"Authorization: {REDACTED}"
    )


def test_a_record_with_a_lone_surrogate_is_cleaned_not_a_crash() -> None:
    record = SourceRecord(
        collection="objectives", external_id="o1", fields={"Name": "a\ud923b", "\udd92": 1}
    )
    cleaned = redact_model(record, Redactor())
    assert cleaned.fields == {"Name": "a\ufffdb", "\ufffd": 1}
    cleaned.model_dump_json()  # encodable now


def test_the_stream_guard_sees_a_token_written_in_pieces() -> None:
    token = canary()
    remember([token])
    inner = io.StringIO()
    stream = RedactingStream(inner)
    stream.write("start " + token[:10])
    stream.write(token[10:] + " end\n")
    stream.write("tail " + token)
    stream.flush()
    assert token[:MIN_PREFIX_AT_CUT] not in inner.getvalue()
    assert inner.getvalue().count(REDACTED) == 2


def test_an_unexpected_error_is_one_redacted_line_and_the_traceback_needs_debug(
    capsys: pytest.CaptureFixture[str],
) -> None:
    token = canary()
    remember([token])

    def read_version(value: str) -> int:
        return int(value)  # a vendor "number" holding the token

    for debug in (False, True):
        try:
            read_version(f"v{token}")
        except ValueError as exc:
            report_internal_error(exc, debug=debug)
        err = capsys.readouterr().err
        assert token[:MIN_PREFIX_AT_CUT] not in err
        last = err.splitlines()[-1]
        assert last.startswith("okrsync: internal error: ValueError: invalid literal")
        if debug:
            assert "Traceback" in err and "return int(value)" in err
        else:
            assert "Traceback" not in err and len(err.splitlines()) == 1
            assert last.endswith("(run with --debug for the redacted traceback)")


def test_every_command_accepts_debug_after_its_name() -> None:
    parser = build_parser()
    assert parser.parse_args(["mapping", "validate", "x.yaml", "--debug"]).debug is True
    assert parser.parse_args(["--debug", "lint", "--config", "c.toml"]).debug is True
    assert parser.parse_args(["lint", "--config", "c.toml"]).debug is False
