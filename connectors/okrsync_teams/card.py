"""Adaptive Cards for a Teams Workflow: a notice as data, escaped in one place, within limits.

Every workspace text goes into a `TextRun` of a `RichTextBlock`, which Teams does not read as
Markdown, after `card_text()` has defused the two things Teams still parses there: `<at>` mention
tags and `{{DATE()}}`/`{{TIME()}}` functions. The only `TextBlock` is the mention line okrsync
writes itself, naming people whose Teams address is known, with one `msteams` entity per name.
A card stays within version 1.5 and 28 KB: items are dropped from the end (with an "and N more"
line) until the envelope fits.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

from okrsync.i18n import Translator, translator
from okrsync.notify.channel import LimitError
from okrsync.notify.message import Item, Mention, Notice, Section

CARD_VERSION: Final = "1.5"
MAX_VERSION: Final = (1, 5)
MAX_BYTES: Final = 28_000
CONTENT_TYPE: Final = "application/vnd.microsoft.card.adaptive"
_WORD_JOINER: Final = "\u2060"
_MENTION_TAG: Final = re.compile(r"<(/?)(at)", re.IGNORECASE)
_MENTION_NAME_DROP: Final = re.compile(r"[<>{}\[\]*_~`#|\\/]")


def card_text(value: str) -> str:
    """The one escaping step for card text: no mention tag and no date function survives."""
    text = _MENTION_TAG.sub(lambda m: f"<{m.group(1)}{_WORD_JOINER}{m.group(2)}", value)
    return text.replace("{{", "{" + _WORD_JOINER + "{")


def mention_name(mention: Mention) -> str:
    """A display name safe inside `<at>...</at>`: markup characters removed."""
    return _MENTION_NAME_DROP.sub("", mention.name).strip() or mention.address


def _run(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextRun", "text": card_text(text), **style}


def _rich(*runs: dict[str, Any], spacing: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "RichTextBlock", "inlines": list(runs)}
    if spacing:
        block["spacing"] = spacing
    return block


def _item(item: Item) -> dict[str, Any]:
    runs = [_run("• "), _run(item.text)]
    if item.url:
        runs[1]["selectAction"] = {"type": "Action.OpenUrl", "url": item.url}
        runs[1]["color"] = "Accent"
    if item.detail:
        runs.append(_run(f"  {item.detail}", isSubtle=True))
    return _rich(*runs, spacing="Small")


def _body(notice: Notice, sections: tuple[Section, ...]) -> list[dict[str, Any]]:
    body: list[dict[str, Any]] = [_rich(_run(notice.title, weight="Bolder", size="Medium"))]
    if notice.intro:
        body.append(_rich(_run(notice.intro)))
    for section in sections:
        body.append(_rich(_run(section.heading, weight="Bolder"), spacing="Medium"))
        body.extend(_item(it) for it in section.items)
    if notice.footer:
        body.append(_rich(_run(notice.footer, isSubtle=True), spacing="Medium"))
    return body


def _mentions(
    mentions: tuple[Mention, ...], t: Translator
) -> tuple[dict[str, Any] | None, list[Any]]:
    known = [m for m in mentions if m.address and "@" in m.address]
    if not known:
        return None, []
    tags = [f"<at>{mention_name(m)}</at>" for m in known]
    entities = [
        {"type": "mention", "text": tag, "mentioned": {"id": m.address, "name": mention_name(m)}}
        for tag, m in zip(tags, known, strict=True)
    ]
    text = t.gettext("For: {names}").format(names=", ".join(tags))
    block = {"type": "TextBlock", "text": text, "wrap": True}
    return block, entities


def envelope(
    notice: Notice, sections: tuple[Section, ...] | None = None, t: Translator | None = None
) -> dict[str, Any]:
    """The Workflows request body for `notice` (all its sections unless given), with okrsync's
    own words (the mention line) in `t`'s language (English unless given)."""
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "body": _body(notice, notice.sections if sections is None else sections),
    }
    mention_block, entities = _mentions(notice.mentions, t or translator("en"))
    if mention_block:
        card["body"].append(mention_block)
        card["msteams"] = {"entities": entities, "width": "Full"}
    if notice.link and notice.link.url:
        card["actions"] = [
            {"type": "Action.OpenUrl", "title": card_text(notice.link.text), "url": notice.link.url}
        ]
    return {
        "type": "message",
        "attachments": [{"contentType": CONTENT_TYPE, "contentUrl": None, "content": card}],
    }


def size_of(body: dict[str, Any]) -> int:
    return len(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())


def _shortened(sections: tuple[Section, ...], keep: int, t: Translator) -> tuple[Section, ...]:
    """The first `keep` items over all sections, with an "and N more" item where cut."""
    out: list[Section] = []
    left = keep
    for section in sections:
        shown = section.items[: max(left, 0)]
        dropped = len(section.items) - len(shown)
        left -= len(shown)
        more = t.ngettext("… and {count} more", "… and {count} more", dropped)
        items = shown + ((Item(text=more.format(count=dropped)),) if dropped else ())
        out.append(Section(heading=section.heading, items=items))
    return tuple(out)


def build_card(notice: Notice, t: Translator | None = None) -> dict[str, Any]:
    """The envelope for `notice`, cut to fit 28 KB; LimitError if even the bare card is too big.
    okrsync's own words ("For:", "and N more") are in `t`'s language (English unless given)."""
    t = t or translator("en")
    body = envelope(notice, t=t)
    total = sum(len(s.items) for s in notice.sections)
    keep = total
    while size_of(body) > MAX_BYTES and keep > 0:
        keep = keep * 3 // 4 if keep > 4 else keep - 1
        body = envelope(notice, _shortened(notice.sections, keep, t), t)
    check_envelope(body)
    return body


def check_envelope(body: dict[str, Any]) -> None:
    """LimitError unless `body` is a Workflows message with one Adaptive Card Teams renders."""
    if body.get("type") != "message" or len(body.get("attachments", [])) != 1:
        raise LimitError("a Teams Workflow needs {'type': 'message', 'attachments': [card]}")
    attachment = body["attachments"][0]
    card = attachment.get("content", {})
    if attachment.get("contentType") != CONTENT_TYPE or card.get("type") != "AdaptiveCard":
        raise LimitError("the attachment is not an Adaptive Card")
    major, _, minor = str(card.get("version", "")).partition(".")
    if not (major.isdigit() and minor.isdigit()) or (int(major), int(minor)) > MAX_VERSION:
        raise LimitError(f"Adaptive Card version {card.get('version')!r} is above 1.5")
    if size_of(body) > MAX_BYTES:
        raise LimitError(f"the card is {size_of(body)} bytes, above Teams' {MAX_BYTES}")
