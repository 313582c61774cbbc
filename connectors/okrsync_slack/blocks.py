"""Slack Block Kit messages: a notice as blocks, escaped in one place, within Slack's limits.

Workspace text only ever goes into `plain_text` objects (Slack does not read `*bold*`,
`<@U123>` or `<!channel>` there) after `slack_text()` has escaped `&`, `<` and `>`, the only
three characters Slack asks to escape. Links are buttons with their own URL, never
`<url|text>` markup. The fallback `text` is sent with `"mrkdwn": false`. A message keeps to 50
blocks, 3 000 characters per text and 150 per header: extra items become "and N more".
"""

from __future__ import annotations

from typing import Any, Final

from okrsync.i18n import Translator, translator
from okrsync.notify.channel import LimitError
from okrsync.notify.message import ELLIPSIS, Item, Notice

MAX_BLOCKS: Final = 50
MAX_TEXT: Final = 3000
MAX_HEADER: Final = 150
MAX_BUTTON: Final = 75
MAX_FALLBACK: Final = 40_000


def slack_text(value: str, limit: int = MAX_TEXT) -> str:
    """The one escaping step for Slack: `&`, `<`, `>` escaped, cut so the escaped text fits."""
    out: list[str] = []
    used = 0
    for char in value:
        piece = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}.get(char, char)
        if used + len(piece) > limit - 1:
            out.append(ELLIPSIS)
            break
        out.append(piece)
        used += len(piece)
    return "".join(out)


def _plain(value: str, limit: int = MAX_TEXT) -> dict[str, Any]:
    return {"type": "plain_text", "text": slack_text(value, limit) or " ", "emoji": False}


def _item_block(item: Item, t: Translator) -> dict[str, Any]:
    text = f"• {item.text}" + (f"  ({item.detail})" if item.detail else "")
    block: dict[str, Any] = {"type": "section", "text": _plain(text)}
    if item.url:
        block["accessory"] = {
            "type": "button",
            "text": _plain(t.gettext("Open"), MAX_BUTTON),
            "url": item.url,
        }
    return block


def _is_item(block: dict[str, Any]) -> bool:
    return str(block.get("text", {}).get("text", "")).startswith("• ")


def build_blocks(notice: Notice, t: Translator | None = None) -> list[dict[str, Any]]:
    """The blocks for `notice`, at most 50, the last items replaced by "and N more"; okrsync's
    own words ("Open", "and N more") in `t`'s language (English unless given)."""
    t = t or translator("en")
    head: list[dict[str, Any]] = [{"type": "header", "text": _plain(notice.title, MAX_HEADER)}]
    if notice.intro:
        head.append({"type": "section", "text": _plain(notice.intro)})
    tail: list[dict[str, Any]] = []
    if notice.link and notice.link.url:
        button = {"type": "button", "text": _plain(notice.link.text, MAX_BUTTON)}
        tail.append({"type": "actions", "elements": [{**button, "url": notice.link.url}]})
    if notice.footer:
        tail.append({"type": "context", "elements": [_plain(notice.footer)]})
    room = MAX_BLOCKS - len(head) - len(tail)
    middle: list[dict[str, Any]] = []
    for section in notice.sections:
        middle.append({"type": "section", "text": _plain(section.heading)})
        middle.extend(_item_block(item, t) for item in section.items)
    if len(middle) > room:
        hidden = sum(1 for block in middle[room - 1 :] if _is_item(block))
        middle = middle[: room - 1]
        more = t.ngettext("… and {count} more", "… and {count} more", hidden)
        middle.append({"type": "context", "elements": [_plain(more.format(count=hidden))]})
    blocks = head + middle + tail
    check_blocks(blocks)
    return blocks


def build_message(notice: Notice, t: Translator | None = None) -> dict[str, Any]:
    """The webhook / chat.postMessage body: fallback text (no mrkdwn) and the blocks."""
    return {
        "text": slack_text(notice.title, MAX_FALLBACK),
        "mrkdwn": False,
        "blocks": build_blocks(notice, t),
    }


def check_blocks(blocks: list[dict[str, Any]]) -> None:
    """LimitError unless `blocks` keep Slack's documented limits."""
    if not blocks or len(blocks) > MAX_BLOCKS:
        raise LimitError(f"{len(blocks)} blocks; Slack takes 1 to {MAX_BLOCKS}")
    for block in blocks:
        texts = [block.get("text"), *block.get("elements", [])]
        limit = MAX_HEADER if block["type"] == "header" else MAX_TEXT
        for text in texts:
            if isinstance(text, dict) and len(str(text.get("text", ""))) > limit:
                raise LimitError(f"a {block['type']} text is longer than {limit} characters")
