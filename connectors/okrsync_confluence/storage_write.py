"""Building Confluence storage format with lxml, through one escaping choke point.

Every piece of text that reaches a body goes through `clean_text()` (characters XML 1.0 forbids
are dropped) and is then set as element text or attribute value on an lxml tree, so lxml escapes
`& < > "` itself and text can never become markup: an `<ac:structured-macro>` typed by a person
arrives as `&lt;ac:structured-macro&gt;`. Element names come only from this module's allow-list,
links only with http(s) or relative targets. `serialize()` drops the wrapper and re-parses the
result strictly before anything is sent (see API-NOTES: one bad fragment rejects the page).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from urllib.parse import urlparse

from lxml import etree

from okrsync_confluence.storage_read import AC_NS, NSMAP, RI_NS, WRAPPER_TAG, parse_storage

ALLOWED_TAGS = frozenset(
    {
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "strong",
        "em",
        "code",
        "span",
        "br",
        "ul",
        "ol",
        "li",
        "table",
        "colgroup",
        "col",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "a",
        "time",
        "div",
        "ac:structured-macro",
        "ac:parameter",
        "ac:rich-text-body",
        "ac:link",
        "ri:page",
        "ac:image",
        "ri:attachment",
        "okrsync-slot",
    }
)
_FORBIDDEN_ELEMENTS = frozenset({"script", "iframe", "object", "embed", "style"})


class StorageBuildError(ValueError):
    """okrsync built a body that is not safe storage format: a bug, never sent."""


def _allowed_char(char: str) -> bool:
    code = ord(char)
    if code in (0x9, 0xA, 0xD):
        return True
    if code < 0x20 or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
        return False
    return not 0x7F <= code <= 0x84 and not 0x86 <= code <= 0x9F


def clean_text(value: object) -> str:
    """THE choke point: any value as text that XML 1.0 accepts (forbidden characters dropped).

    Escaping of `& < > "` is done by lxml when the result is set on the tree; never concatenate
    the result into markup yourself.
    """
    text = value if isinstance(value, str) else str(value)
    if all(_allowed_char(c) for c in text):
        return text
    return "".join(c for c in text if _allowed_char(c))


def _qualified(tag: str) -> str:
    if tag not in ALLOWED_TAGS:
        raise StorageBuildError(f"element {tag!r} is not on the storage builder's allow-list")
    prefix, _, name = tag.partition(":")
    if name:
        return f"{{{NSMAP[prefix]}}}{name}"
    return tag


def _attr_name(name: str) -> str:
    prefix, _, local_name = name.partition(":")
    if local_name:
        return f"{{{NSMAP[prefix]}}}{local_name}"
    return name


def new_root() -> etree._Element:
    """An empty body under construction."""
    return etree.Element(WRAPPER_TAG, nsmap={"ac": AC_NS, "ri": RI_NS})


def el(
    parent: etree._Element,
    tag: str,
    text: object | None = None,
    attrs: dict[str, object] | None = None,
) -> etree._Element:
    """Append an element (tag from the allow-list) with escaped text and attributes."""
    child = etree.SubElement(parent, _qualified(tag))
    for name, value in (attrs or {}).items():
        child.set(_attr_name(name), clean_text(value))
    if text is not None:
        child.text = clean_text(text)
    return child


def append_text(parent: etree._Element, text: object) -> None:
    """Append text after the parent's last child (mixed content), escaped."""
    cleaned = clean_text(text)
    if len(parent):
        last = parent[-1]
        last.tail = (last.tail or "") + cleaned
    else:
        parent.text = (parent.text or "") + cleaned


def safe_href(url: str | None) -> str | None:
    """The URL if it is http(s) or site-relative; None for javascript:, data: and the rest."""
    if not url:
        return None
    cleaned = clean_text(url).strip()
    parsed = urlparse(cleaned)
    if parsed.scheme in ("http", "https") and parsed.netloc:
        return cleaned
    if not parsed.scheme and not parsed.netloc and cleaned.startswith("/"):
        return cleaned
    return None


def link(parent: etree._Element, url: str | None, text: object) -> etree._Element:
    """A link when the URL is safe, else the text alone in a span."""
    href = safe_href(url)
    if href is None:
        return el(parent, "span", text)
    return el(parent, "a", text, {"href": href})


