"""HTML views of what the receivers got, close to how Teams, Slack and a mail client show it.

Everything from a message is escaped here (`html.escape`); a mention tag `<at>Name</at>` in a
Teams TextBlock is drawn as a highlighted "@Name", as Teams does when an entity matches.
"""

from __future__ import annotations

import re
from html import escape
from importlib import resources
from typing import Any, Final

_STYLE: Final = (resources.files(__package__) / "view.css").read_text(encoding="utf-8")
_MENTION: Final = re.compile(r"&lt;at&gt;(.*?)&lt;/at&gt;")


def page(title: str, fragments: list[str]) -> str:
    body = "\n".join(fragments) or "<p>Nothing received yet.</p>"
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title><style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )


def _run_html(run: dict[str, Any]) -> str:
    classes = []
    if run.get("weight") == "Bolder":
        classes.append("bolder")
    if run.get("size") == "Medium":
        classes.append("size-medium")
    if run.get("isSubtle"):
        classes.append("subtle")
    text = escape(str(run.get("text", "")))
    action = run.get("selectAction") or {}
    if action.get("type") == "Action.OpenUrl" and action.get("url"):
        text = f'<a href="{escape(str(action["url"]))}">{text}</a>'
    return f'<span class="{" ".join(classes)}">{text}</span>'


def _element_html(element: dict[str, Any]) -> str:
    spacing = str(element.get("spacing", "")).lower()
    if element.get("type") == "RichTextBlock":
        runs = "".join(_run_html(r) for r in element.get("inlines", []) if isinstance(r, dict))
        return f'<p class="{spacing}">{runs}</p>'
    if element.get("type") == "TextBlock":
        text = _MENTION.sub(r'<span class="mention">@\1</span>', escape(str(element.get("text"))))
        return f'<p class="{spacing}">{text}</p>'
    return f'<p class="subtle">[{escape(str(element.get("type")))}]</p>'


def teams_card_html(label: str, payload: Any, error: str) -> str:
    """One channel post: the card's body and actions, or the run's error."""
    parts: list[str] = []
    for attachment in payload.get("attachments", []) if isinstance(payload, dict) else []:
        card = attachment.get("content", {}) if isinstance(attachment, dict) else {}
        parts.extend(_element_html(e) for e in card.get("body", []) if isinstance(e, dict))
        links = [
            f'<a href="{escape(str(a.get("url")))}">{escape(str(a.get("title")))}</a>'
            for a in card.get("actions", [])
            if isinstance(a, dict)
        ]
        if links:
            parts.append(f'<div class="actions">{"".join(links)}</div>')
    failed = f'<div class="error">Flow run failed: {escape(error)}</div>' if error else ""
    return (
        f'<div class="post card{" failed" if error else ""}"><div class="meta">okrsync (via '
        f"Workflows) in {escape(label)}</div>{''.join(parts)}{failed}</div>"
    )


def _text(obj: Any) -> str:
    """A Slack text object as HTML; Slack shows &amp; &lt; &gt; as the characters."""
    return escape(str(obj.get("text", "")) if isinstance(obj, dict) else "")


def slack_html(label: str, payload: Any, status: int, error: str) -> str:
    parts: list[str] = []
    blocks = payload.get("blocks", []) if isinstance(payload, dict) else []
    for block in blocks if isinstance(blocks, list) else []:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "header":
            parts.append(f'<div class="header">{_unescape(_text(block.get("text")))}</div>')
        elif kind == "section":
            button = block.get("accessory") or {}
            link = (
                f'<a class="button" href="{escape(str(button.get("url")))}">'
                f"{_unescape(_text(button.get('text')))}</a>"
                if button.get("url")
                else ""
            )
            parts.append(f"<p>{_unescape(_text(block.get('text')))}{link}</p>")
        elif kind == "context":
            texts = " ".join(_unescape(_text(e)) for e in block.get("elements", []))
            parts.append(f'<p class="context">{texts}</p>')
        elif kind == "actions":
            parts.append(
                '<div class="actions">'
                + "".join(
                    f'<a href="{escape(str(e.get("url")))}">{_unescape(_text(e.get("text")))}</a>'
                    for e in block.get("elements", [])
                )
                + "</div>"
            )
    failed = f'<div class="error">HTTP {status}: {escape(error)}</div>' if error else ""
    return (
        f'<div class="post slack{" failed" if error else ""}"><div class="meta">okrsync APP in '
        f"{escape(label)}</div>{''.join(parts)}{failed}</div>"
    )


def _unescape(html: str) -> str:
    """Slack's own &amp;/&lt;/&gt; escapes, escaped once more by us, shown as characters."""
    return (
        html.replace("&amp;lt;", "&lt;").replace("&amp;gt;", "&gt;").replace("&amp;amp;", "&amp;")
    )


def email_html(to: str, subject: str, html_part: str, error: str) -> str:
    failed = f'<div class="error">{escape(error)}</div>' if error else ""
    return (
        f'<div class="post{" failed" if error else ""}"><div class="meta">To {escape(to)}: '
        f"<b>{escape(subject)}</b></div>"
        f'<iframe sandbox="" class="mail" srcdoc="{escape(html_part)}"></iframe>'
        f"{failed}</div>"
    )
