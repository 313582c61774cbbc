"""REST v1 through the real atlassian-python-api client, on Cloud and on Data Center."""

from __future__ import annotations

import pytest
from atlassian.errors import ApiError
from requests import HTTPError

from okrsync_sandbox.confluence import ConfluenceSandbox

from .clients import raw_session, v1_client, v1_url


def home_id(sandbox: ConfluenceSandbox) -> str:
    homepage = sandbox.store.space("OKR").homepage_id
    assert homepage is not None
    return homepage


def test_current_user_names_the_bot_per_deployment(sandbox: ConfluenceSandbox) -> None:
    me = v1_client(sandbox).get_current_user()
    assert me["displayName"] == "okrsync"
    if sandbox.deployment == "cloud":
        assert me["accountId"] == sandbox.store.bot_account_id
        assert me["email"] == sandbox.username
    else:
        assert me["username"] == "okrsync-bot"
        assert "accountId" not in me


def test_urls_follow_the_deployment(sandbox: ConfluenceSandbox) -> None:
    client = v1_client(sandbox)
    client.get_current_user()
    path = sandbox.request_log()[-1].path
    if sandbox.deployment == "cloud":
        assert sandbox.url.endswith("/wiki")
        assert path == "/wiki/rest/api/user/current"
    else:
        assert sandbox.url == sandbox.base_url
        assert path == "/rest/api/user/current"


def test_create_read_update_page_with_versions(sandbox: ConfluenceSandbox) -> None:
    client = v1_client(sandbox)
    created = client.create_page("OKR", "Grow revenue", "<p>v1</p>", parent_id=home_id(sandbox))
    assert created["version"]["number"] == 1
    assert created["ancestors"][-1]["id"] == home_id(sandbox)

    client.update_page(created["id"], "Grow revenue", "<p>v2 &amp; more</p>")
    page = client.get_page_by_id(
        created["id"], expand="body.storage,version,ancestors,metadata.labels,space"
    )
    assert page["version"]["number"] == 2
    assert page["body"]["storage"]["value"] == "<p>v2 &amp; more</p>"
    assert page["body"]["storage"]["representation"] == "storage"
    assert page["space"]["key"] == "OKR"
    assert [a["title"] for a in page["ancestors"]] == ["OKRs Home"]
    assert page["metadata"]["labels"]["results"] == []
    old = client.get_page_by_id(created["id"], expand="body.storage", version=1)
    assert old["body"]["storage"]["value"] == "<p>v1</p>"


def test_unrequested_expansions_are_expandable_not_inlined(sandbox: ConfluenceSandbox) -> None:
    client = v1_client(sandbox)
    created = client.create_page("OKR", "Lean page", "<p>x</p>")
    page = client.get_page_by_id(created["id"], expand="version")
    assert "body" not in page
    assert "body" in page["_expandable"]
    assert page["version"]["number"] == 1


def test_stale_version_is_a_409_with_confluence_message(sandbox: ConfluenceSandbox) -> None:
    client = v1_client(sandbox)
    page = client.create_page("OKR", "Race", "<p>a</p>")
    sandbox.human_edit(page["id"], "<p>edited by a person</p>")
    data = {
        "id": page["id"],
        "type": "page",
        "title": "Race",
        "version": {"number": 2},
        "body": {"storage": {"value": "<p>okrsync</p>", "representation": "storage"}},
    }
    with pytest.raises(HTTPError) as caught:
        client.put(f"rest/api/content/{page['id']}", data=data)
    assert caught.value.response.status_code == 409
    message = str(caught.value).splitlines()[0]
    assert message == "Version must be incremented on update. Current version is: 2"
    body = caught.value.response.json()
    assert body["statusCode"] == 409
    assert body["reason"] == "Conflict"
    assert sandbox.page(page["id"]).body == "<p>edited by a person</p>"


