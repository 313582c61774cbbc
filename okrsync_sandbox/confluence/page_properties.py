"""What a Page Properties Report (`detailssummary`) lists, as Confluence builds it: the pages
its CQL (or label) finds, one row each, and the Page Properties (`details`) of each page as
columns.

How Confluence does it, and where that is written down:

- The report's parameters as Cloud stores them: `cql`, `id`, `firstcolumn`, `headings`,
  `pageSize`, `sortBy`, `reverseSort` (and display-only ones: comment and like counts, blank
  texts), with CQL such as `label = "x" and space = currentSpace ( )`
  (hallowelt/migrate-confluence issue 103, from a Cloud export; issue 101 shows `details`
  with its `id` parameter).
- The older `label` parameter: "The report will show data from the Page Properties macros on
  the pages in the current space that have this label on the page" (Atlassian, Confluence 5.3
  documentation, detailssummary snippet, https://confluence.atlassian.com/x/CQSBG).
- `hidden` on `details`: "Determines whether the data in the Page Properties macro will be
  displayed on the current page. This setting does not affect the display of the detail in
  the Page Properties Report macro" (Confluence 5.4 documentation, details snippet,
  https://confluence.atlassian.com/x/RwSPGQ).
- A `pageSize` of 30 when none is given (the default of PowerConfluence's report macro,
  powershellgallery.com PowerConfluenceFormatting 0.0.2, which mirrors the macro browser).
- The rest follows Atlassian's pages "Page Properties Macro" (doc 184550024) and "Page
  Properties Report Macro" (doc 186089616), which the reference store did not hold, so it is
  written here as those pages are remembered, not quoted: a report with an `id` reads only the
  Page Properties macros with that `id`; without one it reads every Page Properties macro on
  the page, as one set of properties in which the first row of a name wins; a page without a
  macro the report reads is not listed; `headings` (comma-separated names, as the page writes
  them) picks the columns and their order, otherwise every name found is a column, in the
  order they are first met; a page without a property has an empty cell; `firstcolumn` names
  the title column ("Title"); `sortBy` is "Title" or a column name, the default being the last
  modified page first; `reverseSort` turns the order round.

Where the emulator decides on its own (the pages above do not say): a column is sorted by its
shown text, case-insensitively, a page without the property first; with no `sortBy` an
`ORDER BY` in the CQL orders the rows (the sandbox's CQL search honours it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

from lxml import etree

from .cql import CqlError, parse, search
from .storage_xml import AC_NS, StorageFormatError, parse_storage
from .store import Page, Store

AC: Final = "{" + AC_NS + "}"
DEFAULT_PAGE_SIZE: Final = 30
DEFAULT_TITLE_HEADING: Final = "Title"
_CURRENT_SPACE: Final = re.compile(r"\bcurrentSpace\s*\(\s*\)", re.IGNORECASE)
_BLANKS: Final = re.compile(r"\s+")

Cell = TypeVar("Cell")


class ReportError(ValueError):
    """The report's parameters cannot be read (no query, or CQL the search rejects)."""


def _text(element: etree._Element) -> str:
    return _BLANKS.sub(" ", "".join(str(t) for t in element.itertext())).strip()


def _local(tag: object) -> str:
    return tag.split("}", 1)[-1] if isinstance(tag, str) else ""


def macro_parameters(macro: etree._Element) -> dict[str, str]:
    """A structured macro's parameters by name (their text)."""
    return {
        str(p.get(f"{AC}name") or ""): "".join(str(t) for t in p.itertext())
        for p in macro.findall(f"{AC}parameter")
    }


def is_macro(element: etree._Element, name: str) -> bool:
    return element.tag == f"{AC}structured-macro" and element.get(f"{AC}name") == name


def _cells(row: etree._Element) -> list[etree._Element]:
    return [c for c in row if _local(c.tag) in ("td", "th")]


def _pairs(table: etree._Element) -> list[tuple[str, etree._Element]]:
    """(name, value cell) of a Page Properties table: one name per row, the name in the first
    cell and the value in the second; or a header row of `th` names over one row of values."""
    rows = [r for r in table.iter("tr") if next(r.iterancestors("table"), None) is table]
    rows = [r for r in rows if _cells(r)]
    if len(rows) == 2:
        head, values = _cells(rows[0]), _cells(rows[1])
        if (
            len(head) > 2
            and len(head) == len(values)
            and all(_local(c.tag) == "th" for c in head)
            and not any(_local(c.tag) == "th" for c in values)
        ):
            return [(_text(k), v) for k, v in zip(head, values, strict=True)]
    return [(_text(cells[0]), cells[1]) for r in rows if len(cells := _cells(r)) >= 2]


