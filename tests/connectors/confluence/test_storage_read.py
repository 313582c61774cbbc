"""The storage-format reader on hand-written real-world variants and our storage samples."""

from __future__ import annotations

import pytest
from okrsync_confluence.storage_read import (
    PageLink,
    StorageFormatError,
    find_table,
    parse_storage,
    plain_text,
    read_page,
    slug,
)

from tests.recorded import storage_sample

KEYS_IN_TH = """
<ac:structured-macro ac:name="details" ac:schema-version="1" ac:macro-id="abc-123">
<ac:rich-text-body><table><colgroup><col style="width: 120px"/><col/></colgroup><tbody>
<tr><th><p>Owner</p></th>
<td><p><ac:link><ri:user ri:account-id="557058:aa-bb"/></ac:link></p></td></tr>
<tr><th>Team</th><td>Growth&nbsp;Team</td></tr>
<tr><th>Quarter</th><td><p>Q3 2025</p></td></tr>
<tr><th>Status</th><td><ac:structured-macro ac:name="status" ac:schema-version="1">
<ac:parameter ac:name="colour">Green</ac:parameter>
<ac:parameter ac:name="title">ON TRACK</ac:parameter>
</ac:structured-macro></td></tr>
<tr><th>Aligned to</th><td><ac:link>
<ri:page ri:content-title="Company: Win the market" ri:space-key="OKR"/></ac:link>,
<a href="https://x.atlassian.net/wiki/spaces/OKR/pages/4242/Other">Other</a></td></tr>
<tr><th>Due</th><td><time datetime="2025-09-30"/></td></tr>
</tbody></table></ac:rich-text-body></ac:structured-macro>
<h2>Key results</h2>
<div class="table-wrap"><table class="wrapped"><colgroup><col/><col/><col/></colgroup><tbody>
<tr><th>Key Result</th><th>Owner</th><th>Start</th><th>Current</th><th>Target</th><th>Due</th></tr>
<tr><td>Reach 100 paying customers</td><td><ac:link><ri:user ri:userkey="8a7f808a"/>
<ac:plain-text-link-body><![CDATA[Grace Hopper]]></ac:plain-text-link-body></ac:link></td>
<td>10</td><td>45 customers</td><td>100</td><td><time datetime="2025-09-30"/></td></tr>
<tr><td></td><td></td><td></td><td></td><td></td><td></td></tr>
<tr><td>NPS &ge; 40 &amp; churn &lt; 2%</td><td></td><td>31</td><td>35,5</td><td>40</td>
<td></td></tr>
</tbody></table></div>
"""

KEYS_IN_TD = """
<div class="contentLayout2"><div class="columnLayout single"><div class="cell normal">
<div class="innerCell">
<ac:structured-macro ac:name="details"><ac:parameter ac:name="id">okr</ac:parameter>
<ac:rich-text-body><div class="table-wrap"><table><tbody>
<tr><td><strong>Owner:</strong></td><td><ac:link><ri:user ri:userkey="ff80818c"/></ac:link>
<ac:link><ri:user ri:account-id="712020:cc"/></ac:link></td></tr>
<tr><td>Level</td><td><p>Team</p></td></tr>
<tr><td>Done</td><td><ac:task-list><ac:task><ac:task-id>1</ac:task-id>
<ac:task-status>complete</ac:task-status><ac:task-body>done</ac:task-body></ac:task>
</ac:task-list></td></tr>
<tr><td>Dates</td><td><time datetime="2025-07-01"/> – <time datetime="2025-09-30"/></td></tr>
<tr><td>Notes</td><td><p>first line</p><p>okrsync: ignore OBJ003</p></td></tr>
</tbody></table></div></ac:rich-text-body></ac:structured-macro>
</div></div></div></div>
<table><thead><tr><th>Schlüsselergebnis</th><th>Ziel</th></tr></thead>
<tbody><tr><td>Umsatz verdoppeln</td><td>2 Mio €</td></tr></tbody></table>
"""


def test_keys_in_th_with_colgroup_mentions_lozenges_links_and_dates() -> None:
    page = read_page(KEYS_IN_TH)
    assert page.details["Owner"] == [{"id": "557058:aa-bb", "name": "", "email": None}]
    assert page.details["Team"] == "Growth Team"
    assert page.details["Quarter"] == "Q3 2025"
    assert page.details["Status"] == "ON TRACK"
    assert page.details["Aligned to"] == [
        PageLink(title="Company: Win the market", space="OKR"),
        PageLink(page_id="4242", title="Other"),
    ]
    assert page.details["Due"] == "2025-09-30"
    assert page.blocks[0].macro_id is None


def test_key_result_table_found_by_header_rows_flattened() -> None:
    table = find_table(read_page(KEYS_IN_TH).tables, "key result")
    assert table is not None
    assert table.headers == ["Key Result", "Owner", "Start", "Current", "Target", "Due"]
    assert len(table.rows) == 2, "the empty row is skipped"
    first, second = table.rows
    assert first["Key Result"] == "Reach 100 paying customers"
    assert first["Owner"] == [{"id": "8a7f808a", "name": "Grace Hopper", "email": None}]
    assert first["Current"] == "45 customers", "numbers with units stay text for the mapping"
    assert first["Due"] == "2025-09-30"
    assert second["Key Result"] == "NPS ≥ 40 & churn < 2%"
    assert second["Current"] == "35,5"


