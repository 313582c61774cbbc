"""Attachments on the Confluence sandbox, through the real atlassian-python-api and plain REST.

v1 `content/{id}/child/attachment`: PUT creates or updates by file name (a version per
upload), POST only creates, `.../{attId}/data` updates one attachment; multipart field `file`,
`minorEdit` required, the `X-Atlassian-Token: no-check` header required; Data Center refuses
PUT with 405. The page's HTML view embeds the attached image `<ac:image>` names.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
import requests

from okrsync_sandbox.confluence import ConfluenceSandbox

from .clients import raw_session, v1_client, v1_url

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg=="
)
NO_CHECK = {"X-Atlassian-Token": "no-check"}


def _page(sandbox: ConfluenceSandbox, body: str = "<p>Review</p>") -> str:
    return sandbox.create_page("OKR", "Review", body).id


def _upload(
    session: requests.Session,
    sandbox: ConfluenceSandbox,
    method: str,
    route: str,
    data: bytes,
    *,
    name: str = "chart.png",
    headers: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> requests.Response:
    return session.request(
        method,
        v1_url(sandbox, route),
        files={"file": (name, data, "image/png")},
        data={"minorEdit": "true"} if form is None else form,
        headers=NO_CHECK if headers is None else headers,
    )


def test_put_creates_then_versions_by_file_name(cloud: ConfluenceSandbox) -> None:
    page_id = _page(cloud)
    session = raw_session(cloud)
    route = f"content/{page_id}/child/attachment"
    first = _upload(session, cloud, "PUT", route, PNG)
    assert first.status_code == 200, first.text
    created = first.json()["results"][0]
    assert created["id"].startswith("att") and created["title"] == "chart.png"
    assert created["version"]["number"] == 1
    assert created["extensions"] == {"mediaType": "image/png", "fileSize": len(PNG), "comment": ""}
    second = _upload(session, cloud, "PUT", route, PNG + b"more")
    updated = second.json()["results"][0]
    assert updated["id"] == created["id"]
    assert updated["version"]["number"] == 2
    listed = session.get(v1_url(cloud, route)).json()
    assert [a["title"] for a in listed["results"]] == ["chart.png"]
    assert listed["results"][0]["extensions"]["fileSize"] == len(PNG) + 4
    download = session.get(cloud.url + updated["_links"]["download"])
    assert download.status_code == 200
    assert download.content == PNG + b"more"
    assert download.headers["Content-Type"] == "image/png"
    old = session.get(
        f"{cloud.url}/download/attachments/{page_id}/chart.png", params={"version": 1}
    )
    assert old.content == PNG


def test_post_creates_only_and_data_updates_by_id(sandbox: ConfluenceSandbox) -> None:
    page_id = _page(sandbox)
    session = raw_session(sandbox)
    route = f"content/{page_id}/child/attachment"
    created = _upload(session, sandbox, "POST", route, PNG).json()["results"][0]
    again = _upload(session, sandbox, "POST", route, PNG)
    assert again.status_code == 400
    assert "same file name" in again.json()["message"]
    data = _upload(session, sandbox, "POST", f"{route}/{created['id']}/data", b"new bytes")
    assert data.status_code == 200, data.text
    single = data.json()
    assert single["id"] == created["id"] and single["version"]["number"] == 2
    assert "results" not in single
    stored = sandbox.store.attachment_named(page_id, "chart.png")
    assert stored is not None and stored.current.content == b"new bytes"


def test_upload_needs_the_no_check_token_and_minor_edit(cloud: ConfluenceSandbox) -> None:
    page_id = _page(cloud)
    session = raw_session(cloud)
    route = f"content/{page_id}/child/attachment"
    refused = _upload(session, cloud, "POST", route, PNG, headers={})
    assert refused.status_code == 403
    assert refused.json()["message"] == "XSRF check failed"
    no_minor = _upload(session, cloud, "POST", route, PNG, form={"comment": "x"})
    assert no_minor.status_code == 400
    assert "minorEdit" in no_minor.json()["message"]
    assert cloud.store.attachments_of(page_id) == []


def test_data_center_refuses_put_and_serves_download_at_the_root(
    datacenter: ConfluenceSandbox,
) -> None:
    page_id = _page(datacenter)
    session = raw_session(datacenter)
    route = f"content/{page_id}/child/attachment"
    put = _upload(session, datacenter, "PUT", route, PNG)
    assert put.status_code == 405
    created = _upload(session, datacenter, "POST", route, PNG).json()["results"][0]
    assert created["_links"]["download"].startswith(f"/download/attachments/{page_id}/")
    fetched = session.get(datacenter.url + created["_links"]["download"])
    assert fetched.content == PNG


def test_the_real_client_attaches_and_updates(sandbox: ConfluenceSandbox) -> None:
    """atlassian-python-api's attach_content with api_version 1.0: GET the list, then POST to
    create or POST .../{attId}/data to update (works on Cloud and Data Center)."""
    page_id = _page(sandbox)
    client: Any = v1_client(sandbox, api_version="1.0")
    first = client.attach_content(PNG, name="chart.png", content_type="image/png", page_id=page_id)
    assert first["results"][0]["version"]["number"] == 1
    second = client.attach_content(
        b"v2", name="chart.png", content_type="image/png", page_id=page_id
    )
    assert second["version"]["number"] == 2
    listed = client.get_attachments_from_content(page_id)
    assert [(a["title"], a["extensions"]["fileSize"]) for a in listed["results"]] == [
        ("chart.png", 2)
    ]
    data_posts = [
        e for e in sandbox.request_log() if e.method == "POST" and e.path.endswith("/data")
    ]
    assert len(data_posts) == 1


def test_the_real_clients_default_update_is_refused_like_confluence(
    cloud: ConfluenceSandbox,
) -> None:
    """5.0.4+ updates an existing attachment with a multipart PUT on content/{attId}, which
    Confluence answers 415 (issues #1677/#1681): why okrsync calls REST v1 itself."""
    page_id = _page(cloud)
    client: Any = v1_client(cloud)
    client.attach_content(PNG, name="chart.png", content_type="image/png", page_id=page_id)
    with pytest.raises(requests.HTTPError) as caught:
        client.attach_content(b"v2", name="chart.png", content_type="image/png", page_id=page_id)
    assert caught.value.response.status_code == 415
    stored = cloud.store.attachment_named(page_id, "chart.png")
    assert stored is not None and stored.current.content == PNG


def test_unknown_page_and_attachment_are_404(cloud: ConfluenceSandbox) -> None:
    session = raw_session(cloud)
    missing = _upload(session, cloud, "PUT", "content/999999/child/attachment", PNG)
    assert missing.status_code == 404
    page_id = _page(cloud)
    bad_id = _upload(session, cloud, "POST", f"content/{page_id}/child/attachment/att1/data", PNG)
    assert bad_id.status_code == 404
    nothing = session.get(f"{cloud.url}/download/attachments/{page_id}/none.png")
    assert nothing.status_code == 404


def test_view_embeds_attached_images(cloud: ConfluenceSandbox) -> None:
    body = (
        '<p>Trend</p><ac:image ac:width="600"><ri:attachment ri:filename="chart.png"/></ac:image>'
        '<ac:image><ri:attachment ri:filename="gone.png"/></ac:image>'
    )
    page_id = _page(cloud, body)
    _upload(raw_session(cloud), cloud, "PUT", f"content/{page_id}/child/attachment", PNG)
    html = requests.get(f"{cloud.base_url}/view/{page_id}", timeout=5).text
    encoded = base64.b64encode(PNG).decode()
    assert f'<img alt="chart.png" width="600" src="data:image/png;base64,{encoded}">' in html
    assert "[missing image: gone.png]" in html


def test_attachments_survive_save_and_load(cloud: ConfluenceSandbox, tmp_path: Any) -> None:
    page_id = _page(cloud)
    _upload(raw_session(cloud), cloud, "PUT", f"content/{page_id}/child/attachment", PNG)
    path = tmp_path / "state.json"
    cloud.save(path)
    fresh = ConfluenceSandbox()
    fresh.load(path)
    restored = fresh.store.attachment_named(page_id, "chart.png")
    assert restored is not None and restored.current.content == PNG


@pytest.mark.parametrize("body", [b"", b"not a form"])
def test_unreadable_form_is_a_clear_400(cloud: ConfluenceSandbox, body: bytes) -> None:
    page_id = _page(cloud)
    answer = raw_session(cloud).post(
        v1_url(cloud, f"content/{page_id}/child/attachment"),
        data=body,
        headers={**NO_CHECK, "Content-Type": "multipart/form-data; boundary=xyz"},
    )
    assert answer.status_code == 400
    assert "Could not read the attachment upload" in answer.json()["message"]
