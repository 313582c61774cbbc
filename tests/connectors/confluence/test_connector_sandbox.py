"""The Confluence connector through the real atlassian-python-api against the sandbox.

Every test runs on Cloud (v2 pages, basic auth) and Data Center (v1, bearer PAT).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from okrsync_confluence import create
from okrsync_confluence.page_spans import element_spans
from okrsync_confluence.review_page import MANAGED_MACRO_ID, NOTES_END, extract_notes
from okrsync_confluence.storage_read import read_page

from okrsync import rules, scoring
from okrsync.connector import SourceRecord, Write, Writeback
from okrsync.errors import ConfigError, RecordError, TransientError
from okrsync.mapping.apply import apply_mapping
from okrsync.mapping.loader import load_mapping
from okrsync.model import CheckIn
from okrsync.review import Review
from okrsync.sandbox import FaultPlan
from okrsync_sandbox.confluence import ConfluenceSandbox
from okrsync_sandbox.confluence.seed import okrsync_outputs

from .site import GRACE, MAPPING, FakeClock, Site, build_site

AT = date(2025, 8, 15)


@pytest.fixture
def cloud_site() -> Iterator[Site]:
    clock = FakeClock()
    sandbox = ConfluenceSandbox(0, deployment="cloud", clock=clock)
    sandbox.start()
    try:
        yield build_site(sandbox, "cloud", clock)
    finally:
        sandbox.stop()


def _by_id(records: list[SourceRecord]) -> dict[str, SourceRecord]:
    return {r.external_id: r for r in records}


def review_of(records: list[SourceRecord], *, earlier: float | None = None) -> Review:
    """The review of `records`; with `earlier`, every key result was at that share of its way
    two weeks ago (a check-in), so the page shows a dated change."""
    mapped = apply_mapping(load_mapping(MAPPING), records, connector="confluence")
    workspace = mapped.workspace
    if earlier is not None:
        then = datetime(2025, 8, 1, 9, tzinfo=UTC)
        past = tuple(
            CheckIn(key_result=kr.id, at=then, value=kr.start + earlier * (kr.target - kr.start))
            for kr in workspace.key_results
            if kr.start is not None and kr.target is not None
        )
        workspace = workspace.model_copy(update={"check_ins": (*workspace.check_ins, *past)})
    evaluation = scoring.evaluate(workspace, AT)
    findings = rules.check(workspace, evaluation)
    return Review(
        workspace=workspace,
        evaluation=evaluation,
        findings=(*mapped.findings, *findings),
        generated_at=datetime(2025, 8, 15, 9, tzinfo=UTC),
        source="wiki",
        source_records=tuple(records),
    )


def q3(writes: list[Write]) -> Write:
    """The Q3 2025 review page write (the unreadable page also gets a 'without cycle' page)."""
    return next(w for w in writes if w.payload.get("title") == "OKR Review Q3 2025")


def puts(site: Site) -> list[str]:
    return [e.path for e in site.sandbox.request_log() if e.method in ("PUT", "POST")]


# --------------------------------------------------------------------------- reading


def test_pull_reads_every_variant(site: Site) -> None:
    connector = site.connector()
    records = list(connector.pull(None))
    by_id = _by_id(records)
    company, team = by_id[site.ids["company"]], by_id[site.ids["team"]]
    assert company.collection == "objectives"
    assert company.fields["Level"] == "Company"
    assert company.fields["Status"] == "ON TRACK"
    assert company.fields["@title"] == "Win the market"
    assert company.fields["@labels"] == ["okr"]
    owner = team.fields["Owner"]
    assert [(p["id"], p["name"]) for p in owner] == [
        (GRACE.account_id if site.deployment == "cloud" else GRACE.user_key, "Grace Hopper")
    ]
    assert team.fields["Quarter"] == "Q3 2025"
    assert team.fields["Aligned to"] == [site.ids["company"]], "link resolved to the page id"
    assert sorted(team.fields["@labels"]) == ["growth", "okr"]
    assert str(team.fields["@url"]).startswith(site.sandbox.base_url)
    assert team.updated_at is not None
    kr = by_id[f"{site.ids['team']}#kr-reach-100-paying-customers"]
    assert kr.collection == "key_results"
    assert kr.fields["@page"] == site.ids["team"]
    assert kr.fields["Current"] == "55 customers"
    assert kr.fields["Owner"][0]["name"] == "Grace Hopper"
    assert by_id[f"{site.ids['company']}#kr-market-share-20"].fields["Due"] == "2025-09-30"
    objectives = [r for r in records if r.collection == "objectives"]
    assert len(objectives) == 5, "the page without the label is not an objective"
    assert connector.stats().requests > 0


def test_unreadable_page_is_reported_and_others_load(site: Site) -> None:
    records = list(site.connector().pull(None))
    broken = _by_id(records)[site.ids["broken"]]
    assert broken.fields["@title"] == "Broken objective"
    unreadable = [v for v in broken.fields.values() if isinstance(v, dict) and "raw" in v]
    assert unreadable and all(v["unreadable"] == "storage format" for v in unreadable)
    assert "Broken objective" in unreadable[0]["raw"]
    assert "line 1" in unreadable[0]["raw"]
    mapped = apply_mapping(load_mapping(MAPPING), records, connector="confluence")
    assert {o.title for o in mapped.workspace.objectives} >= {"Win the market", "Grow revenue"}
    about_broken = [f for f in mapped.findings if site.ids["broken"] in f.subject]
    assert about_broken and "storage format" in about_broken[0].message


def test_mapping_reads_the_pulled_space(site: Site) -> None:
    mapped = apply_mapping(
        load_mapping(MAPPING), list(site.connector().pull(None)), connector="confluence"
    )
    objectives = mapped.workspace.objective_by_id()
    team = objectives[site.ids["team"]]
    assert team.parents == (site.ids["company"],)
    assert team.team == "Growth"
    assert team.ignore_rules == ("OBJ003",)
    assert objectives[site.ids["company"]].kind == "committed"
    churn = next(k for k in mapped.workspace.key_results if k.title == "Churn below 2%")
    assert (churn.start, churn.current, churn.target) == (5, 3, 2)


def test_incremental_pull_returns_only_changed_pages(site: Site) -> None:
    clock = site.clock
    clock.now += 3600
    site.sandbox.human_edit(site.ids["company"])
    connector = site.connector()
    list(connector.pull(None))
    cursor = connector.cursor()
    assert cursor is not None
    server_now = datetime.fromtimestamp(clock.now, UTC)
    assert server_now - timedelta(seconds=1) < cursor <= server_now, "the server's Date"
    clock.now += 3600
    site.sandbox.human_edit(site.ids["team"])
    again = site.connector()
    changed = list(again.pull(cursor))
    pages = [r.external_id for r in changed if r.collection == "objectives"]
    assert sorted(pages) == sorted([site.ids["company"], site.ids["team"]]), (
        "the edited page, plus the one edited at the cursor (the overlap); no others"
    )
    assert again.cursor() is not None and again.cursor() > cursor  # type: ignore[operator]


def test_children_of_a_parent_page_locator(site: Site) -> None:
    parent = next(p for p in site.sandbox.store.all_pages() if p.title == "Objectives")
    records = list(site.connector(objectives={"parent": parent.id}).pull(None))
    titles = {r.fields["@title"] for r in records if r.collection == "objectives"}
    assert "Not an OKR" in titles and "Grow revenue" in titles
    assert all(r.fields["@parent"] == parent.id for r in records if r.collection == "objectives")


def test_describe_reports_keys_and_columns(site: Site) -> None:
    schema = site.connector().describe()
    keys = {f.name: f for f in schema.collections["objectives"]}
    assert keys["Owner"].type == "user"
    assert (keys["Aligned to"].type, keys["Aligned to"].target) == ("page_link", "objectives")
    assert keys["Status"].type == "status" and keys["Status"].options == ("ON TRACK",)
    assert keys["@title"].type == "title"
    assert "Q3 2025" in keys["Quarter"].samples
    columns = {f.name: f for f in schema.collections["key_results"]}
    assert columns["Key Result"].type == "title"
    assert columns["Due"].type == "date"
    assert {"Current", "Target"} <= set(columns)


def test_describe_drafts_a_mapping_that_reads_the_space(site: Site) -> None:
    from okrsync.mapping.infer import infer_mapping
    from okrsync.mapping.loader import parse_mapping

    connector = site.connector()
    draft = parse_mapping(infer_mapping(connector.describe()), source="draft")
    mapped = apply_mapping(draft, list(connector.pull(None)), connector="confluence")
    team = mapped.workspace.objective_by_id()[site.ids["team"]]
    assert team.parents == (site.ids["company"],)
    assert team.cycle is not None
    titles = {k.title for k in mapped.workspace.key_results}
    assert {"Reach 100 paying customers", "Churn below 2%", "Market share 20%"} <= titles


def test_check_names_a_review_parent_page_that_does_not_exist(site: Site) -> None:
    """Rejected credentials are the contract suite's; an unreachable page is Confluence's."""
    missing = site.connector(review_parent="999999").check()
    assert any("999999" in p.subject for p in missing)


def test_rate_limits_and_5xx_are_retried_honouring_retry_after(site: Site) -> None:
    site.sandbox.set_faults(FaultPlan(seed=3, rates={"429": 0.3, "503": 0.2}, retry_after=2.0))
    connector = site.connector(max_retries=8)
    records = list(connector.pull(None))
    assert len([r for r in records if r.collection == "objectives"]) == 5
    assert connector.stats().retries > 0
    assert connector.stats().rate_limited > 0
    # the wait runs from the 429's arrival, so with a real clock it is a hair under 2 s
    assert any(abs(w - 2.0) < 0.05 for w in site.slept), "Retry-After was honoured"


# --------------------------------------------------------------------------- writing


def _review_page(site: Site, title: str = "OKR Review Q3 2025") -> str:
    pages = [p for p in site.sandbox.store.all_pages() if p.title == title]
    assert len(pages) == 1, f"exactly one {title!r}"
    return pages[0].id


def test_review_page_written_then_unchanged(site: Site) -> None:
    connector = site.connector()
    records = list(connector.pull(None))
    writes = [w for w in connector.plan(review_of(records)) if "Q3 2025" in w.payload["title"]]
    assert [w.kind for w in writes] == ["page"]
    assert len(writes[0].payload["charts"]) == 5  # the burn-up and 4 objectives' charts
    assert connector.apply(writes[0]).status == "applied"
    page_id = _review_page(site)
    page = site.sandbox.page(page_id)
    assert page.parent_id == site.ids["reviews"]
    assert {"okr-review", "q3-2025"} <= set(page.labels)
    parsed = read_page(page.body)
    assert parsed.details["Objectives"] == str(
        len([r for r in records if r.collection == "objectives"]) - 1
    )
    assert site.sandbox.store.get_property(page_id, "okrsync").value["hash"] == (
        writes[0].content_hash
    )
    before = len(puts(site))
    fresh = site.connector()
    assert writes[0] in fresh.plan(review_of(records)), "plan is pure and stable"
    assert fresh.apply(writes[0]).status == "unchanged"
    assert len(puts(site)) == before, "no write for unchanged output"
    assert site.sandbox.page(page_id).version == page.version


def test_regeneration_keeps_human_notes_byte_for_byte(site: Site) -> None:
    connector = site.connector()
    records = list(connector.pull(None))
    connector.apply(q3(connector.plan(review_of(records))))
    page_id = _review_page(site)
    body = site.sandbox.page(page_id).body
    notes = extract_notes(body)
    assert notes is not None
    mine = (
        "<p>Decision: <strong>hire</strong>&nbsp;two &ldquo;SREs&rdquo; 😀</p>\n<ul><li>x</li></ul>"
    )
    site.sandbox.human_edit(page_id, body.replace(notes, mine))
    changed = review_of(records, earlier=0.1)
    write = connector.plan(changed)[0]
    assert connector.apply(write).status == "applied"
    stored = site.sandbox.page(page_id).body
    assert extract_notes(stored) == mine
    assert " since Mon, Aug 11" in stored, "the regenerated part changed"


def test_a_changed_review_page_updates_its_marker_without_reading_it_again(site: Site) -> None:
    connector = site.connector()
    records = list(connector.pull(None))
    connector.apply(q3(connector.plan(review_of(records))))
    page_id = _review_page(site)
    write = q3(site.connector().plan(review_of(records, earlier=0.1)))
    mark = len(site.sandbox.request_log())
    assert site.connector().apply(write).status == "applied"
    marker_requests = [
        (e.method, e.status)
        for e in site.sandbox.request_log()[mark:]
        if e.path.endswith("/property/okrsync") or e.path.endswith("/property")
    ]
    assert marker_requests == [("GET", 200), ("PUT", 200)]  # found with it, then updated
    assert site.sandbox.store.get_property(page_id, "okrsync").value["hash"] == write.content_hash


def test_version_conflict_from_human_edit_is_merged(site: Site) -> None:
    connector = site.connector(max_conflict_retries=6)
    records = list(connector.pull(None))
    connector.apply(q3(connector.plan(review_of(records))))
    page_id = _review_page(site)
    edits: list[int] = []

    def person_adds_a_note(body: str) -> str:
        edits.append(1)
        marker = '<ac:structured-macro ac:name="anchor" ac:schema-version="1">'
        end = body.rindex(marker)
        return body[:end] + f"<p>note {len(edits)}</p>" + body[end:]

    site.sandbox.set_human_edit(person_adds_a_note)
    site.sandbox.set_faults(FaultPlan(seed=7, rates={"human_edit": 0.5}, methods=("PUT",)))
    write = q3(connector.plan(review_of(records, earlier=0.9)))
    result = connector.apply(write)
    site.sandbox.set_faults(None)
    assert result.status == "applied"
    assert edits, "the race happened"
    stored = extract_notes(site.sandbox.page(page_id).body) or ""
    for n in range(1, len(edits) + 1):
        assert f"<p>note {n}</p>" in stored, "no human edit lost"
    assert NOTES_END in site.sandbox.page(page_id).body


def test_endless_conflicts_give_up_without_overwriting(site: Site) -> None:
    connector = site.connector(max_conflict_retries=2)
    records = list(connector.pull(None))
    connector.apply(q3(connector.plan(review_of(records))))
    page_id = _review_page(site)
    version = site.sandbox.page(page_id).version
    site.sandbox.set_faults(FaultPlan(rates={"conflict": 1.0}, methods=("PUT",)))
    write = q3(connector.plan(review_of(records, earlier=0.9)))
    with pytest.raises(TransientError, match="kept changing"):
        connector.apply(write)
    site.sandbox.set_faults(None)
    assert site.sandbox.page(page_id).version == version


def test_per_team_pages_and_no_duplicates_after_lost_state(site: Site) -> None:
    connector = site.connector(writeback=Writeback(per_team=True))
    review = review_of(list(connector.pull(None)))
    writes = connector.plan(review)
    assert len(writes) >= 2
    for write in writes:
        assert connector.apply(write).status == "applied"
    again = site.connector(writeback=Writeback(per_team=True))
    assert {again.apply(w).status for w in writes} == {"unchanged"}
    titles = [p.title for p in site.sandbox.store.all_pages()]
    assert len(titles) == len(set(titles))
    assert "OKR Review Q3 2025 - Growth" in titles


def test_managed_properties_written_once_rest_untouched(site: Site) -> None:
    writeback = Writeback(reviews=False)
    connector = site.connector(writeback=writeback, managed_properties=True)
    records = list(connector.pull(None))
    writes = connector.plan(review_of(records))
    team_write = next(w for w in writes if w.payload["page_id"] == site.ids["team"])
    original = site.sandbox.page(site.ids["team"]).body
    assert connector.apply(team_write).status == "applied"
    body = site.sandbox.page(site.ids["team"]).body
    outputs = okrsync_outputs(body)
    assert outputs and body.replace(outputs, "", 1) == original, "the rest is untouched"
    people = next(s for s in element_spans(original) if s.macro == "details")
    assert body.encode().index(outputs.encode()) == people.end, "right below the page's own"
    assert body.count(MANAGED_MACRO_ID) == 1
    assert connector.apply(team_write).status == "unchanged"
    for write in writes:
        connector.apply(write)
    pulled = list(site.connector(writeback=writeback, managed_properties=True).pull(None))
    team = _by_id(pulled)[site.ids["team"]]
    assert team.fields["Score"] == team_write.changes["Score"]
    assert team.fields["Health"] == team_write.changes["Health"]
    assert "Last synced" not in team.fields, "the shipped mapping leaves it out"
    again = site.connector(writeback=writeback, managed_properties=True)
    left = again.plan(review_of(pulled))
    assert left == [], f"outputs already in place, nothing to write: {left}"


def test_bodies_sent_are_checked_xml(site: Site) -> None:
    connector = site.connector()
    records = list(connector.pull(None))
    nasty = [
        r.model_copy(update={"fields": {**r.fields, "@title": "<ac:x>]]>&nbsp;\x00 😀"}})
        if r.external_id == site.ids["team"]
        else r
        for r in records
    ]
    write = q3(connector.plan(review_of(nasty)))
    assert connector.apply(write).status == "applied"
    body = site.sandbox.page(_review_page(site)).body
    assert "&lt;ac:x&gt;]]&gt;&amp;nbsp; 😀" in body


def test_sleep_is_injected_not_real(site: Site) -> None:
    site.sandbox.set_faults(FaultPlan(seed=1, rates={"429": 1.0}, retry_after=30.0))
    now = [datetime(2025, 8, 15, tzinfo=UTC)]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += timedelta(seconds=seconds)

    connector = site.connector(max_retries=2, clock=lambda: now[0], sleep=sleep)
    with pytest.raises(TransientError, match="rate-limited"):
        list(connector.pull(None))
    assert slept == [30.0, 30.0], "two retries, each waiting the Retry-After given"


# --------------------------------------------------------------------------- locators, errors


def test_key_results_as_child_pages(site: Site) -> None:
    sandbox = site.sandbox
    parent = sandbox.create_page(
        "OKR",
        "Delight users",
        '<ac:structured-macro ac:name="details"><ac:rich-text-body><table><tbody>'
        "<tr><th>Quarter</th><td>Q3 2025</td></tr></tbody></table></ac:rich-text-body>"
        "</ac:structured-macro>",
        labels=("okr-kr-pages",),
    )
    child = sandbox.create_page(
        "OKR",
        "NPS to 45",
        '<ac:structured-macro ac:name="details"><ac:rich-text-body><table><tbody>'
        "<tr><td>Start</td><td>30</td></tr><tr><td>Target</td><td>45</td></tr>"
        f"<tr><td>Owner</td><td>{site.mention()}</td></tr>"
        "</tbody></table></ac:rich-text-body></ac:structured-macro>",
        parent.id,
    )
    connector = site.connector(objectives={"label": "okr-kr-pages"}, key_results="child_pages")
    records = _by_id(list(connector.pull(None)))
    assert set(records) == {parent.id, child.id}
    kr = records[child.id]
    assert kr.collection == "key_results"
    assert kr.fields["@page"] == parent.id
    assert kr.fields["@title"] == "NPS to 45"
    assert kr.fields["Target"] == "45"
    assert kr.fields["Owner"][0]["name"] == "Grace Hopper"


def test_cql_locator(site: Site) -> None:
    connector = site.connector(objectives={"cql": 'type = page and title ~ "Extra"'})
    titles = {r.fields["@title"] for r in connector.pull(None)}
    assert titles == {"Extra objective 0", "Extra objective 1"}


def test_bad_cql_is_a_clear_error(site: Site) -> None:
    connector = site.connector(objectives={"cql": "type = = page"})
    with pytest.raises(RecordError, match="400"):
        list(connector.pull(None))


def test_missing_page_is_a_record_error_naming_it(site: Site) -> None:
    connector = site.connector()
    with pytest.raises(RecordError) as info:
        connector.client.get_page("999999")
    assert "404" in str(info.value)
    assert "page id" in info.value.hint


def test_dropped_connections_and_5xx_on_reads_are_retried(site: Site) -> None:
    site.sandbox.set_faults(FaultPlan(seed=11, rates={"reset": 0.4, "500": 0.2}, methods=("GET",)))
    connector = site.connector(max_retries=8)
    records = list(connector.pull(None))
    site.sandbox.set_faults(None)
    assert len([r for r in records if r.collection == "objectives"]) == 5
    assert connector.stats().retries > 0


def test_invalid_options_name_every_problem() -> None:
    from okrsync.connector import ConnectorContext

    context = ConnectorContext(
        source="wiki",
        options={"url": "ftp://x", "deployment": "cloud", "objectives": {"label": "a", "cql": "b"}},
        mapping=None,
    )
    with pytest.raises(ConfigError) as info:
        create(context)
    text = str(info.value)
    assert "token_env" in text and "objectives" in text and "wiki" in text


def test_check_names_a_mapped_key_no_page_has(site: Site) -> None:
    from okrsync.mapping.loader import parse_mapping

    text = MAPPING.read_text(encoding="utf-8").replace("team: Team", "team: Squad")
    connector = site.connector()
    connector.mapping = parse_mapping(text, source="mine.yaml")
    connector.reader.mapping = connector.mapping
    problems = {p.subject: p for p in connector.check()}
    team = problems["objectives.team"]
    assert team.severity == "error", "the pages use another name for it"
    assert team.message.startswith("Squad: 0 of ") and "use 'Team'" in team.message
    assert "`team: [Squad, Team]`" in team.hint


def test_a_page_people_made_with_the_title_is_not_overwritten(site: Site) -> None:
    human = site.sandbox.create_page(
        "OKR", "OKR Review Q3 2025", "<p>My own review</p>", site.ids["reviews"]
    )
    connector = site.connector()
    result = connector.apply(q3(connector.plan(review_of(list(connector.pull(None))))))
    assert result.status == "failed"
    assert result.subject == human.id
    assert "not written by okrsync" in (result.error or "")
    assert site.sandbox.page(human.id).body == "<p>My own review</p>"


def test_a_review_page_moved_or_renamed_is_found_again(site: Site) -> None:
    connector = site.connector()
    records = list(connector.pull(None))
    write = q3(connector.plan(review_of(records)))
    connector.apply(write)
    page_id = _review_page(site)
    page = site.sandbox.page(page_id)
    with site.sandbox.store.locked():
        page.parent_id = site.ids["company"]  # moved away from the review parent
    assert site.connector().apply(write).status == "unchanged"
    site.sandbox.store.update_page(page_id, version=page.version + 1, title="Q3 retro")
    with site.sandbox.store.locked():
        page.parent_id = site.ids["reviews"]
    renamed = site.connector().apply(write)
    assert renamed.status == "applied", "found by its marker and given its title back"
    assert site.sandbox.page(page_id).title == "OKR Review Q3 2025"
    assert len([p for p in site.sandbox.store.all_pages() if "Review Q3" in p.title]) == 1


def test_last_synced_is_written_with_outputs_but_not_hashed(site: Site) -> None:
    from okrsync.mapping.loader import parse_mapping

    text = MAPPING.read_text(encoding="utf-8").replace(
        "last_synced: null", 'last_synced: "Last synced"', 1
    )
    mapping = parse_mapping(text, source="mine.yaml")
    connector = site.connector(writeback=Writeback(reviews=False), managed_properties=True)
    connector.mapping = connector.reader.mapping = mapping
    review = review_of(list(connector.pull(None)))
    write = next(w for w in connector.plan(review) if w.payload["page_id"] == site.ids["team"])
    later = review.model_copy(update={"generated_at": datetime(2025, 9, 1, tzinfo=UTC)})
    same = next(w for w in connector.plan(later) if w.payload["page_id"] == site.ids["team"])
    assert same.payload["last_synced"] != write.payload["last_synced"]
    assert same.content_hash == write.content_hash, "a new date alone is not a change"
    assert connector.apply(write).status == "applied"
    body = site.sandbox.page(site.ids["team"]).body
    managed = next(b for b in read_page(body).blocks if b.macro_id == MANAGED_MACRO_ID)
    assert managed.values["Last synced"] == "2025-08-15"


def test_requests_per_second_spaces_requests_with_the_injected_clock(site: Site) -> None:
    now = [datetime(2025, 8, 15, tzinfo=UTC)]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += timedelta(seconds=seconds)

    connector = site.connector(clock=lambda: now[0], sleep=sleep, requests_per_second=4)
    list(connector.pull(None))
    assert len(waits) == connector.stats().requests - 1
    assert all(abs(w - 0.25) <= 0.001 + 1e-9 for w in waits)  # a millisecond of slack per gap


def test_review_pages_are_never_read_as_objectives(site: Site) -> None:
    connector = site.connector()
    connector.apply(q3(connector.plan(review_of(list(connector.pull(None))))))
    review_id = _review_page(site)
    broad = site.connector(objectives={"cql": 'type = page and space = "OKR"'})
    ids = {r.external_id for r in broad.pull(None)}
    assert site.ids["team"] in ids
    assert review_id not in ids


CHILD_PAGE_MAPPING = """
version: 1
connector: confluence
collections:
  objectives:
    fields:
      title: "@title"
      cycle: Quarter
  key_results:
    fields:
      title: "@title"
      objective: "@page"
      start: Start
      current: Current
      target: Target
