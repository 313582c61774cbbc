"""Seeding the canonical layout, the HTML view of stored pages, and JSON save/load."""

from __future__ import annotations

import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
from lxml import etree
from okrsync_confluence.page_spans import element_spans

from okrsync.sandbox import Sandbox, load_sandbox
from okrsync.testing.workspace import sample_workspace
from okrsync_sandbox.confluence import ConfluenceSandbox, create_sandbox
from okrsync_sandbox.confluence.seed import (
    KR_HEADER,
    account_id_for,
    format_number,
    okrsync_outputs,
    slug,
    user_key_for,
)
from okrsync_sandbox.confluence.storage_xml import AC_NS, RI_NS, parse_storage
from tests.recorded import storage_sample

from .clients import raw_session, v1_client

AC = "{" + AC_NS + "}"
RI = "{" + RI_NS + "}"


def test_create_sandbox_implements_the_protocol() -> None:
    box = create_sandbox(deployment="datacenter")
    assert isinstance(box, Sandbox)
    assert box.name == "confluence"
    assert box.deployment == "datacenter"
    with pytest.raises(ValueError, match="deployment"):
        create_sandbox(deployment="server")  # type: ignore[arg-type]


def test_the_injected_clock_stamps_versions() -> None:
    box = create_sandbox(clock=lambda: 1_751_364_000.0)  # 2025-07-01T10:00:00Z
    box.create_space("OKR", "OKRs")
    page = box.create_page("OKR", "Stamped", "<p/>")
    with box:
        answer = raw_session(box).get(f"{box.url}/api/v2/pages/{page.id}").json()
    assert answer["version"]["createdAt"] == "2025-07-01T10:00:00.000Z"
    assert answer["createdAt"] == "2025-07-01T10:00:00.000Z"


def test_the_entry_point_finds_this_emulator() -> None:
    factory = load_sandbox("confluence")
    box = factory(0, deployment="datacenter")
    assert isinstance(box, ConfluenceSandbox)
    assert box.deployment == "datacenter"


def test_seed_result_describes_the_source(sandbox: ConfluenceSandbox) -> None:
    workspace = sample_workspace()
    result = sandbox.seed(workspace)
    assert result.connector == "confluence"
    assert result.options["url"] == sandbox.url
    assert result.options["deployment"] == sandbox.deployment
    assert result.options["space"] == "OKR"
    assert result.options["objectives"] == {"cql": "label = okr AND space = OKR"}
    assert result.env == {
        "OKRSYNC_SANDBOX_CONFLUENCE_USER": sandbox.username,
        "OKRSYNC_SANDBOX_CONFLUENCE_TOKEN": sandbox.token,
    }
    assert result.mapping.name == "confluence-okr-pages.yaml"
    assert result.mapping.parent.name == "mappings"
    reviews = sandbox.page(result.options["review_parent"])
    assert reviews.title == "OKR Reviews"
    for objective in workspace.objectives:
        assert sandbox.page(result.ids[objective.id]).title == objective.title
    for kr in workspace.key_results:
        page_id = result.ids[kr.objective]
        assert result.ids[kr.id] == f"{page_id}#kr-{slug(kr.title)}"
    person = workspace.people[0].id
    expected = account_id_for(person) if sandbox.deployment == "cloud" else user_key_for(person)
    assert result.ids[person] == expected


def test_seeded_layout_is_found_by_the_cql_and_the_tree(sandbox: ConfluenceSandbox) -> None:
    workspace = sample_workspace()
    result = sandbox.seed(workspace)
    client = v1_client(sandbox)
    found = client.cql(result.options["objectives"]["cql"], limit=100)["results"]
    assert sorted(r["content"]["id"] for r in found) == sorted(
        result.ids[o.id] for o in workspace.objectives
    )
    home = sandbox.store.space("OKR").homepage_id
    top = [p.title for p in sandbox.store.children(home or "")]
    assert top == ["Objectives", "OKR Reviews", "How we run OKRs"]
    objectives = sandbox.store.find_by_title("OKR", "Objectives")[0]
    assert len(sandbox.store.children(objectives.id)) == len(workspace.objectives)


def _details_rows(root: etree._Element) -> dict[str, etree._Element]:
    macro = next(m for m in root.iter(f"{AC}structured-macro") if m.get(f"{AC}name") == "details")
    rows: dict[str, etree._Element] = {}
    for tr in macro.iter("tr"):
        cells = [c for c in tr if c.tag in ("th", "td")]
        rows["".join(cells[0].itertext()).strip()] = cells[1]
    return rows


