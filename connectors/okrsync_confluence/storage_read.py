"""Reading Confluence storage format: Page Properties macros, tables and cell values.

Storage format is XML with the `ac:` and `ri:` prefixes undeclared and HTML named entities
(`&nbsp;`, `&rsquo;`) used freely, so a body is parsed with lxml inside a wrapper element that
declares the prefixes and an internal DTD that declares the HTML entities. Nothing here uses
regular expressions over markup. Cell values are flattened into the plain values described in
docs/architecture.md; page links come back as `PageLink`s because turning a title into a page
id needs the API (the reader does that).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.entities import name2codepoint
from typing import Any
from urllib.parse import parse_qs, urlparse

from lxml import etree

from okrsync.mapping.keys import same_key

AC_NS = "http://atlassian.com/content"
RI_NS = "http://atlassian.com/resource/identifier"
AT_NS = "http://atlassian.com/template"
NSMAP = {"ac": AC_NS, "ri": RI_NS, "at": AT_NS}
WRAPPER_TAG = "okrsync-body"

_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}
_ENTITY_DECLS = "".join(
    f'<!ENTITY {name} "&#{code};">'
    for name, code in sorted(name2codepoint.items())
    if name not in _XML_ENTITIES
)
_PREFIX = (
    f"<!DOCTYPE {WRAPPER_TAG} [{_ENTITY_DECLS}]>"
    f'<{WRAPPER_TAG} xmlns:ac="{AC_NS}" xmlns:ri="{RI_NS}" xmlns:at="{AT_NS}">\n'
)
_SUFFIX = f"\n</{WRAPPER_TAG}>"

_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "table",
        "pre",
        "blockquote",
        "plain-text-body",
        "rich-text-body",
        "task",
    }
)
_SKIPPED_TEXT = frozenset(
    {
        f"{{{AC_NS}}}parameter",
        f"{{{AC_NS}}}task-id",
        f"{{{AC_NS}}}task-status",
        f"{{{AC_NS}}}placeholder",
        f"{{{AC_NS}}}emoticon",
    }
)
MACRO = f"{{{AC_NS}}}structured-macro"
PARAMETER = f"{{{AC_NS}}}parameter"
NAME_ATTR = f"{{{AC_NS}}}name"


class StorageFormatError(ValueError):
    """A page body that is not well-formed storage format; says where and what."""


@dataclass(frozen=True)
class PageLink:
    """A link to another page, by title (and space) or by id, resolved to an id by the reader."""

    title: str | None = None
    space: str | None = None
    page_id: str | None = None


@dataclass
class Table:
    """A table's header texts and its data rows as header -> flattened value."""

    headers: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)
    heading: str = ""
    """The text of the nearest heading before the table ("" when none): the section it is in."""


@dataclass
class DetailsBlock:
    """One Page Properties macro: its `id` parameter (if any) and key -> flattened value."""

    macro_id: str | None
    values: dict[str, Any]
    kinds: dict[str, str] = field(default_factory=dict)


