"""REST v2 (Cloud) against the shapes of the recorded v2 samples and the real v2 rules."""

from __future__ import annotations

import re
from typing import Any

import pytest
from requests import HTTPError

from okrsync_sandbox.confluence import ConfluenceSandbox
from tests.recorded import confluence_v2_mock as sample

from .clients import raw_session, v2_client, v2_url


def shape_mismatches(expected: Any, actual: Any, where: str = "$") -> list[str]:
    """Where `actual` lacks a key of `expected` or holds a value of another JSON type.

    Lists compare their first items; a null in the sample accepts any value. A `value` holds
    user data (a content property's JSON), so only its own type is compared.
    """
    if expected is None:
        return []
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {type(actual).__name__}"]
        problems = []
        for key, value in expected.items():
            if key not in actual:
                problems.append(f"{where}.{key}: missing")
            elif key == "value" and isinstance(value, dict):
                if not isinstance(actual[key], dict):
                    problems.append(f"{where}.{key}: expected an object")
            else:
                problems += shape_mismatches(value, actual[key], f"{where}.{key}")
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{where}: expected an array, got {type(actual).__name__}"]
        if expected and actual:
            return shape_mismatches(expected[0], actual[0], f"{where}[0]")
        return []
    if isinstance(expected, bool) or isinstance(actual, bool):
        ok = isinstance(expected, bool) and isinstance(actual, bool)
    elif isinstance(expected, int | float):
        ok = isinstance(actual, int | float)
    else:
        ok = isinstance(actual, type(expected))
    return [] if ok else [f"{where}: expected {type(expected).__name__}, got {actual!r}"]


def test_shape_check_catches_missing_keys_and_wrong_types() -> None:
    assert shape_mismatches({"a": "x", "b": {"c": 1}}, {"a": "y", "b": {"c": 2}, "d": 0}) == []
    assert shape_mismatches({"a": "x"}, {}) == ["$.a: missing"]
    assert shape_mismatches({"a": "1"}, {"a": 1}) == ["$.a: expected str, got 1"]
    assert shape_mismatches({"a": [{"b": True}]}, {"a": [{"b": 0}]}) == [
        "$.a[0].b: expected bool, got 0"
    ]


@pytest.fixture
def tree(cloud: ConfluenceSandbox) -> dict[str, str]:
    """A parent with two children, labelled and with a property, in the cloud sandbox."""
    home = cloud.store.space("OKR").homepage_id
    parent = cloud.create_page("OKR", "Objectives", "<p>parent</p>", home)
    first = cloud.create_page("OKR", "First", "<p>one</p>", parent.id, labels=("okr", "q3"))
    second = cloud.create_page("OKR", "Second", "<p>two</p>", parent.id, labels=("okr",))
    cloud.store.create_property(first.id, "okrsync", {"hash": "abc", "nested": {"n": 1}})
    cloud.store.create_property(first.id, "other", {"k": 42})
    return {"parent": parent.id, "first": first.id, "second": second.id}


def test_page_matches_the_sample_shape(cloud: ConfluenceSandbox, tree: dict[str, str]) -> None:
    page = v2_client(cloud).get_page_by_id(tree["first"], body_format="storage")
    assert shape_mismatches(sample("PAGE_MOCK"), page) == []
    assert page["body"]["storage"]["value"] == "<p>one</p>"
    assert page["parentId"] == tree["parent"]


def test_page_list_matches_the_sample_shape(cloud: ConfluenceSandbox, tree: dict[str, str]) -> None:
    listed = raw_session(cloud).get(
        v2_url(cloud, "pages"),
        params={"id": f"{tree['first']},{tree['second']}", "body-format": "storage", "limit": 1},
    )
    assert listed.status_code == 200
    assert shape_mismatches(sample("PAGE_RESULT_LIST"), listed.json()) == []


@pytest.mark.parametrize(
    ("name", "route"),
    [
        ("CHILD_PAGES_RESULT", "pages/{parent}/children"),
        ("LABELS_RESULT", "pages/{first}/labels"),
        ("PROPERTIES_RESULT", "pages/{first}/properties"),
        ("SPACES_RESULT", "spaces"),
    ],
)
def test_lists_match_the_sample_shapes(
    cloud: ConfluenceSandbox,
    tree: dict[str, str],
    name: str,
    route: str,
) -> None:
    cloud.store.create_space("SECOND", "Second space")
    response = raw_session(cloud).get(v2_url(cloud, route.format(**tree)), params={"limit": 1})
    assert response.status_code == 200
    assert shape_mismatches(sample(name), response.json()) == []