def _kr_table(root: etree._Element) -> list[list[str]]:
    for table in root.iter("table"):
        rows = [
            ["".join(c.itertext()).strip() for c in tr if c.tag in ("th", "td")]
            for tr in table.iter("tr")
        ]
        if rows and tuple(rows[0]) == KR_HEADER:
            return rows
    raise AssertionError("no key-result table")


def test_objective_pages_carry_properties_and_key_results(sandbox: ConfluenceSandbox) -> None:
    workspace = sample_workspace()
    result = sandbox.seed(workspace)
    sales = sandbox.page(result.ids["o-sales"])
    assert sales.labels == ["okr"]
    root = parse_storage(sales.body, resolve_entities=True)
    rows = _details_rows(root)
    assert list(rows) == [
        "Owner",
        "Team",
        "Level",
        "Quarter",
        "Type",
        "Aligned to",
        "Status",
        "Notes",
    ]
    mention = rows["Owner"].find(f".//{RI}user")
    assert mention is not None
    if sandbox.deployment == "cloud":
        assert mention.get(f"{RI}account-id") == account_id_for("p-ben")
    else:
        assert mention.get(f"{RI}userkey") == user_key_for("p-ben")
    assert "".join(rows["Team"].itertext()) == "Sales"
    assert "".join(rows["Level"].itertext()) == "Team"
    assert "".join(rows["Quarter"].itertext()) == "Q3 2025"
    assert "".join(rows["Type"].itertext()) == "Committed"
    link = rows["Aligned to"].find(f".//{RI}page")
    assert link is not None
    assert link.get(f"{RI}content-title") == "Become the default OKR tool for SMEs"
    lozenge = rows["Status"].find(f"{AC}structured-macro")
    assert lozenge is not None
    params = {p.get(f"{AC}name"): p.text for p in lozenge.iter(f"{AC}parameter")}
    assert params["title"] == "At risk"
    assert params["colour"] == "Yellow"
    table = _kr_table(root)
    assert table[1][0] == "New ARR of $500K"
    assert table[1][2:8] == ["Increase", "$0", "$180K", "$500K", "$", "5"]
    due = root.find(".//time")
    assert due is not None
    assert due.get("datetime") == "2025-09-30"


def test_variants_differ_across_pages(cloud: ConfluenceSandbox) -> None:
    result = cloud.seed(sample_workspace())
    bodies = [cloud.page(result.ids[o]).body for o in ("o-company", "o-sales", "o-product")]
    assert "<thead>" in bodies[0] and "<th>Owner</th>" in bodies[0]
    assert '<div class="table-wrap">' in bodies[1]
    assert "<td><strong>Owner</strong></td>" in bodies[1]
    assert "<colgroup>" in bodies[1]
    assert 'ac:macro-id="' in bodies[2] and "<th><p><strong>Owner</strong></p></th>" in bodies[2]
    support = cloud.page(result.ids["o-support"]).body
    assert "<td>Owner</td>" in support and 'ac:name="expand"' in support
    product = parse_storage(bodies[2], resolve_entities=True)
    notes = "".join(_details_rows(product)["Notes"].itertext())
    assert notes == "okrsync: ignore OBJ003"
    assert "1,200" in "".join(_kr_table(parse_storage(bodies[1], resolve_entities=True))[2])


def test_workspace_text_is_escaped_in_bodies(cloud: ConfluenceSandbox) -> None:
    result = cloud.seed(sample_workspace())
    company = cloud.page(result.ids["o-company"])
    assert "Growth &amp; retention &lt;together&gt;." in company.body
    root = parse_storage(company.body, resolve_entities=True)
    assert root.find(".//together") is None


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (27, "%", "27%"),
        (500_000, "$", "$500K"),
        (1_200_000, "€", "€1.2M"),
        (1234, "$", "$1234"),
        (1200, None, "1200"),
        (0.5, "h", "0.5"),
        (None, "%", ""),
    ],
)
def test_number_formatting(value: float | None, unit: str | None, shown: str) -> None:
    assert format_number(value, unit) == shown


def test_seeding_twice_updates_in_place(cloud: ConfluenceSandbox) -> None:
    workspace = sample_workspace()
    first = cloud.seed(workspace)
    count = len(cloud.store.all_pages())
    changed = workspace.model_copy(
        update={
            "key_results": tuple(
                kr.model_copy(update={"current": 40.0}) if kr.id == "kr-nps" else kr
                for kr in workspace.key_results
            )
        }
    )
    second = cloud.seed(changed)
    assert len(cloud.store.all_pages()) == count
    assert len(cloud.store.find_by_title("OKR", "OKR Reviews")) == 1
    assert second.ids == first.ids
    assert cloud.page(first.ids["o-company"]).version == 2
    assert cloud.page(first.ids["o-sales"]).version == 1


