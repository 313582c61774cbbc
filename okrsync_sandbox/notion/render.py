"""A plain HTML view of every page in the emulated workspace, for demos and debugging."""

from __future__ import annotations

from html import escape

from .shapes import JSON, plain_text
from .store import NotionStore

_TAGS = {
    "heading_1": "h1",
    "heading_2": "h2",
    "heading_3": "h3",
    "paragraph": "p",
    "quote": "blockquote",
    "code": "pre",
}


def _block_html(store: NotionStore, block_id: str) -> str:
    block: JSON = store.blocks[block_id]
    kind = block["type"]
    content = block["content"]
    text = escape(plain_text(content.get("rich_text", [])))
    inner = "".join(_block_html(store, child) for child in store.live_children(block_id))
    if kind in _TAGS:
        return f"<{_TAGS[kind]}>{text}</{_TAGS[kind]}>{inner}"
    if kind in ("bulleted_list_item", "numbered_list_item", "to_do"):
        return f"<ul><li>{text}{inner}</li></ul>"
    if kind == "toggle":
        return f"<details><summary>{text}</summary>{inner}</details>"
    if kind == "callout":
        return f'<div class="callout">{text}{inner}</div>'
    if kind == "divider":
        return "<hr/>"
    if kind == "table":
        return f"<table>{inner}</table>"
    if kind == "table_row":
        cells = "".join(f"<td>{escape(plain_text(cell))}</td>" for cell in content["cells"])
        return f"<tr>{cells}</tr>"
    if kind == "child_page":
        return f"<p>[page] {escape(store.title_of(store.pages[block_id]))}</p>"
    if kind == "child_database":
        return f"<p>[database] {escape(store.databases[block_id]['title'])}</p>"
    return f'<div class="{escape(kind)}">{text}{inner}</div>'


def render_pages(store: NotionStore) -> dict[str, str]:
    """Page title -> HTML of its blocks, for pages that are not in the trash."""
    with store.lock:
        views: dict[str, str] = {}
        for page in store.pages.values():
            if page["in_trash"]:
                continue
            title = store.title_of(page) or page["id"]
            body = "".join(_block_html(store, child) for child in store.live_children(page["id"]))
            key = title if title not in views else f"{title} ({page['id']})"
            views[key] = f"<html><body><h1>{escape(title)}</h1>{body}</body></html>"
        return views
