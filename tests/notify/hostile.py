"""Hostile workspace text, shared by the notification tests."""

from __future__ import annotations

from okrsync.notify.message import Item, Mention, Notice, Section

CRLF_TITLE = "Grow revenue\r\nBcc: victim@evil.example\r\n\r\n<script>alert(1)</script>"
MARKUP = (
    "<at>Eve</at> *bold* _it_ ~s~ `code` [x](https://evil.example) <!channel> <@U0EVIL> "
    "<https://evil.example|click> & {{DATE(2017-02-14T06:08:39Z, SHORT)}} ${secret}"
)
SURROGATE = "Broken \ud800 text \udfff end"
LONG = "L" * 10_000
HOSTILE = (CRLF_TITLE, MARKUP, SURROGATE, LONG)


def hostile_notice(items: int = 3, *, mention: bool = True) -> Notice:
    """A notice whose every text is hostile, with `items` key results."""
    return Notice.build(
        "check_in_due",
        CRLF_TITLE + " " + MARKUP,
        intro=MARKUP + "\n" + SURROGATE,
        sections=(
            Section(
                heading=MARKUP,
                items=tuple(
                    Item(text=HOSTILE[i % 4], url="https://okr.example/kr", detail=MARKUP)
                    for i in range(items)
                ),
            ),
        ),
        mentions=(Mention(name="Eve </at><at>Boss", address="eve@example.com"),) if mention else (),
        link=Item(text="Open the review " + MARKUP, url="https://okr.example/review"),
        footer=LONG,
    )