outputs:
  objectives: {score: Score, health: Health, warnings: Warnings, last_synced: null}
  key_results: {score: KR score, health: KR health, warnings: null, last_synced: null}
"""


def test_managed_outputs_on_key_result_child_pages(site: Site) -> None:
    from okrsync.mapping.loader import parse_mapping

    objective = site.sandbox.create_page(
        "OKR",
        "Delight users",
        '<ac:structured-macro ac:name="details"><ac:rich-text-body><table><tbody>'
        "<tr><th>Quarter</th><td>Q3 2025</td></tr></tbody></table></ac:rich-text-body>"
        "</ac:structured-macro>",
        labels=("okr-kr-pages",),
    )
    kr_body = (
        "<p>How we measure it.</p>"
        '<ac:structured-macro ac:name="details"><ac:rich-text-body><table><tbody>'
        "<tr><td>Start</td><td>30</td></tr><tr><td>Current</td><td>40</td></tr>"
        "<tr><td>Target</td><td>50</td></tr></tbody></table></ac:rich-text-body>"
        "</ac:structured-macro>"
    )
    kr_page = site.sandbox.create_page("OKR", "NPS to 50", kr_body, objective.id)
    mapping = parse_mapping(CHILD_PAGE_MAPPING, source="child-pages.yaml")
    connector = site.connector(
        writeback=Writeback(reviews=False),
        managed_properties=True,
        objectives={"label": "okr-kr-pages"},
        key_results="child_pages",
    )
    connector.mapping = connector.reader.mapping = mapping
    records = list(connector.pull(None))
    mapped = apply_mapping(mapping, records, connector="confluence")
    evaluation = scoring.evaluate(mapped.workspace, AT)
    review = Review(
        workspace=mapped.workspace,
        evaluation=evaluation,
        generated_at=datetime(2025, 8, 15, 9, tzinfo=UTC),
        source_records=tuple(records),
    )
    writes = {w.payload["page_id"]: w for w in connector.plan(review)}
    assert set(writes) == {objective.id, kr_page.id}
    assert writes[kr_page.id].changes == {"KR score": "0.5", "KR health": "On track"}
    for write in writes.values():
        assert connector.apply(write).status == "applied"
    body = site.sandbox.page(kr_page.id).body
    assert body.startswith(kr_body)
    again = list(connector.pull(None))
    kr_record = _by_id(again)[kr_page.id]
    assert kr_record.fields["KR score"] == "0.5"
    rereview = review.model_copy(update={"source_records": tuple(again)})
    assert connector.plan(rereview) == []


def test_auto_reads_key_results_from_a_table_or_from_child_pages(site: Site) -> None:
    sandbox = site.sandbox
    details = (
        '<ac:structured-macro ac:name="details"><ac:rich-text-body><table><tbody>'
        "<tr><th><strong>Quarter:</strong></th><td>Q3 2025</td></tr></tbody></table>"
        "</ac:rich-text-body></ac:structured-macro>"
    )
    table = (
        "<table><tbody><tr><th>Key Result</th><th>Start</th><th>Target</th></tr>"
        "<tr><td>Churn below 2%</td><td>3</td><td>2</td></tr></tbody></table>"
    )
    with_table = sandbox.create_page("OKR", "Keep users", details + table, labels=("okr-mixed",))
    with_children = sandbox.create_page("OKR", "Delight users", details, labels=("okr-mixed",))
    kr_page = sandbox.create_page(
        "OKR",
        "NPS to 45",
        '<ac:structured-macro ac:name="details"><ac:rich-text-body><table><tbody>'
        "<tr><td>Start</td><td>30</td></tr><tr><td>Target:</td><td>45</td></tr>"
        "</tbody></table></ac:rich-text-body></ac:structured-macro>",
        with_children.id,
    )
    sandbox.create_page("OKR", "Retro notes", "<p>What went well</p>", with_children.id)
    connector = site.connector(objectives={"label": "okr-mixed"}, key_results="auto")
    records = _by_id(list(connector.pull(None)))
    assert set(records) == {
        with_table.id,
        f"{with_table.id}#kr-churn-below-2",
        with_children.id,
        kr_page.id,
    }, "the child page without Page Properties is not a key result"
    kr = records[kr_page.id]
    assert (kr.fields["@page"], kr.fields["Key Result"]) == (with_children.id, "NPS to 45")
    assert records[with_children.id].fields["Quarter"] == "Q3 2025"


def test_health_lozenge_takes_the_pages_own_option_names_and_keeps_its_colour(
    site: Site,
) -> None:
    """With `health_options`, the managed macro's lozenge reads "Im Plan"/"Kritisch"/... in
    the colour of the health it stands for; the next plan has nothing to write."""
    from okrsync_confluence.connector import ConfluenceConnector

    from okrsync.mapping.loader import parse_mapping

    german = {"on_track": "Im Plan", "at_risk": "Gefährdet", "off_track": "Kritisch"}
    german |= {"green": "Erreicht", "yellow": "Teilweise", "red": "Verfehlt"}
    german |= {"not_started": "Offen", "no_data": "Keine Daten"}
    lines = "".join(f'\n      {key}: "{name}"' for key, name in german.items())
    text = MAPPING.read_text(encoding="utf-8").replace(
        "    health: Health\n", f"    health: Health\n    health_options:{lines}\n", 1
    )
    mapping = parse_mapping(text, source="mine.yaml")
    assert mapping.output_map("objectives").health_options["on_track"] == "Im Plan"
    writeback = Writeback(reviews=False)

    def connector() -> ConfluenceConnector:
        made = site.connector(writeback=writeback, managed_properties=True)
        made.mapping = made.reader.mapping = mapping
        return made

    first = connector()
    writes = first.plan(review_of(list(first.pull(None))))
    for write in writes:
        assert first.apply(write).status == "applied"
    colours = {"Im Plan": "Green", "Gefährdet": "Yellow", "Kritisch": "Red", "Erreicht": "Green"}
    colours |= {"Teilweise": "Yellow", "Verfehlt": "Red", "Offen": "Grey", "Keine Daten": "Grey"}
    seen = 0
    for write in writes:
        body = site.sandbox.page(str(write.payload["page_id"])).body
        managed = next(b for b in read_page(body).blocks if b.macro_id == MANAGED_MACRO_ID)
        shown = managed.values["Health"]
        assert shown in colours, shown
        assert f'<ac:parameter ac:name="colour">{colours[shown]}</ac:parameter>' in body
        seen += 1
    assert seen
    again = connector()
    assert again.plan(review_of(list(again.pull(None)))) == []
