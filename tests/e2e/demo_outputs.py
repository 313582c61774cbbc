"""Reading what `okrsync demo` left behind, as a person would see it.

The demo saves every Notion page and every Confluence page (review pages included) as plain
HTML views, the Notion sandbox's whole state as JSON (OKR page properties live there), and the
review as review.html and review.md. These helpers turn each into the text a reader sees, so
the acceptance test can check facts (no raw ids, no scientific notation, one cycle per page)
against what is really written, not against okrsync's intermediate objects.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RAW_ID = re.compile(
    r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"  # Notion / Atlassian uuid
    r"|\b[0-9a-f]{32}\b"  # Notion id without dashes
    r"|\b\d{6}:[0-9a-f-]{8,}"  # Atlassian account id ("712020:...")
    r"|\buser-[a-z-]+\b"  # the demo company's person ids
    r"|\bobj-[a-z0-9-]+\b|\bkr-[a-z0-9-]+\b",  # the demo company's objective and KR ids
    re.IGNORECASE,
)
SCIENTIFIC = re.compile(r"\d(?:\.\d+)?e[+-]?\d+", re.IGNORECASE)
MARKER = re.compile(r"okrsync:review:\S+ hash=\S+")


def visible_text(page_html: str) -> str:
    """The text of an HTML page as shown: no styles, scripts, tags or okrsync's marker line."""
    text = re.sub(r"<(style|script)\b.*?</\1>", " ", page_html, flags=re.S | re.I)
    text = re.sub(r"<(br|/p|/li|/tr|/h\d|/div|/td|/th)\b[^>]*>", "\n", text, flags=re.I)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return MARKER.sub(" ", text)


@dataclass(frozen=True)
class NotionPage:
    title: str
    properties: dict[str, Any]


def notion_pages(state_file: Path) -> list[NotionPage]:
    """Every database page of the saved Notion sandbox, with its properties by name."""
    state = json.loads(state_file.read_text(encoding="utf-8"))
    names: dict[str, dict[str, str]] = {}
    for ds_id, source in state["data_sources"].items():
        names[ds_id] = {
            str(prop["id"]): name for name, prop in (source.get("properties") or {}).items()
        }
    options: dict[str, str] = {}
    for source in state["data_sources"].values():
        for prop in (source.get("properties") or {}).values():
            for option in (prop.get("select") or {}).get("options") or []:
                options[str(option["id"])] = str(option["name"])
    pages = []
    for page in state["pages"].values():
        parent = page.get("parent") or {}
        by_id = names.get(str(parent.get("data_source_id")))
        if by_id is None or page.get("in_trash"):
            continue
        props: dict[str, Any] = {}
        title = ""
        for key, value in (page.get("properties") or {}).items():
            name = by_id.get(key, key)
            if key == "title" or name == "title":
                title = rich_text(value)
                continue
            if isinstance(value, str) and value in options:
                value = options[value]
            props[name] = value
        pages.append(NotionPage(title=title, properties=props))
    return pages


def rich_text(value: Any) -> str:
    """The plain text of a stored rich-text value (a list of items), else ''."""
    if not isinstance(value, list):
        return ""
    parts = []
    for item in value:
        if isinstance(item, dict):
            parts.append(str(item.get("plain_text") or (item.get("text") or {}).get("content", "")))
    return "".join(parts)


def lines(text: str) -> list[str]:
    return [line for line in (t.strip() for t in text.splitlines()) if line]