@dataclass
class ParsedPage:
    """Everything the reader takes from one page body."""

    details: dict[str, Any]
    blocks: list[DetailsBlock]
    tables: list[Table]
    kinds: dict[str, str] = field(default_factory=dict)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        # "internal": only the entities of our own DTD subset (lxml >= 5; stubs know bool).
        resolve_entities="internal",  # type: ignore[arg-type]
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def parse_storage(body: str) -> etree._Element:
    """Parse a storage-format body strictly; the wrapper element is returned.

    Raises StorageFormatError naming the line and column within the body.
    """
    document = _PREFIX + body + _SUFFIX
    try:
        return etree.fromstring(document.encode("utf-8"), _parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        msg = str(exc.msg).split(", line ")[0] if exc.msg else "not well-formed"
        raise StorageFormatError(
            f"storage format is not well-formed XML at line {max(line - 1, 1)}, "
            f"column {column}: {msg}"
        ) from None


def local(tag: object) -> str:
    """The local name of an element tag ('' for comments and processing instructions)."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def macro_name(element: etree._Element) -> str | None:
    """The `ac:name` of a structured macro, or None for any other element."""
    if element.tag != MACRO:
        return None
    return element.get(NAME_ATTR)


def macro_parameter(element: etree._Element, name: str) -> str | None:
    """The text of a macro's own `ac:parameter` called `name` (not a nested macro's)."""
    for child in element:
        if child.tag == PARAMETER and child.get(NAME_ATTR) == name:
            return "".join(str(t) for t in child.itertext())
    return None


def _normalise_line(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


def plain_text(element: etree._Element) -> str:
    """The human-visible text of an element: blocks become lines, whitespace collapsed."""
    parts: list[str] = []

    def contents(node: etree._Element) -> None:
        """The text inside `node`: its own text, then each child followed by its tail."""
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)

    def walk(node: etree._Element) -> None:
        tag = node.tag
        if not isinstance(tag, str) or tag in _SKIPPED_TEXT:
            return
        name = local(tag)
        if name == "br":
            parts.append("\n")
        block = name in _BLOCK_TAGS
        if block:
            parts.append("\n")
        contents(node)
        if name in {"td", "th"}:
            parts.append(" ")
        if block:
            parts.append("\n")

    if isinstance(element.tag, str):
        contents(element)
    lines = (_normalise_line(line) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _person(user: etree._Element) -> dict[str, Any]:
    ident = (
        user.get(f"{{{RI_NS}}}account-id")
        or user.get(f"{{{RI_NS}}}userkey")
        or user.get(f"{{{RI_NS}}}username")
        or ""
    )
    name = ""
    link = user.getparent()
    if link is not None and local(link.tag) == "link":
        for child in link:
            if local(child.tag) in {"plain-text-link-body", "link-body"}:
                name = plain_text(child)
    if not name:
        name = user.get(f"{{{RI_NS}}}username") or ""
    return {"id": ident, "name": name, "email": None}


def _page_id_from_href(href: str) -> str | None:
    parsed = urlparse(href)
    query = parse_qs(parsed.query)
    if "pageId" in query:
        return query["pageId"][0]
    segments = [s for s in parsed.path.split("/") if s]
    for index, segment in enumerate(segments[:-1]):
        if segment == "pages" and segments[index + 1].isdigit():
            return segments[index + 1]
    return None


def _iter(element: etree._Element, tag: str) -> Iterator[etree._Element]:
    for node in element.iter(tag):
        if node is not element:
            yield node


def flatten_cell(cell: etree._Element) -> Any:
    """Flatten one table cell to a plain value (see the module docstring for the order)."""
    users = list(_iter(cell, f"{{{RI_NS}}}user"))
    if users:
        return [_person(u) for u in users]
    links: list[PageLink] = []
    for page in _iter(cell, f"{{{RI_NS}}}page"):
        links.append(
            PageLink(
                title=page.get(f"{{{RI_NS}}}content-title"),
                space=page.get(f"{{{RI_NS}}}space-key"),
                page_id=page.get(f"{{{RI_NS}}}content-id"),
            )
        )
    for anchor in _iter(cell, "a"):
        page_id = _page_id_from_href(anchor.get("href") or "")
        if page_id:
            links.append(PageLink(page_id=page_id, title=plain_text(anchor) or None))
    if links:
        return links
    times = [t.get("datetime") for t in _iter(cell, "time") if t.get("datetime")]
    if len(times) == 1:
        return times[0]
    if len(times) >= 2:
        return {"start": times[0], "end": times[1]}
    for node in _iter(cell, MACRO):
        if macro_name(node) == "status":
            return macro_parameter(node, "title") or ""
    tasks = list(_iter(cell, f"{{{AC_NS}}}task"))
    if len(tasks) == 1 and not plain_text(cell).replace(plain_text(tasks[0]), "").strip():
        status = next(_iter(tasks[0], f"{{{AC_NS}}}task-status"), None)
        return status is not None and (status.text or "").strip() == "complete"
    return plain_text(cell)


def cell_kind(cell: etree._Element) -> str:
    """The kind of value a cell holds, named as okrsync's mapping inference knows types:
    user, page_link, date, status, checkbox or text (the same order as `flatten_cell`)."""
    if next(_iter(cell, f"{{{RI_NS}}}user"), None) is not None:
        return "user"
    if next(_iter(cell, f"{{{RI_NS}}}page"), None) is not None or any(
        _page_id_from_href(a.get("href") or "") for a in _iter(cell, "a")
    ):
        return "page_link"
    if any(t.get("datetime") for t in _iter(cell, "time")):
        return "date"
    if any(macro_name(m) == "status" for m in _iter(cell, MACRO)):
        return "status"
    if isinstance(flatten_cell(cell), bool):
        return "checkbox"
    return "text"


def normalise_key(text: str) -> str:
    """A Page Properties key or column header as written, trimmed, without a trailing colon."""
    return _normalise_line(text).rstrip(":").strip()


def header_match(a: str, b: str) -> bool:
    """Whether two header names are the same key as people write them (`keys.same_key`)."""
    return same_key(a, b)


def _own_rows(table: etree._Element) -> list[etree._Element]:
    rows = []
    for tr in table.iter("tr"):
        owner = next(tr.iterancestors("table"), None)
        if owner is table:
            rows.append(tr)
    return rows


def _parent_tag(element: etree._Element) -> object:
    parent = element.getparent()
    return None if parent is None else parent.tag


def _cells(tr: etree._Element) -> list[etree._Element]:
    return [c for c in tr if local(c.tag) in {"td", "th"}]


def _inside_details(element: etree._Element) -> bool:
    return any(macro_name(a) == "details" for a in element.iterancestors(MACRO))


def _details_pairs(table: etree._Element) -> list[tuple[str, etree._Element]]:
    """(key, value cell) pairs of a Page Properties table.

    Vertical (the usual layout: one key per row, key in the first cell) or horizontal (a
    header row of `th` keys over one row of values, which Page Properties also accepts).
    """
    rows = [r for r in _own_rows(table) if _cells(r)]
    if len(rows) == 2:
        head, body = _cells(rows[0]), _cells(rows[1])
        if (
            len(head) > 2
            and len(head) == len(body)
            and all(local(c.tag) == "th" for c in head)
            and not any(local(c.tag) == "th" for c in body)
        ):
            return [(normalise_key(plain_text(k)), v) for k, v in zip(head, body, strict=True)]
    pairs: list[tuple[str, etree._Element]] = []
    for tr in rows:
        cells = _cells(tr)
        if len(cells) >= 2:
            pairs.append((normalise_key(plain_text(cells[0])), cells[1]))
    return pairs


def read_details(root: etree._Element) -> list[DetailsBlock]:
    """Every Page Properties macro on the page, keys in `th` or `td`, wrappers ignored."""
    blocks: list[DetailsBlock] = []
    for macro in root.iter(MACRO):
        if macro_name(macro) != "details":
            continue
        values: dict[str, Any] = {}
        kinds: dict[str, str] = {}
        for table in macro.iter("table"):
            for key, cell in _details_pairs(table):
                if key and key not in values:
                    values[key] = flatten_cell(cell)
                    kinds[key] = cell_kind(cell)
        blocks.append(
            DetailsBlock(macro_id=macro_parameter(macro, "id"), values=values, kinds=kinds)
        )
    return blocks


_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def _sections(root: etree._Element) -> dict[etree._Element, str]:
    """Each table's section: the text of the last heading before it in document order (a
    heading inside a table does not start a section)."""
    found: dict[etree._Element, str] = {}
    heading = ""
    for element in root.iter():
        name = local(element.tag)
        if name in _HEADINGS and next(element.iterancestors("table"), None) is None:
            heading = normalise_key(plain_text(element))
        elif name == "table":
            found[element] = heading
    return found


def read_tables(root: etree._Element) -> list[Table]:
    """Tables outside Page Properties macros, with their header row, data rows and section."""
    tables: list[Table] = []
    sections = _sections(root)
    for table in root.iter("table"):
        if _inside_details(table):
            continue
        rows = _own_rows(table)
        if not rows:
            continue
        header_row = next((r for r in rows if local(_parent_tag(r)) == "thead"), None)
        if header_row is None:
            header_row = next(
                (r for r in rows if all(local(c.tag) == "th" for c in _cells(r)) and _cells(r)),
                rows[0],
            )
        headers = [normalise_key(plain_text(c)) for c in _cells(header_row)]
        parsed = Table(headers=headers, heading=sections.get(table, ""))
        for tr in rows:
            if tr is header_row:
                continue
            cells = _cells(tr)
            if cells and all(local(c.tag) == "th" for c in cells):
                continue
            row: dict[str, Any] = {}
            for header, cell in zip(headers, cells, strict=False):
                if header:
                    row[header] = flatten_cell(cell)
                    kind = cell_kind(cell)
                    if kind != "text" or header not in parsed.kinds:
                        parsed.kinds[header] = kind
            if any(v not in ("", None, []) for v in row.values()):
                parsed.rows.append(row)
        tables.append(parsed)
    return tables


def read_page(body: str) -> ParsedPage:
    """Parse a body and read its Page Properties (first occurrence of a key wins) and tables."""
    root = parse_storage(body)
    blocks = read_details(root)
    merged: dict[str, Any] = {}
    kinds: dict[str, str] = {}
    for block in blocks:
        for key, value in block.values.items():
            merged.setdefault(key, value)
            kinds.setdefault(key, block.kinds.get(key, "text"))
    return ParsedPage(details=merged, blocks=blocks, tables=read_tables(root), kinds=kinds)


def find_table(tables: list[Table], title_header: str | tuple[str, ...] | None) -> Table | None:
    """The key-result table: the first whose header row has the mapping's title column (or
    one of its aliases).

    Without a mapping, a table whose first header reads like "Key result" is taken.
    """
    names = (title_header,) if isinstance(title_header, str) else title_header or ()
    for table in tables:
        if any(header_match(h, name) for h in table.headers for name in names):
            return table
    if names:
        return None
    for table in tables:
        first = table.headers[0] if table.headers else ""
        if any(header_match(first, name) for name in ("key result", "key results", "kr")):
            return table
    return None


def slug(text: str) -> str:
    """A lowercase slug of any-language text: letters and digits kept, runs of others -> '-'."""
    out: list[str] = []
    for char in unicodedata.normalize("NFKC", text).casefold():
        if char.isalnum():
            out.append(char)
        elif out and out[-1] != "-":
            out.append("-")
    return "".join(out).strip("-")
