"""The sandbox's view of a Page Properties Report (`detailssummary`): the table Confluence
builds from the pages its CQL finds, with each page's Page Properties (`details`) as columns.

The pages are real storage XHTML: the people's box as the seed writes it, okrsync's own box as
the connector renders it (`render_managed_macro`), in an emulator that is never started (the
view reads the store).
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import html
from okrsync_confluence.review_page import render_managed_macro

from okrsync_sandbox.confluence import ConfluenceSandbox
from okrsync_sandbox.confluence.store import Page

REPORT = (
    '<p>One page per objective.</p><ac:structured-macro ac:name="detailssummary" '
    'ac:schema-version="3" data-layout="full-width">{parameters}</ac:structured-macro>'
)
CQL = '<ac:parameter ac:name="cql">label = "okr" and space = currentSpace ( )</ac:parameter>'


def people_box(owner: str, status: str, colour: str, *, extra: str = "") -> str:
    """The people's own Page Properties: keys in `th`, values in `td`, a mention, a lozenge."""
    return (
        '<ac:structured-macro ac:name="details" ac:schema-version="1"><ac:rich-text-body>'
        "<table><tbody>"
        f'<tr><th>Owner</th><td><ac:link><ri:user ri:account-id="{owner}"/></ac:link></td></tr>'
        "<tr><th><p><strong>Team</strong></p></th><td><p>Support</p></td></tr>"
        '<tr><th>Status</th><td><ac:structured-macro ac:name="status">'
        f'<ac:parameter ac:name="colour">{colour}</ac:parameter>'
        f'<ac:parameter ac:name="title">{status}</ac:parameter></ac:structured-macro></td></tr>'
        f"{extra}</tbody></table></ac:rich-text-body></ac:structured-macro>"
    )


def okrsync_box(score: str, health: str, colour: str) -> str:
    return render_managed_macro(
        [("Score", score), ("Health", health), ("Warnings", "")], "Health", colour
    )


def sandbox() -> tuple[ConfluenceSandbox, Callable[[float], None]]:
    """An emulator with the space OKR, its clock set by the test (page edit times)."""
    now = [1_790_000_000.0]
    box = ConfluenceSandbox(deployment="cloud", clock=lambda: now[0])
    box.create_space("OKR", "OKRs")

    def at(moment: float) -> None:
        now[0] = moment

    return box, at


def report_rows(box: ConfluenceSandbox, page: Page) -> list[list[str]]:
    """The report's table on `page` as the view shows it: the header row, then each row's
    cells as text."""
    tree = html.fromstring(box.render_html()[page.title])
    table = tree.xpath("//div[contains(@class, 'page-properties-report')]//table")
    assert len(table) == 1, "one report table"
    return [[c.text_content().strip() for c in tr.xpath("./th|./td")] for tr in table[0].iter("tr")]


def objectives(box: ConfluenceSandbox, at: Callable[[float], None]) -> dict[str, Page]:
    """Three objective pages (edited in this order), a labelled page with no properties, and
    an unlabelled page with properties (neither of the last two is listed)."""
    user = next(u for u in box.store.users.values() if u.display_name == "Alex Editor")
    pages = {}
    for when, title, body in (
        (10.0, "Answer faster", people_box(user.account_id, "On track", "Green")),
        (
            30.0,
            "Cut churn",
            people_box(user.account_id, "At risk", "Yellow")
            + okrsync_box("0.3", "At risk", "Yellow"),
        ),
        (
            20.0,
            "Grow revenue",
            people_box(user.account_id, "Done", "Blue") + okrsync_box("0.8", "On track", "Green"),
        ),
        (40.0, "Notes on OKRs", "<p>No properties here.</p>"),
    ):
        at(1_790_000_000.0 + when)
        pages[title] = box.create_page("OKR", title, body, labels=("okr",))
    box.create_page("OKR", "Draft", people_box(user.account_id, "Draft", "Grey"))
    return pages


def test_the_report_lists_each_page_with_its_properties_from_every_box() -> None:
    """No `id` on the report: every Page Properties macro on a page counts (the people's and
    okrsync's), the title links to the page, a missing property is an empty cell, the last
    edited page comes first, and pages without properties or without the label are left out.
    `currentSpace()` is the report page's space."""
    box, at = sandbox()
    pages = objectives(box, at)
    at(1_790_000_100.0)
    report = box.create_page("OKR", "Objectives", REPORT.format(parameters=CQL))
    rows = report_rows(box, report)
    assert rows == [
        ["Title", "Owner", "Team", "Status", "Score", "Health", "Warnings"],
        ["Cut churn", "@Alex Editor", "Support", "At risk", "0.3", "At risk", ""],
        ["Grow revenue", "@Alex Editor", "Support", "Done", "0.8", "On track", ""],
        ["Answer faster", "@Alex Editor", "Support", "On track", "", "", ""],
    ]
    tree = html.fromstring(box.render_html()["Objectives"])
    links = tree.xpath("//div[contains(@class, 'page-properties-report')]//tbody/tr/td[1]/a")
    assert [a.get("href") for a in links] == [
        f"/view/{pages[t].id}" for t in ("Cut churn", "Grow revenue", "Answer faster")
    ]
    health = tree.xpath("//div[contains(@class, 'page-properties-report')]//tbody/tr[1]/td[6]")
    assert health[0].xpath(".//span[@class='lozenge']"), "a lozenge stays a lozenge"
    # The macro is set to full width in the editor (Cloud's data-layout): so is the table.
    assert tree.xpath("//div[@class='page-properties-report wide']")