def test_single_items_match_the_sample_shapes(
    cloud: ConfluenceSandbox, tree: dict[str, str]
) -> None:
    session = raw_session(cloud)
    prop_id = cloud.store.get_property(tree["first"], "okrsync").id
    prop = session.get(v2_url(cloud, f"pages/{tree['first']}/properties/{prop_id}")).json()
    assert shape_mismatches(sample("PROPERTY_MOCK"), prop) == []
    assert prop["value"] == {"hash": "abc", "nested": {"n": 1}}
    space_id = cloud.store.space("OKR").id
    space = session.get(v2_url(cloud, f"spaces/{space_id}")).json()
    assert shape_mismatches(sample("SPACE_MOCK"), space) == []
    child = session.get(v2_url(cloud, f"pages/{tree['parent']}/children")).json()["results"][0]
    assert shape_mismatches(sample("CHILD_PAGE_MOCK"), child) == []
    label = session.get(v2_url(cloud, f"pages/{tree['first']}/labels")).json()["results"][0]
    assert shape_mismatches(sample("LABEL_MOCK"), label) == []


def test_pagination_by_links_next_and_link_header(cloud: ConfluenceSandbox) -> None:
    parent = cloud.create_page("OKR", "Many", "<p/>")
    ids = [cloud.create_page("OKR", f"P{i}", "<p/>", parent.id).id for i in range(7)]
    session = raw_session(cloud)
    first = session.get(v2_url(cloud, f"pages/{parent.id}/children"), params={"limit": 3})
    body = first.json()
    assert [r["id"] for r in body["results"]] == ids[:3]
    next_link = body["_links"]["next"]
    assert next_link.startswith(f"/wiki/api/v2/pages/{parent.id}/children?")
    assert "cursor=" in next_link
    header = first.headers["Link"]
    assert re.match(r'<([^>]*)>; rel="next"', header) is not None
    assert header.startswith(f"<{next_link}>")
    seen = [r["id"] for r in body["results"]]
    while next_link:
        chunk = session.get(cloud.base_url + next_link)
        seen += [r["id"] for r in chunk.json()["results"]]
        next_link = chunk.json()["_links"].get("next")
        assert ("Link" in chunk.headers) == bool(next_link)
    assert seen == ids


def test_v2_client_pages_through_all_pages_of_a_space(cloud: ConfluenceSandbox) -> None:
    space = cloud.store.space("OKR")
    for i in range(30):
        cloud.create_page("OKR", f"Page {i:02d}", "<p/>")
    pages = v2_client(cloud).get_pages(space_id=space.id, limit=7)
    assert len(pages) == 31  # the home page and the 30 pages
    assert cloud.stats()["by_endpoint"]["GET /wiki/api/v2/pages"] == 5


def test_limit_defaults_to_25_and_caps_at_250(cloud: ConfluenceSandbox) -> None:
    for i in range(30):
        cloud.create_page("OKR", f"Page {i:02d}", "<p/>")
    session = raw_session(cloud)
    assert len(session.get(v2_url(cloud, "pages")).json()["results"]) == 25
    too_many = session.get(v2_url(cloud, "pages"), params={"limit": 251})
    assert too_many.status_code == 400
    assert session.get(v2_url(cloud, "pages"), params={"limit": 250}).status_code == 200


def test_invalid_cursor_is_a_v2_400(cloud: ConfluenceSandbox) -> None:
    response = raw_session(cloud).get(v2_url(cloud, "pages"), params={"cursor": "garbage!!"})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == "INVALID_REQUEST_PARAMETER"
    assert "cursor" in error["title"]


def test_create_and_update_with_version_rules(cloud: ConfluenceSandbox) -> None:
    client = v2_client(cloud)
    space = cloud.store.space("OKR")
    created = client.create_page(space_id=space.id, title="Review Q3", body="<p>one</p>")
    assert created["version"]["number"] == 1
    assert created["parentId"] == space.homepage_id
    page_id = created["id"]
    update = {
        "id": page_id,
        "status": "current",
        "title": "Review Q3",
        "body": {"representation": "storage", "value": "<p>two</p>"},
        "version": {"number": 2, "message": "okrsync"},
    }
    updated = client.put(f"api/v2/pages/{page_id}", data=update)
    assert updated["version"]["number"] == 2
    assert cloud.page(page_id).body == "<p>two</p>"
    with pytest.raises(HTTPError) as caught:
        client.put(f"api/v2/pages/{page_id}", data=update)
    assert caught.value.response.status_code == 409
    assert caught.value.response.json() == {
        "errors": [
            {
                "status": 409,
                "code": "CONFLICT",
                "title": "Version must be incremented on update. Current version is: 2",
                "detail": None,
            }
        ]
    }


