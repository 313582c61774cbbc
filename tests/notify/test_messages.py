"""Messages as data: one escaping step per channel, and the channels' limits kept."""

from __future__ import annotations

import email
import json
from datetime import UTC, datetime
from email.policy import default as default_policy

import pytest
from okrsync_email.message import build_email, checked_address
from okrsync_slack.blocks import MAX_BLOCKS, MAX_TEXT, build_message, check_blocks, slack_text
from okrsync_teams.card import MAX_BYTES, build_card, card_text, check_envelope, size_of

from okrsync.notify.channel import LimitError
from okrsync.notify.message import TITLE_LIMIT, Item, Notice, Section, clean_text
from tests.json_strings import json_strings

from .hostile import CRLF_TITLE, LONG, MARKUP, SURROGATE, hostile_notice

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_clean_text_makes_one_valid_bounded_line() -> None:
    assert clean_text(CRLF_TITLE) == (
        "Grow revenue Bcc: victim@evil.example <script>alert(1)</script>"
    )
    cleaned = clean_text(SURROGATE)
    cleaned.encode("utf-8")  # would raise on a lone surrogate
    assert cleaned == "Broken \ufffd text \ufffd end"
    cut = clean_text(LONG, TITLE_LIMIT)
    assert len(cut) == TITLE_LIMIT and cut.endswith("…")
    assert clean_text("a\u202eb\x00c\x1bd") == "abcd"
    assert clean_text("one\r\ntwo", one_line=False) == "one\ntwo"


def test_notice_drops_links_that_are_not_http() -> None:
    notice = Notice.build(
        "win",
        "t",
        sections=(
            Section(
                heading="h",
                items=(
                    Item(text="a", url="javascript:alert(1)"),
                    Item(text="b", url="https://ok.example/x y"),
                    Item(text="c", url="https://ok.example/p"),
                ),
            ),
        ),
    )
    assert [i.url for i in notice.sections[0].items] == [None, None, "https://ok.example/p"]


def test_teams_card_is_a_workflows_envelope_with_text_runs_only() -> None:
    body = build_card(hostile_notice())
    check_envelope(body)
    assert body["type"] == "message"
    card = body["attachments"][0]["content"]
    assert card["version"] == "1.5"
    assert {b["type"] for b in card["body"]} == {"RichTextBlock", "TextBlock"}
    text_blocks = [b for b in card["body"] if b["type"] == "TextBlock"]
    assert len(text_blocks) == 1  # okrsync's own mention line, nothing from the workspace
    # Only the known person is mentioned, under a name without markup.
    entities = card["msteams"]["entities"]
    assert [e["mentioned"]["id"] for e in entities] == ["eve@example.com"]
    assert entities[0]["text"] == "<at>Eve atatBoss</at>"
    assert text_blocks[0]["text"] == "For: <at>Eve atatBoss</at>"
    runs = [r["text"] for b in card["body"] if b["type"] == "RichTextBlock" for r in b["inlines"]]
    joined = "".join(runs)
    assert "<at>" not in joined.lower() and "</at>" not in joined.lower()
    assert "{{" not in joined
    assert "\r" not in json.dumps(body) and "\\r" not in json.dumps(body)


def test_card_text_defuses_mention_tags_and_functions() -> None:
    assert card_text("<AT>x</At> {{TIME(x)}}") == "<\u2060AT>x</\u2060At> {\u2060{TIME(x)}}"


def test_teams_card_stays_under_28_kb_and_says_what_it_cut() -> None:
    notice = Notice.build(
        "team_digest",
        "Digest",
        sections=(
            Section(
                heading="Moved", items=tuple(Item(text=f"{i} {'w' * 140}") for i in range(400))
            ),
        ),
    )
    body = build_card(notice)
    assert size_of(body) <= MAX_BYTES
    texts = json_strings(body)
    assert any(t.startswith("… and ") and t.endswith(" more") for t in texts)
    assert f"0 {'w' * 140}" in texts  # the first items are kept


@pytest.mark.parametrize("version", ["1.6", "2.0", "x"])
def test_card_check_refuses_versions_teams_does_not_render(version: str) -> None:
    body = build_card(Notice.build("test", "t"))
    body["attachments"][0]["content"]["version"] = version
    with pytest.raises(LimitError, match="version"):
        check_envelope(body)


def test_card_check_refuses_a_bare_card() -> None:
    body = build_card(Notice.build("test", "t"))
    with pytest.raises(LimitError, match="message"):
        check_envelope(body["attachments"][0]["content"])


def test_slack_blocks_use_plain_text_with_only_three_characters_escaped() -> None:
    message = build_message(hostile_notice())
    assert message["mrkdwn"] is False
    check_blocks(message["blocks"])
    for block in message["blocks"]:
        for text in [block.get("text"), *block.get("elements", [])]:
            if isinstance(text, dict) and "type" in text and text["type"] != "button":
                assert text["type"] == "plain_text"
    strings = json_strings(message)
    assert not any("<" in s or ">" in s for s in strings if not s.startswith("https://"))
    assert slack_text("a & <b> *c* _d_") == "a &amp; &lt;b&gt; *c* _d_"


def test_slack_keeps_50_blocks_and_3000_characters() -> None:
    notice = Notice.build(
        "team_digest",
        "Digest",
        intro="&" * 3000,  # escapes to 15 000 characters before the cut
        sections=(Section(heading="Moved", items=tuple(Item(text=f"kr {i}") for i in range(120))),),
    )
    blocks = build_message(notice)["blocks"]
    assert len(blocks) == MAX_BLOCKS
    assert blocks[-1]["type"] == "context"
    shown = sum(1 for b in blocks if str(b.get("text", {}).get("text", "")).startswith("• "))
    assert blocks[-1]["elements"][0]["text"] == f"… and {120 - shown} more"
    assert all(len(str(b.get("text", {}).get("text", ""))) <= MAX_TEXT for b in blocks)
    assert blocks[1]["text"]["text"].endswith("…")
    with pytest.raises(LimitError):
        check_blocks([*blocks, {"type": "divider"}])


def test_email_has_one_subject_line_and_escaped_html() -> None:
    message, html = build_email(
        hostile_notice(),
        sender=checked_address("okrsync@example.com", "sender"),
        to=checked_address("owner@example.com", "to"),
        at=AT,
    )
    raw = message.as_bytes()
    parsed = email.message_from_bytes(raw, policy=default_policy)
    assert parsed.get_all("Bcc") is None
    assert parsed.get_all("To") == ["owner@example.com"]
    assert len(parsed.get_all("Subject") or []) == 1
    assert str(parsed["Subject"]).startswith("Grow revenue Bcc: victim@evil.example <script>")
    assert parsed.get_content_type() == "multipart/alternative"
    text_part, html_part = parsed.iter_parts()
    assert text_part.get_content_type() == "text/plain"
    assert "<script>" not in html_part.get_content()
    assert "&lt;script&gt;" in html and "&lt;at&gt;Eve&lt;/at&gt;" in html
    assert MARKUP.split()[0] in text_part.get_content()  # the text part shows the text as is


@pytest.mark.parametrize(
    "address", ["a@b.example\r\nBcc: c@d.example", "Name <a@b.example>", "nobody", "a@b"]
)
def test_email_refuses_addresses_that_are_not_plain(address: str) -> None:
    with pytest.raises(LimitError):
        checked_address(address, "the owner's address")