def test_keys_in_td_inside_layout_wrappers() -> None:
    page = read_page(KEYS_IN_TD)
    assert page.blocks[0].macro_id == "okr"
    assert [p["id"] for p in page.details["Owner"]] == ["ff80818c", "712020:cc"]
    assert page.details["Level"] == "Team"
    assert page.details["Done"] is True
    assert page.details["Dates"] == {"start": "2025-07-01", "end": "2025-09-30"}
    assert page.details["Notes"] == "first line\nokrsync: ignore OBJ003"


def test_table_in_any_language_found_by_the_mapped_header() -> None:
    tables = read_page(KEYS_IN_TD).tables
    assert find_table(tables, "key result") is None
    table = find_table(tables, "schlüsselergebnis")
    assert table is not None
    assert table.rows == [{"Schlüsselergebnis": "Umsatz verdoppeln", "Ziel": "2 Mio €"}]


def test_details_tables_are_not_taken_for_key_result_tables() -> None:
    tables = read_page(KEYS_IN_TH).tables
    assert len(tables) == 1
    assert tables[0].headers[0] == "Key Result"


def test_malformed_body_names_line_and_problem() -> None:
    with pytest.raises(StorageFormatError, match=r"line 2.*not well-formed|line 2"):
        parse_storage("<p>fine</p>\n<p>broken <b></p>")


def test_unknown_entity_is_reported_not_guessed() -> None:
    with pytest.raises(StorageFormatError, match="notanentity"):
        parse_storage("<p>&notanentity;</p>")


def test_slug_keeps_letters_of_any_language() -> None:
    assert slug("Reach 100 paying customers!") == "reach-100-paying-customers"
    assert slug("Umsatz  verdoppeln (€)") == "umsatz-verdoppeln"
    assert slug("売上を倍増") == "売上を倍増"


SAMPLES = ["panels", "codes", "macro-table", "tables", "tasklists"]


@pytest.mark.parametrize("name", SAMPLES)
def test_storage_samples_parse_with_the_same_reader(name: str) -> None:
    body = storage_sample(name)
    page = read_page(body)
    root = parse_storage(body)
    assert plain_text(root), f"{name}: some text must be read"
    if name == "tables":
        assert [t.headers for t in page.tables] == [["Metric", "Target"]] * 2
        assert page.tables[1].rows == [{"Metric": "Churn", "Target": "2 %"}]
    if name == "macro-table":
        assert page.tables[0].rows == [{"Team": "Platform", "Owner": "Ada"}]
    if name == "codes":
        assert "titled-and-collapsed" in plain_text(root)
        words = plain_text(root).split()
        assert "false" not in words, "macro parameters are not page text"
        assert "odd language" in plain_text(root).split("\n"), "code bodies are blocks"
    if name == "tasklists":
        assert "Share the scores" in plain_text(root)
        assert "complete" not in plain_text(root).split("\n")


def test_panels_are_text_not_tables() -> None:
    body = storage_sample("panels")
    page = read_page(body)
    assert page.tables == []
    assert page.details == {}
    assert "Hiring is behind plan" in plain_text(parse_storage(body))


def test_horizontal_page_properties_and_old_style_hidden_parameter() -> None:
    body = (
        '<ac:structured-macro ac:name="details"><ac:parameter ac:name="hidden">true'
        "</ac:parameter><ac:rich-text-body><table><tbody>"
        "<tr><th>Owner</th><th>Team</th><th>Quarter</th></tr>"
        "<tr><td>Ada</td><td>Core</td><td>Q4 2025</td></tr>"
        "</tbody></table></ac:rich-text-body></ac:structured-macro>"
    )
    page = read_page(body)
    assert page.details == {"Owner": "Ada", "Team": "Core", "Quarter": "Q4 2025"}
    assert page.kinds == {"Owner": "text", "Team": "text", "Quarter": "text"}


def test_first_key_wins_across_macros_and_kinds_are_reported() -> None:
    body = (
        '<ac:structured-macro ac:name="details"><ac:rich-text-body><table><tbody>'
        '<tr><th>Status</th><td><ac:structured-macro ac:name="status">'
        '<ac:parameter ac:name="title">Done</ac:parameter></ac:structured-macro></td></tr>'
        "</tbody></table></ac:rich-text-body></ac:structured-macro>"
        '<ac:structured-macro ac:name="details"><ac:parameter ac:name="id">b</ac:parameter>'
        "<ac:rich-text-body><table><tbody><tr><th>Status</th><td>ignored</td></tr>"
        '<tr><th>Due</th><td><time datetime="2025-12-31"/></td></tr>'
        "</tbody></table></ac:rich-text-body></ac:structured-macro>"
    )
    page = read_page(body)
    assert page.details == {"Status": "Done", "Due": "2025-12-31"}
    assert page.kinds == {"Status": "status", "Due": "date"}
    assert [b.macro_id for b in page.blocks] == [None, "b"]