def test_update_without_status_is_rejected_as_in_the_real_api(cloud: ConfluenceSandbox) -> None:
    """ConfluenceV2.update_page omits `status` unless given: the real API answers 400."""
    client = v2_client(cloud)
    page = cloud.create_page("OKR", "Strict", "<p/>")
    with pytest.raises(HTTPError) as caught:
        client.update_page(page.id, title="Strict", body="<p>new</p>", version=1)
    assert caught.value.response.status_code == 400
    assert "status" in caught.value.response.json()["errors"][0]["title"]
    accepted = client.update_page(page.id, title="Strict", body="<p>new</p>", status="current")
    assert accepted["version"]["number"] == 2


def test_properties_by_numeric_id_with_versions(cloud: ConfluenceSandbox) -> None:
    page = cloud.create_page("OKR", "Props", "<p/>")
    session = raw_session(cloud)
    base = v2_url(cloud, f"pages/{page.id}/properties")
    made = session.post(base, json={"key": "okrsync", "value": {"h": 1}}).json()
    assert made["id"].isdigit()
    put = session.put(
        f"{base}/{made['id']}", json={"key": "okrsync", "value": {"h": 2}, "version": {"number": 2}}
    )
    assert put.status_code == 200
    assert put.json()["version"]["number"] == 2
    stale = session.put(
        f"{base}/{made['id']}", json={"key": "okrsync", "value": {"h": 3}, "version": {"number": 2}}
    )
    assert stale.status_code == 409
    assert stale.json()["errors"][0]["code"] == "CONFLICT"
    by_key = session.get(base, params={"key": "okrsync"}).json()["results"]
    assert [p["value"] for p in by_key] == [{"h": 2}]
    assert session.get(f"{base}/okrsync").status_code == 404  # keys are not ids in v2
    assert session.delete(f"{base}/{made['id']}").status_code == 204


def test_labels_are_read_only_in_v2(cloud: ConfluenceSandbox, tree: dict[str, str]) -> None:
    session = raw_session(cloud)
    url = v2_url(cloud, f"pages/{tree['first']}/labels")
    assert [label["name"] for label in session.get(url).json()["results"]] == ["okr", "q3"]
    refused = session.post(url, json={"name": "x"})
    assert refused.status_code == 405
    assert "errors" in refused.json()


def test_v2_errors_have_the_real_shape(cloud: ConfluenceSandbox) -> None:
    response = raw_session(cloud).get(v2_url(cloud, "pages/999999"))
    assert response.status_code == 404
    body = response.json()
    assert list(body) == ["errors"]
    assert set(body["errors"][0]) == {"status", "code", "title", "detail"}
    assert body["errors"][0]["code"] == "NOT_FOUND"


def test_delete_then_purge(cloud: ConfluenceSandbox) -> None:
    page = cloud.create_page("OKR", "Gone", "<p/>")
    session = raw_session(cloud)
    assert session.delete(v2_url(cloud, f"pages/{page.id}")).status_code == 204
    assert session.get(v2_url(cloud, f"pages/{page.id}")).status_code == 404
    assert cloud.page(page.id).status == "trashed"
    assert session.delete(v2_url(cloud, f"pages/{page.id}"), params={"purge": "true"}).ok
    assert page.id not in cloud.store.pages


def test_v1_and_v2_see_the_same_state(cloud: ConfluenceSandbox) -> None:
    session = raw_session(cloud)
    page = cloud.create_page("OKR", "Shared", "<p/>")
    v2_page = session.get(v2_url(cloud, f"pages/{page.id}")).json()
    update = {
        "id": page.id,
        "type": "page",
        "title": "Shared",
        "version": {"number": v2_page["version"]["number"] + 1},
        "body": {"storage": {"value": "<p>from v1</p>", "representation": "storage"}},
    }
    assert session.put(f"{cloud.url}/rest/api/content/{page.id}", json=update).ok
    again = session.get(v2_url(cloud, f"pages/{page.id}"), params={"body-format": "storage"})
    assert again.json()["body"]["storage"]["value"] == "<p>from v1</p>"
    assert again.json()["version"]["number"] == 2


def test_data_center_has_no_v2(datacenter: ConfluenceSandbox) -> None:
    session = raw_session(datacenter)
    assert session.get(f"{datacenter.base_url}/api/v2/pages").status_code == 404
    assert session.get(f"{datacenter.base_url}/wiki/api/v2/pages").status_code == 404
