"""Storage format -> a plain HTML view, so a person can see exactly what was written.

Macros are drawn simply: status lozenges as coloured labels, info/note/warning/tip panels as
coloured boxes, expands open (`<details open>`) with their title, Page Properties (details)
macros as their table (none when `hidden`), a Page Properties Report (detailssummary) as the
table Confluence builds from the pages it finds (page_properties.py), task lists as
checkboxes, user mentions as `@name`, page links as links to their view. Everything is
rebuilt from the parsed tree: text and attribute values are always escaped, only a fixed set
of plain HTML elements and attributes is re-emitted, and unknown elements keep only their
(escaped) text, so a stored body cannot inject markup into the view.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Final

from lxml import etree
from lxml import html as lxml_html

from .page_properties import Report, ReportError, build_report, macro_parameters
from .storage_xml import AC_NS, RI_NS, StorageFormatError, parse_storage
from .store import Page, Store

AC: Final = "{" + AC_NS + "}"
RI: Final = "{" + RI_NS + "}"

PLAIN_ELEMENTS: Final = frozenset(
    {
        *("p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code", "div", "span"),
        *("table", "thead", "tbody", "tfoot", "tr", "th", "td", "colgroup", "col", "caption"),
        *("ul", "ol", "li", "strong", "em", "b", "i", "u", "s", "del", "sub", "sup", "small"),
        *("br", "hr"),
    }
)
VOID_ELEMENTS: Final = frozenset({"br", "hr", "col"})
KEPT_ATTRIBUTES: Final = frozenset({"colspan", "rowspan"})
LOZENGE_COLOURS: Final = {
    "grey": ("#dfe1e6", "#42526e"),
    "red": ("#ffebe6", "#bf2600"),
    "yellow": ("#fff0b3", "#172b4d"),
    "green": ("#e3fcef", "#006644"),
    "blue": ("#deebff", "#0747a6"),
    "purple": ("#eae6ff", "#403294"),
}
PANEL_COLOURS: Final = {
    "info": ("#deebff", "#4c9aff"),
    "note": ("#eae6ff", "#8777d9"),
    "warning": ("#ffebe6", "#ff5630"),
    "tip": ("#e3fcef", "#57d9a3"),
    "panel": ("#f4f5f7", "#c1c7d0"),
}
STYLE: Final = """
body { font-family: -apple-system, 'Segoe UI', Roboto, sans-serif; max-width: 60rem;
       margin: 2rem auto; color: #172b4d; line-height: 1.5; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { border: 1px solid #c1c7d0; padding: .25rem .5rem; vertical-align: top; }
th { background: #f4f5f7; text-align: left; }
td > p, th > p { margin: 0; }
.lozenge { display: inline-block; padding: 0 .4rem; border-radius: 3px; font-size: .75rem;
           font-weight: 700; text-transform: uppercase; }
.panel { border-left: 4px solid; border-radius: 3px; padding: .5rem 1rem; margin: .75rem 0; }
.panel-title { font-weight: 700; }
.page-properties { border: 1px dashed #c1c7d0; padding: .25rem .5rem; margin: .75rem 0; }
.page-properties-report { overflow-x: auto; margin: .75rem 0; }
.page-properties-report table { margin: 0; }
.page-properties-report.wide { width: calc(100vw - 4rem); margin-left: calc(50% - 50vw + 2rem); }
.macro { color: #6b778c; font-style: italic; }
details { border: 1px solid #dfe1e6; padding: .25rem .75rem; margin: .5rem 0; }
summary { font-weight: 600; }
.mention { color: #0052cc; background: #deebff; border-radius: 3px; padding: 0 .2rem; }
.meta { color: #6b778c; font-size: .85rem; }
ul.tasks { list-style: none; padding-left: .5rem; }
"""


def _attr(element: etree._Element, name: str) -> str:
    value = element.get(name)
    return "" if value is None else str(value)


class _Renderer:
    """Walks one parsed body; needs the store to name users and find linked pages."""

    def __init__(self, store: Store, page: Page, *, in_report: bool = False) -> None:
        self.store = store
        self.page = page
        self.in_report = in_report
        """Drawing a cell of a Page Properties Report (which does not run a report again)."""

    def children(self, element: etree._Element) -> str:
        out = [escape(element.text or "")]
        for child in element:
            out.append(self.node(child))
            out.append(escape(child.tail or ""))
        return "".join(out)

    def node(self, element: etree._Element) -> str:
        if not isinstance(element.tag, str):
            return ""  # comments and processing instructions are not shown
        tag = element.tag
        if tag.startswith(AC):
            return self.ac_element(tag[len(AC) :], element)
        if tag.startswith(RI):
            return ""
        if tag == "a":
            href = _attr(element, "href")
            if href.startswith(("http://", "https://", "/", "#", "mailto:")):
                return f'<a href="{escape(href)}">{self.children(element)}</a>'
            return self.children(element)
        if tag == "time":
            when = _attr(element, "datetime")
            return f'<time datetime="{escape(when)}">{escape(when)}</time>'
        if tag in PLAIN_ELEMENTS:
            kept = "".join(
                f' {name}="{escape(str(value))}"'
                for name, value in element.attrib.items()
                if name in KEPT_ATTRIBUTES
            )
            if tag in VOID_ELEMENTS:
                return f"<{tag}{kept}>"
            return f"<{tag}{kept}>{self.children(element)}</{tag}>"
        return self.children(element)

    def rich_body(self, macro: etree._Element) -> str:
        body = macro.find(f"{AC}rich-text-body")
        return self.children(body) if body is not None else ""

    def ac_element(self, name: str, element: etree._Element) -> str:
        if name in ("structured-macro", "macro"):
            return self.macro(element)
        if name == "link":
            return self.link(element)
        if name == "task-list":
            items = "".join(self.task(t) for t in element.findall(f"{AC}task"))
            return f'<ul class="tasks">{items}</ul>'
        if name == "emoticon":
            return escape(
                _attr(element, f"{AC}emoji-fallback") or f":{_attr(element, f'{AC}name')}:"
            )
        if name == "image":
            return self.image(element)
        if name in ("placeholder", "parameter", "task-id"):
            return ""
        return self.children(element)

    def image(self, element: etree._Element) -> str:
        """An attached image embedded as it is stored now (a data URL, so a saved view keeps
        it); a missing attachment or a non-image file is named instead."""
        reference = element.find(f"{RI}attachment")
        file_name = _attr(reference, f"{RI}filename") if reference is not None else ""
        found = self.store.attachment_named(self.page.id, file_name) if file_name else None
        if found is None or not found.media_type.startswith("image/"):
            return f'<span class="macro">[missing image: {escape(file_name or "?")}]</span>'
        width = _attr(element, f"{AC}width")
        sized = f' width="{width}"' if width.isdigit() else ""
        source = f"data:{found.media_type};base64,{found.current.data}"
        return f'<img alt="{escape(file_name)}"{sized} src="{escape(source)}">'

    def task(self, task: etree._Element) -> str:
        status = task.find(f"{AC}task-status")
        done = status is not None and (status.text or "").strip() == "complete"
        body = task.find(f"{AC}task-body")
        text = self.children(body) if body is not None else ""
        checked = " checked" if done else ""
        return f'<li><input type="checkbox" disabled{checked}> {text}</li>'

    def link(self, element: etree._Element) -> str:
        body = element.find(f"{AC}link-body")
        plain = element.find(f"{AC}plain-text-link-body")
        label = ""
        if body is not None:
            label = self.children(body)
        elif plain is not None:
            label = escape(plain.text or "")
        user = element.find(f"{RI}user")
        if user is not None:
            return f'<span class="mention">@{escape(self.user_name(user))}</span>'
        target = element.find(f"{RI}page")
        if target is not None:
            title = _attr(target, f"{RI}content-title")
            space = _attr(target, f"{RI}space-key") or self.page.space_key
            found = self.store.find_by_title(space, title)
            text = label or escape(title)
            if found:
                return f'<a href="/view/{found[0].id}">{text}</a>'
            return f'<a class="missing" title="no such page">{text}</a>'
        return label

    def user_name(self, user: etree._Element) -> str:
        account_id = _attr(user, f"{RI}account-id")
        user_key = _attr(user, f"{RI}userkey")
        username = _attr(user, f"{RI}username")
        for known in self.store.users.values():
            if (
                (account_id and known.account_id == account_id)
                or (user_key and known.user_key == user_key)
                or (username and known.username == username)
            ):
                return known.display_name
        return account_id or user_key or username or "unknown user"

    def macro(self, macro: etree._Element) -> str:
        name = _attr(macro, f"{AC}name")
        params = macro_parameters(macro)
        if name == "status":
            colour = params.get("colour", params.get("color", "Grey")).lower()
            background, foreground = LOZENGE_COLOURS.get(colour, LOZENGE_COLOURS["grey"])
            title = params.get("title", "") or colour
            return (
                f'<span class="lozenge" style="background:{background};color:{foreground}">'
                f"{escape(title)}</span>"
            )
        if name in PANEL_COLOURS:
            background, border = PANEL_COLOURS[name]
            title = params.get("title", "")
            heading = f'<div class="panel-title">{escape(title)}</div>' if title else ""
            return (
                f'<div class="panel panel-{name}" style="background:{background};'
                f'border-color:{border}">{heading}{self.rich_body(macro)}</div>'
            )
        if name == "expand":
            title = params.get("title", "") or "Click here to expand..."
            return (
                f"<details open><summary>{escape(title)}</summary>{self.rich_body(macro)}</details>"
            )
        if name == "details":
            if params.get("hidden", "").strip().lower() == "true":
                return ""  # shown only in the reports that read it
            return f'<div class="page-properties">{self.rich_body(macro)}</div>'
        if name == "detailssummary":
            return self.report(params, _attr(macro, "data-layout"))
        if name == "anchor":
            return ""
        if name in ("code", "noformat"):
            text = macro.find(f"{AC}plain-text-body")
            code = "" if text is None else (text.text or "")
            return f"<pre><code>{escape(code)}</code></pre>"
        inner = self.rich_body(macro)
        return f'<div class="macro">[{escape(name)} macro]</div>{inner}'

    def report(self, params: dict[str, str], layout: str = "") -> str:
        """A Page Properties Report as Confluence draws it: a table with the title column
        (each page linked) and a column per property, one row per page it finds; as wide as
        the window when the macro's `data-layout` (Cloud's width setting) is wide or
        full-width, scrolling sideways where it does not fit."""
        if self.in_report:
            return '<div class="macro">[Page Properties Report]</div>'
        try:
            report = build_report(params, self.store, self.page, self.report_cell, _shown_text)
        except ReportError as exc:
            return (
                f'<div class="panel panel-warning">Page Properties Report: {escape(str(exc))}</div>'
            )
        if not report.rows:
            return '<div class="macro">Page Properties Report: no pages found.</div>'
        return _report_table(report, wide=layout in ("wide", "full-width"))

    def report_cell(self, page: Page, cell: etree._Element) -> str:
        """A property's value as a report shows it: its cell drawn as on its own page."""
        return _Renderer(self.store, page, in_report=True).children(cell)


def _shown_text(cell: str) -> str:
    return str(lxml_html.fragment_fromstring(cell or " ", create_parent="div").text_content())


def _report_table(report: Report[str], *, wide: bool) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in (report.title_heading, *report.columns))
    rows = []
    for row in report.rows:
        link = f'<a href="/view/{row.page.id}">{escape(row.page.title)}</a>'
        cells = "".join(f"<td>{row.cells.get(c, '')}</td>" for c in report.columns)
        rows.append(f"<tr><td>{link}</td>{cells}</tr>")
    more = ""
    if report.total > len(report.rows):
        more = f'<p class="meta">1-{len(report.rows)} of {report.total} pages</p>'
    kind = "page-properties-report wide" if wide else "page-properties-report"
    return (
        f'<div class="{kind}"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>{more}</div>"
    )


def render_body(body: str, store: Store, page: Page) -> str:
    """The HTML for one storage body (an error notice when it does not parse)."""
    try:
        root = parse_storage(body, resolve_entities=True)
    except StorageFormatError as exc:
        return (
            f'<div class="panel panel-warning">Unreadable storage format: {escape(str(exc))}</div>'
        )
    return _Renderer(store, page).children(root)


def _document(title: str, content: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{content}</body></html>\n"
    )


def render_page(page: Page, store: Store, deployment: str) -> str:
    """A whole HTML document for one page: title, where it is, labels, version, body."""
    trail = [store.pages[i] for i in store.ancestor_ids(page.id) if i in store.pages]
    crumbs = " / ".join(f'<a href="/view/{p.id}">{escape(p.title)}</a>' for p in trail)
    author = store.users.get(page.current.by)
    labels = ", ".join(escape(label) for label in page.labels) or "none"
    meta = (
        f'<p class="meta"><a href="/view/">All pages</a> · space {escape(page.space_key)}'
        f"{' · ' + crumbs if crumbs else ''} · version {page.version}"
        f" by {escape(author.display_name if author else page.current.by)}"
        f" · labels: {labels} · {escape(deployment)}</p>"
    )
    content = f"{meta}<h1>{escape(page.title)}</h1>{render_body(page.body, store, page)}"
    return _document(page.title, content)


def _tree(store: Store, pages: Iterable[Page]) -> str:
    items = []
    for page in pages:
        kids = store.children(page.id)
        nested = _tree(store, kids) if kids else ""
        items.append(f'<li><a href="/view/{page.id}">{escape(page.title)}</a>{nested}</li>')
    return f"<ul>{''.join(items)}</ul>"


def render_index(store: Store, *, missing: str | None = None) -> str:
    """An index of every space and its page tree, linking to each page's view."""
    with store.locked():
        sections = []
        if missing is not None:
            sections.append(f'<p class="meta">No page with id {escape(missing)}.</p>')
        for space in store.spaces.values():
            roots = [
                p for p in store.all_pages() if p.space_key == space.key and p.parent_id is None
            ]
            sections.append(
                f"<h2>{escape(space.name)} ({escape(space.key)})</h2>{_tree(store, roots)}"
            )
        return _document("Confluence sandbox", "<h1>Confluence sandbox</h1>" + "".join(sections))