def test_update_page_race_between_read_and_write(sandbox: ConfluenceSandbox) -> None:
    """Server.update_page reads the version then PUTs +1; an edit in between gives a 409."""
    client = v1_client(sandbox)
    page = client.create_page("OKR", "Racy", "<p>a</p>")
    version = client.history(page["id"])["lastUpdated"]["number"]
    sandbox.human_edit(page["id"])
    with pytest.raises(HTTPError, match="Current version is: 2"):
        client.put(
            f"rest/api/content/{page['id']}",
            data={
                "id": page["id"],
                "type": "page",
                "title": "Racy",
                "version": {"number": version + 1},
                "body": {"storage": {"value": "<p>b</p>", "representation": "storage"}},
            },
        )


def test_get_page_by_title_returns_raw_results(sandbox: ConfluenceSandbox) -> None:
    client = v1_client(sandbox)
    created = client.create_page("OKR", "Find me", "<p>x</p>")
    found = client.get_page_by_title("OKR", "Find me")
    assert [r["id"] for r in found["results"]] == [created["id"]]
    assert client.get_page_by_title("OKR", "Not there")["results"] == []


def test_duplicate_title_in_a_space_is_rejected(sandbox: ConfluenceSandbox) -> None:
    client = v1_client(sandbox)
    client.create_page("OKR", "Only once", "<p>x</p>")
    with pytest.raises(HTTPError) as caught:
        client.post(
            "rest/api/content/",
            data={
                "type": "page",
                "title": "Only once",
                "space": {"key": "OKR"},
                "body": {"storage": {"value": "<p>y</p>", "representation": "storage"}},
            },
        )
    assert caught.value.response.status_code == 400
    assert "already exists" in str(caught.value)


def test_children_paginate_with_next_links_relative_to_base(sandbox: ConfluenceSandbox) -> None:
    client = v1_client(sandbox)
    parent = client.create_page("OKR", "Objectives", "<p/>")
    ids = [
        client.create_page("OKR", f"O{i}", "<p/>", parent_id=parent["id"])["id"] for i in range(5)
    ]
    first = client.get(f"rest/api/content/{parent['id']}/child/page", params={"limit": 2})
    assert [r["id"] for r in first["results"]] == ids[:2]
    links = first["_links"]
    assert links["base"] == sandbox.url
    assert links["next"].startswith("/rest/api/content/")
    seen = [r["id"] for r in first["results"]]
    session = raw_session(sandbox)
    next_link = links["next"]
    while next_link:
        chunk = session.get(links["base"] + next_link).json()
        seen += [r["id"] for r in chunk["results"]]
        next_link = chunk["_links"].get("next")
    assert seen == ids


def test_get_page_child_by_type_collects_all_children(datacenter: ConfluenceSandbox) -> None:
    """On Data Center (no context path) the client's own paging follows the next links."""
    client = v1_client(datacenter)
    parent = client.create_page("OKR", "Parent", "<p/>")
    ids = [
        client.create_page("OKR", f"Kid {i}", "<p/>", parent_id=parent["id"])["id"]
        for i in range(30)
    ]
    kids = list(client.get_page_child_by_type(parent["id"]))
    assert [k["id"] for k in kids] == ids
    assert datacenter.stats()["by_endpoint"]["GET /rest/api/content/{id}/child/page"] == 2


def test_cql_search_filters_and_pages_through_content_search(sandbox: ConfluenceSandbox) -> None:
    client = v1_client(sandbox)
    parent = client.create_page("OKR", "Objectives", "<p/>")
    okr_ids = []
    for i in range(3):
        page = client.create_page("OKR", f"Objective {i}", "<p/>", parent_id=parent["id"])
        client.set_page_label(page["id"], "okr")
        okr_ids.append(page["id"])
    client.create_page("OKR", "Not an OKR", "<p/>", parent_id=parent["id"])
    cql = f"label = okr AND space = OKR AND ancestor = {parent['id']} ORDER BY title DESC"
    first = client.get(
        "rest/api/content/search", params={"cql": cql, "limit": 2, "expand": "body.storage"}
    )
    assert [r["title"] for r in first["results"]] == ["Objective 2", "Objective 1"]
    assert first["results"][0]["body"]["storage"]["value"] == "<p/>"
    nxt = first["_links"]["next"]
    if sandbox.deployment == "cloud":
        assert "cursor=" in nxt
    rest = raw_session(sandbox).get(first["_links"]["base"] + nxt).json()
    assert [r["title"] for r in rest["results"]] == ["Objective 0"]
    assert "next" not in rest["_links"]


