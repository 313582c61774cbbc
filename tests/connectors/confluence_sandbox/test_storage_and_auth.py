"""Storage-format validation (400 on malformed XML) and authentication per deployment."""

from __future__ import annotations

import pytest
import requests
from atlassian import Confluence
from requests import HTTPError

from okrsync_sandbox.confluence import ConfluenceSandbox
from okrsync_sandbox.confluence.storage_xml import AC_NS, check_storage, parse_storage
from tests.recorded import STORAGE_SAMPLES, storage_sample

from .clients import raw_session, v1_client, v1_url, v2_url

AC = "{" + AC_NS + "}"

MALFORMED = [
    "<p>unclosed",
    "<p>a & b</p>",
    "<p>a &foo; b</p>",
    "<zz:macro/>",
    "<p>\x01</p>",
    "<p></div>",
    '<p class="x>y</p>',
    "<!DOCTYPE html><p/>",
]


@pytest.mark.parametrize("body", MALFORMED)
def test_malformed_bodies_are_rejected(body: str) -> None:
    problem = check_storage(body)
    assert problem is not None
    assert problem.startswith("Error parsing xhtml")


@pytest.mark.parametrize(
    "body",
    [
        "",
        "plain text with no element",
        "<p>a&nbsp;b &eacute; &mdash; &#160; &amp;</p>",
        '<ac:structured-macro ac:name="status"><ac:parameter ac:name="title">OK</ac:parameter>'
        "</ac:structured-macro>",
        '<ac:link><ri:user ri:account-id="557058:abc" /></ac:link>',
        '<ac:structured-macro ac:name="code"><ac:plain-text-body><![CDATA[a ]]]]><![CDATA[> b]]>'
        "</ac:plain-text-body></ac:structured-macro>",
        "<at:var at:name='x' />",
        "<p>emoji 🎯 and ünïcödé</p>",
    ],
)
def test_well_formed_bodies_are_accepted(body: str) -> None:
    assert check_storage(body) is None


def test_every_storage_sample_is_accepted() -> None:
    bodies = sorted(STORAGE_SAMPLES.glob("*.html"))
    assert len(bodies) >= 5
    for path in bodies:
        assert check_storage(path.read_text(encoding="utf-8")) is None, path.name


def test_error_position_is_the_bodys_own_line() -> None:
    problem = check_storage("<p>ok</p>\n<p>ok</p>\n<p>bad & here</p>")
    assert problem is not None
    assert "line 3" in problem


def test_client_gets_400_for_malformed_body_and_nothing_is_written(
    sandbox: ConfluenceSandbox,
) -> None:
    client = v1_client(sandbox)
    page = client.create_page("OKR", "Valid", "<p>ok</p>")
    with pytest.raises(HTTPError) as caught:
        client.create_page("OKR", "Broken", "<p>unclosed")
    assert caught.value.response.status_code == 400
    assert "Error parsing xhtml" in str(caught.value)
    assert sandbox.store.find_by_title("OKR", "Broken") == []
    update = {
        "id": page["id"],
        "type": "page",
        "title": "Valid",
        "version": {"number": 2},
        "body": {"storage": {"value": "<p>AT&T</p>", "representation": "storage"}},
    }
    with pytest.raises(HTTPError) as caught:
        client.put(f"rest/api/content/{page['id']}", data=update)
    assert caught.value.response.status_code == 400
    assert sandbox.page(page["id"]).version == 1