OKRSYNC_BOX = (
    '<ac:structured-macro ac:name="details" ac:schema-version="1">'
    '<ac:parameter ac:name="id">okrsync-outputs</ac:parameter><ac:rich-text-body><table><tbody>'
    '<tr><th>Health</th><td><ac:structured-macro ac:name="status" ac:schema-version="1">'
    '<ac:parameter ac:name="title">At risk</ac:parameter></ac:structured-macro></td></tr>'
    "</tbody></table></ac:rich-text-body></ac:structured-macro>"
)


def test_seeding_again_keeps_okrsyncs_outputs_as_people_editing_the_page_do(
    cloud: ConfluenceSandbox,
) -> None:
    """The demo's weeks edit the pages by seeding again; a person editing a page in Confluence
    keeps okrsync's own Page Properties box on it, so the seed does too (else okrsync would
    write every page again every week)."""
    workspace = sample_workspace()
    page_id = cloud.seed(workspace).ids["o-company"]
    body = cloud.page(page_id).body
    raw = body.encode()
    people_end = next(s for s in element_spans(body) if s.macro == "details").end
    with_box = (raw[:people_end] + OKRSYNC_BOX.encode() + raw[people_end:]).decode()
    cloud.store.update_page(page_id, version=2, body=with_box)
    assert okrsync_outputs(with_box) == OKRSYNC_BOX and okrsync_outputs(body) == ""
    cloud.seed(workspace)
    assert cloud.page(page_id).version == 2, "nothing changed, nothing written"
    changed = workspace.model_copy(
        update={
            "key_results": tuple(
                kr.model_copy(update={"current": 41.0}) if kr.id == "kr-nps" else kr
                for kr in workspace.key_results
            )
        }
    )
    cloud.seed(changed)
    page = cloud.page(page_id)
    assert page.version == 3 and ">41<" in page.body
    assert page.body.count(OKRSYNC_BOX) == 1, "okrsync's box stays, where it was"
    assert page.body.index(OKRSYNC_BOX) == with_box.index(OKRSYNC_BOX)


# view ----------------------------------------------------------------------------------


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def tags_of(html: str) -> list[str]:
    collector = _TagCollector()
    collector.feed(html)
    return collector.tags


def test_render_html_draws_macros_simply(cloud: ConfluenceSandbox) -> None:
    body = (
        '<ac:structured-macro ac:name="status"><ac:parameter ac:name="colour">Green</ac:parameter>'
        '<ac:parameter ac:name="title">On track</ac:parameter></ac:structured-macro>'
        '<ac:structured-macro ac:name="warning">'
        '<ac:parameter ac:name="title">Careful</ac:parameter>'
        "<ac:rich-text-body><p>Mind the gap</p></ac:rich-text-body></ac:structured-macro>"
        '<ac:structured-macro ac:name="expand"><ac:parameter ac:name="title">KRs</ac:parameter>'
        "<ac:rich-text-body><p>inside</p></ac:rich-text-body></ac:structured-macro>"
        "<ac:task-list><ac:task><ac:task-id>1</ac:task-id><ac:task-status>complete</ac:task-status>"
        "<ac:task-body>done thing</ac:task-body></ac:task></ac:task-list>"
        '<p><ac:link><ri:user ri:account-id="557058:00000000-0000-4000-8000-0000000ed17" />'
        '</ac:link> see <ac:link><ri:page ri:content-title="OKRs Home" /></ac:link></p>'
    )
    cloud.create_page("OKR", "Macros", body)
    html = cloud.render_html()["Macros"]
    assert 'class="lozenge" style="background:#e3fcef' in html
    assert ">On track</span>" in html
    assert 'class="panel panel-warning"' in html
    assert '<div class="panel-title">Careful</div><p>Mind the gap</p>' in html
    assert "<details open><summary>KRs</summary><p>inside</p></details>" in html
    assert '<input type="checkbox" disabled checked> done thing' in html
    assert "@Alex Editor" in html
    home = cloud.store.space("OKR").homepage_id
    assert f'<a href="/view/{home}">OKRs Home</a>' in html