def macro(
    parent: etree._Element,
    name: str,
    params: Sequence[tuple[str, object]] = (),
    *,
    rich_body: bool = False,
) -> tuple[etree._Element, etree._Element | None]:
    """A structured macro with parameters; returns it and its rich-text body if asked for."""
    node = el(parent, "ac:structured-macro", attrs={"ac:name": name, "ac:schema-version": "1"})
    for key, value in params:
        el(node, "ac:parameter", value, {"ac:name": key})
    body = el(node, "ac:rich-text-body") if rich_body else None
    return node, body


def status(parent: etree._Element, title: object, colour: str) -> etree._Element:
    """A status lozenge (Grey, Red, Yellow, Green, Blue)."""
    node, _ = macro(parent, "status", (("colour", colour), ("title", title)))
    return node


def panel(parent: etree._Element, kind: str, title: object | None = None) -> etree._Element:
    """An info / note / warning / tip panel; returns its body."""
    params: list[tuple[str, object]] = [] if title is None else [("title", title)]
    _, body = macro(parent, kind, params, rich_body=True)
    assert body is not None
    return body


def expand(parent: etree._Element, title: object) -> etree._Element:
    """An expand macro with a title; returns its body."""
    _, body = macro(parent, "expand", (("title", title),), rich_body=True)
    assert body is not None
    return body


def anchor(parent: etree._Element, name: str) -> etree._Element:
    """An anchor macro: a marker that survives Confluence's editor (comments do not)."""
    node, _ = macro(parent, "anchor", (("", name),))
    return node


def attached_image(parent: etree._Element, filename: str, width: int) -> etree._Element:
    """An image attached to the page itself, bound by file name: a new version of the
    attachment shows without editing the page."""
    node = el(parent, "ac:image", attrs={"ac:width": width})
    el(node, "ri:attachment", attrs={"ri:filename": filename})
    return node


def table(
    parent: etree._Element,
    headers: Sequence[object],
    rows: Iterable[Sequence[object]] = (),
) -> etree._Element:
    """A table with a header row of `th` and data rows of plain-text `td`; returns the tbody."""
    node = el(parent, "table")
    tbody = el(node, "tbody")
    head = el(tbody, "tr")
    for header in headers:
        el(head, "th", header)
    for row in rows:
        tr = el(tbody, "tr")
        for value in row:
            el(tr, "td", value)
    return tbody


def details(
    parent: etree._Element, rows: Sequence[tuple[object, object]], *, macro_id: str | None = None
) -> etree._Element:
    """A Page Properties macro (keys in `th`); returns its tbody so callers can add rich rows."""
    params: list[tuple[str, object]] = [] if macro_id is None else [("id", macro_id)]
    _, body = macro(parent, "details", params, rich_body=True)
    assert body is not None
    tbody = el(el(body, "table"), "tbody")
    for key, value in rows:
        tr = el(tbody, "tr")
        el(tr, "th", key)
        el(tr, "td", value)
    return tbody


def serialize(root: etree._Element) -> str:
    """The body without its wrapper, checked to parse strictly and to hold nothing unsafe."""
    text = etree.tostring(root, encoding="unicode")
    closing = f"</{WRAPPER_TAG}>"
    body = "" if text.endswith("/>") else text[text.index(">") + 1 : -len(closing)]
    verify(body)
    return body


def verify(body: str, *, check_safety: bool = True) -> None:
    """Raise StorageBuildError unless the body parses strictly (and holds nothing unsafe).

    `check_safety=False` is for bodies that carry a person's preserved notes, whose own links
    (mailto: and the like) are theirs to keep.
    """
    try:
        root = parse_storage(body)
    except ValueError as exc:
        raise StorageBuildError(f"generated body does not parse: {exc}") from None
    if not check_safety:
        return
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        name = node.tag.rsplit("}", 1)[-1].lower()
        if name in _FORBIDDEN_ELEMENTS:
            raise StorageBuildError(f"generated body holds a <{name}> element")
        href = node.get("href")
        if href is not None and safe_href(href) is None:
            raise StorageBuildError("generated body holds a link that is not http(s)")