def page_properties(root: etree._Element, macro_id: str = "") -> dict[str, etree._Element] | None:
    """The page's properties a report with `macro_id` reads: name -> value cell, the first row
    of a name winning; None when the page has no Page Properties macro the report reads."""
    found: dict[str, etree._Element] | None = None
    for macro in root.iter(f"{AC}structured-macro"):
        if not is_macro(macro, "details"):
            continue
        if macro_id and macro_parameters(macro).get("id", "").strip() != macro_id:
            continue
        found = {} if found is None else found
        body = macro.find(f"{AC}rich-text-body")
        for table in [] if body is None else body.iter("table"):
            for name, cell in _pairs(table):
                if name and name not in found:
                    found[name] = cell
    return found


def report_cql(parameters: Mapping[str, str], page: Page) -> str:
    """The CQL the report runs from `page`: its `cql` (`currentSpace()` being the page's
    space), else its `label` in the page's space."""
    cql = parameters.get("cql", "").strip()
    if not cql:
        labels = [x.strip() for x in parameters.get("label", "").split(",") if x.strip()]
        if not labels:
            raise ReportError("the report names neither a CQL query nor a label")
        quoted = ", ".join(f'"{label}"' for label in labels)
        cql = f"label in ({quoted}) and space = currentSpace()"
    return _CURRENT_SPACE.sub(f'"{page.space_key}"', cql)


@dataclass(frozen=True)
class ReportRow(Generic[Cell]):
    page: Page
    cells: dict[str, Cell]


@dataclass(frozen=True)
class Report(Generic[Cell]):
    """What the report shows: the title column's heading, the columns, the rows of its first
    page of results, and how many pages it found in all."""

    title_heading: str
    columns: tuple[str, ...]
    rows: tuple[ReportRow[Cell], ...]
    total: int


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def _page_size(value: str | None) -> int:
    try:
        size = int((value or "").strip())
    except ValueError:
        return DEFAULT_PAGE_SIZE
    return size if size > 0 else DEFAULT_PAGE_SIZE


def build_report(
    parameters: Mapping[str, str],
    store: Store,
    page: Page,
    render: Callable[[Page, etree._Element], Cell],
    shown_text: Callable[[Cell], str],
) -> Report[Cell]:
    """The report a `detailssummary` with `parameters` on `page` shows. `render` turns a value
    cell of a listed page into what the view shows, `shown_text` says what it reads as (for
    sorting). Raises ReportError when the query cannot be run."""
    try:
        query = parse(report_cql(parameters, page))
    except CqlError as exc:
        raise ReportError(str(exc)) from exc
    macro_id = parameters.get("id", "").strip()
    rows: list[ReportRow[Cell]] = []
    for found in search(query, store):
        try:
            root = parse_storage(found.body, resolve_entities=True)
        except StorageFormatError:
            continue  # Confluence cannot read its properties either
        properties = page_properties(root, macro_id)
        if properties is None:
            continue
        cells = {name: render(found, cell) for name, cell in properties.items()}
        rows.append(ReportRow(found, cells))
    title_heading = parameters.get("firstcolumn", "").strip() or DEFAULT_TITLE_HEADING
    sort_by = parameters.get("sortBy", "").strip()
    if sort_by.lower() in ("title", title_heading.lower()):
        rows.sort(key=lambda r: r.page.title.lower())
    elif sort_by:
        rows.sort(key=lambda r: r.page.title.lower())
        rows.sort(key=lambda r: _sort_text(r, sort_by, shown_text))
    elif not query.order_by:
        rows.sort(key=lambda r: (-r.page.current.when, r.page.title.lower()))
    if _flag(parameters.get("reverseSort")):
        rows.reverse()
    wanted = [h.strip() for h in parameters.get("headings", "").split(",") if h.strip()]
    columns = wanted or list(dict.fromkeys(name for row in rows for name in row.cells))
    shown = rows[: _page_size(parameters.get("pageSize"))]
    return Report(title_heading, tuple(columns), tuple(shown), len(rows))


def _sort_text(row: ReportRow[Cell], column: str, shown_text: Callable[[Cell], str]) -> str:
    cell = row.cells.get(column)
    return "" if cell is None else shown_text(cell).lower()