def test_report_parameters_pick_the_box_the_columns_and_the_order() -> None:
    """`id` reads only the boxes with that id; `headings` picks and orders the columns (one no
    page has stays empty); `firstcolumn` names the title column; `sortBy` a column, `reverseSort`
    turns it round; `pageSize` shows the first rows and says how many there are."""
    box, at = sandbox()
    objectives(box, at)
    parameters = (
        CQL
        + '<ac:parameter ac:name="id">okrsync-outputs</ac:parameter>'
        + '<ac:parameter ac:name="headings">Health, Score,Confidence</ac:parameter>'
        + '<ac:parameter ac:name="firstcolumn">Objective</ac:parameter>'
        + '<ac:parameter ac:name="sortBy">Score</ac:parameter>'
        + '<ac:parameter ac:name="reverseSort">true</ac:parameter>'
    )
    report = box.create_page("OKR", "Scores", REPORT.format(parameters=parameters))
    assert report_rows(box, report) == [
        ["Objective", "Health", "Score", "Confidence"],
        ["Grow revenue", "On track", "0.8", ""],
        ["Cut churn", "At risk", "0.3", ""],
    ]
    by_title = CQL + '<ac:parameter ac:name="sortBy">Title</ac:parameter>'
    paged = by_title + '<ac:parameter ac:name="pageSize">2</ac:parameter>'
    first = box.create_page("OKR", "First two", REPORT.format(parameters=paged))
    assert [r[0] for r in report_rows(box, first)] == ["Title", "Answer faster", "Cut churn"]
    shown = html.fromstring(box.render_html()["First two"]).text_content()
    assert "1-2 of 3 pages" in shown


def test_the_first_row_of_a_name_wins_and_hidden_boxes_still_report() -> None:
    """Two boxes naming the same property: the report shows the first (the people's own keys
    stay theirs); a `hidden` box is not drawn on its page but its properties are reported."""
    box, _ = sandbox()
    hidden = (
        '<ac:structured-macro ac:name="details"><ac:parameter ac:name="hidden">true'
        "</ac:parameter><ac:rich-text-body><table><tbody>"
        "<tr><td>Status</td><td>Overwritten</td></tr><tr><td>Budget</td><td>12k</td></tr>"
        "</tbody></table></ac:rich-text-body></ac:structured-macro>"
    )
    user = next(iter(box.store.users.values()))
    page = box.create_page(
        "OKR", "Mixed", people_box(user.account_id, "Mine", "Green") + hidden, labels=("okr",)
    )
    own = html.fromstring(box.render_html()["Mixed"])
    assert len(own.xpath("//div[@class='page-properties']")) == 1, "the hidden box is not drawn"
    assert "12k" not in own.text_content()
    report = box.create_page("OKR", "Overview", REPORT.format(parameters=CQL))
    assert report_rows(box, report) == [
        ["Title", "Owner", "Team", "Status", "Budget"],
        [page.title, f"@{user.display_name}", "Support", "Mine", "12k"],
    ]


def test_a_report_by_label_and_reports_that_cannot_run() -> None:
    """The older `label` parameter reads the page's own space; CQL the search cannot read is a
    warning in place of the table, not a broken page; a report inside a reported cell is not
    run again; page titles are escaped."""
    box, at = sandbox()
    objectives(box, at)
    box.create_space("HR", "People")
    box.create_page("HR", "Elsewhere", people_box("x", "On track", "Green"), labels=("okr",))
    by_label = box.create_page(
        "OKR",
        "By label",
        REPORT.format(parameters='<ac:parameter ac:name="label">okr</ac:parameter>'),
    )
    assert sorted(r[0] for r in report_rows(box, by_label)[1:]) == [
        "Answer faster",
        "Cut churn",
        "Grow revenue",
    ]
    broken = '<ac:parameter ac:name="cql">label = okr and creator = me</ac:parameter>'
    box.create_page("OKR", "Broken", REPORT.format(parameters=broken))
    warning = html.fromstring(box.render_html()["Broken"]).xpath(
        "//div[@class='panel panel-warning']"
    )
    assert warning and "Could not parse cql" in warning[0].text_content()
    nested = (
        '<ac:structured-macro ac:name="details"><ac:rich-text-body><table><tbody><tr>'
        f"<td>Inner</td><td>{REPORT.format(parameters=CQL)}</td></tr></tbody></table>"
        "</ac:rich-text-body></ac:structured-macro>"
    )
    at(1_790_000_500.0)
    box.create_page("OKR", "<b>Loop</b> & co", nested, labels=("okr",))
    loop = box.render_html()["<b>Loop</b> & co"]
    assert "[Page Properties Report]" in loop, "a report in a reported cell is not run again"
    assert "&lt;b&gt;Loop&lt;/b&gt; &amp; co" in loop and "<b>Loop" not in loop