def test_v2_rejects_malformed_body_with_a_v2_error(cloud: ConfluenceSandbox) -> None:
    space = cloud.store.space("OKR")
    response = raw_session(cloud).post(
        v2_url(cloud, "pages"),
        json={
            "spaceId": space.id,
            "status": "current",
            "title": "Broken",
            "body": {"representation": "storage", "value": "<ac:structured-macro>"},
        },
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["title"].startswith("Error parsing xhtml")


def test_storage_sample_round_trips_through_the_client(sandbox: ConfluenceSandbox) -> None:
    client = v1_client(sandbox)
    body = storage_sample("panels")
    page = client.create_page("OKR", "Panels", body)
    read = client.get_page_by_id(page["id"], expand="body.storage")
    assert read["body"]["storage"]["value"] == body


# authentication ------------------------------------------------------------------------


def test_cloud_rejects_wrong_token_and_bearer(cloud: ConfluenceSandbox) -> None:
    url = v1_url(cloud, "user/current")
    wrong = requests.get(url, auth=(cloud.username, "not-the-token"), timeout=5)
    assert wrong.status_code == 401
    assert wrong.headers["WWW-Authenticate"].startswith("Basic")
    assert wrong.json()["statusCode"] == 401
    bearer = requests.get(url, headers={"Authorization": f"Bearer {cloud.token}"}, timeout=5)
    assert bearer.status_code == 401
    assert requests.get(url, timeout=5).status_code == 401
    v2 = requests.get(v2_url(cloud, "pages"), auth=(cloud.username, "nope"), timeout=5)
    assert v2.status_code == 401
    assert v2.json()["errors"][0]["code"] == "UNAUTHORIZED"
    assert requests.get(url, auth=(cloud.username, cloud.token), timeout=5).status_code == 200


def test_data_center_takes_only_its_personal_access_token(datacenter: ConfluenceSandbox) -> None:
    url = v1_url(datacenter, "user/current")
    assert (
        requests.get(url, auth=(datacenter.username, datacenter.token), timeout=5).status_code
        == 401
    )
    wrong = requests.get(url, headers={"Authorization": "Bearer wrong"}, timeout=5)
    assert wrong.status_code == 401
    good = requests.get(url, headers={"Authorization": f"Bearer {datacenter.token}"}, timeout=5)
    assert good.status_code == 200


def test_real_client_with_bad_credentials_raises(sandbox: ConfluenceSandbox) -> None:
    if sandbox.deployment == "cloud":
        client = Confluence(url=sandbox.url, username=sandbox.username, password="x", cloud=False)
    else:
        client = Confluence(url=sandbox.url, token="x", cloud=False)
    with pytest.raises(HTTPError) as caught:
        client.get_space("OKR")
    assert caught.value.response.status_code == 401
    assert [e.status for e in sandbox.request_log()] == [401]


def test_token_never_appears_in_the_request_log(sandbox: ConfluenceSandbox) -> None:
    v1_client(sandbox).get_current_user()
    assert sandbox.token not in repr(sandbox.request_log())
    assert sandbox.token not in repr(sandbox.stats())


# Confluence's own rewriting ------------------------------------------------------------

MACRO_BODY = (
    '<p>a&nbsp;b</p><ac:structured-macro ac:name="code"><ac:plain-text-body>'
    "<![CDATA[x < y]]></ac:plain-text-body></ac:structured-macro>"
    '<ac:structured-macro ac:name="info" ac:macro-id="mine"><ac:rich-text-body><p>i</p>'
    "</ac:rich-text-body></ac:structured-macro>"
)


def test_bodies_are_stored_as_sent_by_default(sandbox: ConfluenceSandbox) -> None:
    page = v1_client(sandbox).create_page("OKR", "As sent", MACRO_BODY)
    assert sandbox.page(page["id"]).body == MACRO_BODY


def test_rewriting_adds_macro_ids_and_keeps_existing_ones(sandbox: ConfluenceSandbox) -> None:
    sandbox.set_rewrite_macros(True)
    client = v1_client(sandbox)
    page = client.create_page("OKR", "Rewritten", MACRO_BODY)
    stored = client.get_page_by_id(page["id"], expand="body.storage")["body"]["storage"]["value"]
    assert stored != MACRO_BODY
    root = parse_storage(stored)
    macros = list(root.iter(f"{AC}structured-macro"))
    assert [m.get(f"{AC}macro-id") is not None for m in macros] == [True, True]
    assert macros[1].get(f"{AC}macro-id") == "mine"
    assert all(m.get(f"{AC}schema-version") == "1" for m in macros)
    assert "<![CDATA[x < y]]>" in stored
    assert "a&nbsp;b" in stored
    # Writing back what was read changes nothing more: ids already there are kept.
    client.update_page(page["id"], "Rewritten", stored, always_update=True)
    assert sandbox.page(page["id"]).body == stored