def test_cql_method_uses_rest_api_search(sandbox: ConfluenceSandbox) -> None:
    client = v1_client(sandbox)
    page = client.create_page("OKR", "Labelled", "<p/>")
    client.set_page_label(page["id"], "OKR")
    result = client.cql('label = "okr" and type = page', expand="content.version")
    assert [r["content"]["id"] for r in result["results"]] == [page["id"]]
    assert result["results"][0]["content"]["version"]["number"] == 1
    assert result["totalSize"] == 1


def test_bad_cql_is_a_400(sandbox: ConfluenceSandbox) -> None:
    client = v1_client(sandbox)
    with pytest.raises(HTTPError) as caught:
        client.get("rest/api/content/search", params={"cql": "label = okr AND ("})
    assert caught.value.response.status_code == 400
    assert "Could not parse cql" in str(caught.value)


def test_labels_add_list_remove(sandbox: ConfluenceSandbox) -> None:
    client = v1_client(sandbox)
    page = client.create_page("OKR", "Labels", "<p/>")
    client.set_page_label(page["id"], "OKR")
    client.post(
        f"rest/api/content/{page['id']}/label",
        data=[{"prefix": "global", "name": "q3-2025"}, {"prefix": "global", "name": "team"}],
    )
    names = [r["name"] for r in client.get_page_labels(page["id"])["results"]]
    assert names == ["okr", "q3-2025", "team"]
    client.remove_page_label(page["id"], "team")
    client.delete(f"rest/api/content/{page['id']}/label/q3-2025")
    expanded = client.get_page_by_id(page["id"], expand="metadata.labels")
    assert [r["name"] for r in expanded["metadata"]["labels"]["results"]] == ["okr"]


def test_content_properties_have_their_own_versions(sandbox: ConfluenceSandbox) -> None:
    client = v1_client(sandbox)
    page = client.create_page("OKR", "Props", "<p/>")
    created = client.set_page_property(page["id"], {"key": "okrsync", "value": {"hash": "a"}})
    assert created["version"]["number"] == 1
    updated = client.update_page_property(
        page["id"], {"key": "okrsync", "value": {"hash": "b"}, "version": {"number": 2}}
    )
    assert updated["version"]["number"] == 2
    assert client.get_page_property(page["id"], "okrsync")["value"] == {"hash": "b"}
    assert sandbox.page(page["id"]).version == 1  # the page itself did not change
    with pytest.raises(ApiError) as caught:
        client.update_page_property(
            page["id"], {"key": "okrsync", "value": {"hash": "c"}, "version": {"number": 2}}
        )
    assert caught.value.reason.response.status_code == 409
    with pytest.raises(ApiError):
        client.set_page_property(page["id"], {"key": "okrsync", "value": {}})
    keys = [p["key"] for p in client.get_page_properties(page["id"])]
    assert "okrsync" in keys
    client.delete_page_property(page["id"], "okrsync")
    with pytest.raises(ApiError):
        client.get_page_property(page["id"], "okrsync")


def test_property_put_on_a_new_key_with_version_one_creates_it(sandbox: ConfluenceSandbox) -> None:
    client = v1_client(sandbox)
    page = client.create_page("OKR", "Props2", "<p/>")
    made = client.put(
        f"rest/api/content/{page['id']}/property/fresh",
        data={"key": "fresh", "value": [1, 2], "version": {"number": 1}},
    )
    assert made["version"]["number"] == 1
    assert made["value"] == [1, 2]


def test_properties_paginate_ten_by_default(sandbox: ConfluenceSandbox) -> None:
    client = v1_client(sandbox)
    page = client.create_page("OKR", "Many props", "<p/>")
    for i in range(12):
        sandbox.store.create_property(page["id"], f"k{i}", i)
    first = client.get(f"rest/api/content/{page['id']}/property")
    assert first["size"] == 10
    assert first["_links"]["next"].startswith(f"/rest/api/content/{page['id']}/property?")