def test_render_html_escapes_all_text(cloud: ConfluenceSandbox) -> None:
    body = (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; more</p>"
        '<p><a href="javascript:alert(1)">click</a></p><script>bad()</script>'
        '<p onclick="x()">para</p>'
        '<ac:structured-macro ac:name="status"><ac:parameter ac:name="title">'
        "&lt;b&gt;bold&lt;/b&gt;</ac:parameter></ac:structured-macro>"
    )
    cloud.create_page("OKR", "<Tricky> & title", body)
    html = cloud.render_html()["<Tricky> & title"]
    assert "<title>&lt;Tricky&gt; &amp; title</title>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert "script" not in tags_of(html)
    assert "javascript:" not in html
    assert "onclick" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;</span>" in html
    assert "b" not in tags_of(html.split("<body>")[1])


def test_seeded_pages_and_storage_samples_render(cloud: ConfluenceSandbox) -> None:
    cloud.seed(sample_workspace())
    for name in ("panels", "tasklists", "codes", "tables", "macro-table"):
        cloud.create_page("OKR", f"sample {name}", storage_sample(name))
    pages = cloud.render_html()
    assert "Grow revenue in the DACH region" in pages
    sales = pages["Grow revenue in the DACH region"]
    assert ">At risk</span>" in sales and "@Ben O&#x27;Neil" in sales
    assert "<td><strong>Key Result</strong></td>" in sales
    assert 'class="panel panel-tip"' in pages["sample panels"]
    assert "<pre><code>okrsync lint</code></pre>" in pages["sample codes"]
    assert pages["sample tasklists"].count('type="checkbox"') == 3


def test_view_is_served_over_http(cloud: ConfluenceSandbox) -> None:
    result = cloud.seed(sample_workspace())
    page_id = result.ids["o-company"]
    with urllib.request.urlopen(f"{cloud.base_url}/view/") as index:
        text = index.read().decode()
    assert f'href="/view/{page_id}"' in text
    with urllib.request.urlopen(f"{cloud.base_url}/view/{page_id}") as page:
        assert page.headers["Content-Type"].startswith("text/html")
        assert "Become the default OKR tool for SMEs" in page.read().decode()
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{cloud.base_url}/view/1")
    assert missing.value.code == 404


# persistence ---------------------------------------------------------------------------


def test_save_and_load_round_trip(sandbox: ConfluenceSandbox, tmp_path: Path) -> None:
    result = sandbox.seed(sample_workspace())
    page_id = result.ids["o-sales"]
    sandbox.human_edit(page_id)
    sandbox.store.create_property(page_id, "okrsync", {"hash": "x"})
    path = tmp_path / "state.json"
    sandbox.save(path)
    fresh = ConfluenceSandbox(deployment=sandbox.deployment)
    with fresh:
        fresh.load(path)
        assert fresh.store.to_json() == sandbox.store.to_json()
        client = v1_client(fresh)
        page = client.get_page_by_id(page_id, expand="version,metadata.labels,body.storage")
        assert page["version"]["number"] == 2
        assert [r["name"] for r in page["metadata"]["labels"]["results"]] == ["okr"]
        assert client.get_page_property(page_id, "okrsync")["value"] == {"hash": "x"}
        created = client.create_page("OKR", "After load", "<p/>")
        assert int(created["id"]) > max(int(i) for i in sandbox.store.pages)
        assert fresh.render_html().keys() >= sandbox.render_html().keys()


def test_load_rejects_an_unknown_format(cloud: ConfluenceSandbox, tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"format": 99}')
    with pytest.raises(ValueError, match="format"):
        cloud.load(path)
    assert raw_session(cloud).get(f"{cloud.url}/rest/api/space/OKR").ok


def test_objective_pages_were_last_edited_at_their_latest_check_in(
    sandbox: ConfluenceSandbox,
) -> None:
    from datetime import UTC, date, datetime

    from okrsync.model import Cycle, KeyResult, Objective, Workspace

    early = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    later = datetime(2026, 1, 20, 14, 0, tzinfo=UTC)
    workspace = Workspace(
        cycles=(Cycle(id="q1", name="Q1 2026", start=date(2026, 1, 1), end=date(2026, 3, 31)),),
        objectives=(
            Objective(id="o1", title="Win the market", cycle="q1"),
            Objective(id="o2", title="Delight users", cycle="q1"),
        ),
        key_results=(
            KeyResult(id="k1", objective="o1", title="Grow A", start=0, target=1, updated_at=early),
            KeyResult(id="k2", objective="o1", title="Grow B", start=0, target=1, updated_at=later),
            KeyResult(id="k3", objective="o2", title="Grow C", start=0, target=1),
        ),
    )
    result = sandbox.seed(workspace)
    dated = sandbox.page(result.ids["o1"])
    assert dated.current.when == later.timestamp()
    undated = sandbox.page(result.ids["o2"])
    assert undated.current.when > later.timestamp()