def test_client_pages_through_properties_on_data_center(datacenter: ConfluenceSandbox) -> None:
    page = datacenter.create_page("OKR", "Many props", "<p/>")
    for i in range(12):
        datacenter.store.create_property(page.id, f"k{i}", i)
    properties = v1_client(datacenter).get_page_properties(page.id, limit=5)
    assert [p["key"] for p in properties] == [f"k{i}" for i in range(12)]


def test_client_paging_loses_the_cloud_context_path(cloud: ConfluenceSandbox) -> None:
    """A trap of atlassian-python-api 5.0.5 on Cloud, reproduced faithfully.

    Confluence sends `_links.next` relative to `_links.base` (`/rest/api/...`, no `/wiki`);
    `Server._get_paged` resolves a leading `/` against the host, so the second page is asked
    for outside `/wiki` and fails. Follow `_links.base + _links.next` yourself on Cloud.
    """
    client = v1_client(cloud)
    page = client.create_page("OKR", "Paged props", "<p/>")
    for i in range(3):
        cloud.store.create_property(page["id"], f"k{i}", i)
    with pytest.raises(ApiError):
        client.get_page_properties(page["id"], limit=2)
    assert cloud.request_log()[-1].path == f"/rest/api/content/{page['id']}/property"
    assert cloud.request_log()[-1].status == 404


def test_delete_trashes_then_purges(sandbox: ConfluenceSandbox) -> None:
    client = v1_client(sandbox)
    page = client.create_page("OKR", "Doomed", "<p/>")
    client.remove_page(page["id"])
    with pytest.raises(ApiError):
        client.get_page_by_id(page["id"])
    assert client.get_page_by_id(page["id"], status="trashed")["status"] == "trashed"
    client.remove_page(page["id"], status="trashed")
    assert page["id"] not in sandbox.store.pages


def test_space_and_unknown_routes(sandbox: ConfluenceSandbox) -> None:
    client = v1_client(sandbox)
    space = client.get_space("OKR", expand="homepage")
    assert space["key"] == "OKR"
    assert space["homepage"]["title"] == "OKRs Home"
    response = raw_session(sandbox).get(v1_url(sandbox, "nothing/here"))
    assert response.status_code == 404
    assert response.json()["statusCode"] == 404


def test_missing_page_is_a_v1_404(sandbox: ConfluenceSandbox) -> None:
    response = raw_session(sandbox).get(v1_url(sandbox, "content/999999"))
    assert response.status_code == 404
    body = response.json()
    assert set(body) == {"statusCode", "data", "message", "reason"}
    assert body["message"] == "No content found with id : 999999"


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "page", "title": "X", "space": "OKR"},
        {"type": "page", "title": "X", "space": {"key": "OKR"}, "ancestors": [{}]},
        {"type": "page", "title": "X", "space": {"key": "OKR"}, "version": 3},
        {"type": "page", "title": "X", "space": {"key": "OKR"}, "body": {"wiki": {"value": "x"}}},
        {"type": "blogpost", "title": "X", "space": {"key": "OKR"}},
        {"type": "page", "space": {"key": "OKR"}},
        ["not", "an", "object"],
    ],
)
def test_malformed_create_requests_are_400s(sandbox: ConfluenceSandbox, payload: object) -> None:
    response = raw_session(sandbox).post(v1_url(sandbox, "content"), json=payload)
    assert response.status_code == 400
    assert response.json()["statusCode"] == 400


def test_a_body_that_is_not_json_is_a_400(sandbox: ConfluenceSandbox) -> None:
    response = raw_session(sandbox).post(
        v1_url(sandbox, "content"), data=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "JSON" in response.json()["message"]


@pytest.mark.parametrize("missing", ["title", "type", "version"])
def test_update_needs_title_type_and_version(sandbox: ConfluenceSandbox, missing: str) -> None:
    page = sandbox.create_page("OKR", "Strict v1", "<p/>")
    update = {
        "id": page.id,
        "type": "page",
        "title": "Strict v1",
        "version": {"number": 2},
        "body": {"storage": {"value": "<p>x</p>", "representation": "storage"}},
    }
    del update[missing]
    response = raw_session(sandbox).put(v1_url(sandbox, f"content/{page.id}"), json=update)
    assert response.status_code == 400
    assert missing in response.json()["message"]
    assert sandbox.page(page.id).version == 1
