"""File uploads on the Notion sandbox, through the real notion-client, against the recorded
traffic of notion-sdk-py's file-upload tests (tests/fixtures/recorded/notion/notion-sdk-py).

Create -> pending (expiry = created + 1 h on the emulator's clock) -> send (multipart `file`)
-> uploaded -> an image block `{"type": "file_upload", ...}` on append or block update, read
back as `{"type": "file", "file": {url, expiry_time}}` whose URL serves the bytes; unattached
uploads expire after the hour.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
import pytest
from notion_client import APIResponseError, Client

from okrsync_sandbox.kit.clock import ManualClock
from okrsync_sandbox.notion import NotionSandbox
from tests.recorded import NOTION_SDK_PY, load_cassette, recorded

from .conftest import shape_differences

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg=="
)
SEND = NOTION_SDK_PY / "test_file_uploads_send.json"


def _page(sandbox: NotionSandbox, client: Client) -> str:
    root = sandbox.store.create_page({"workspace": True}, {"title": [{"text": {"content": "R"}}]})
    page = client.pages.create(
        parent={"page_id": root}, properties={"title": [{"text": {"content": "Review"}}]}
    )
    return str(page["id"])


def _uploaded(client: Client, data: bytes = PNG, name: str = "chart.png") -> dict[str, Any]:
    created = client.file_uploads.create(
        mode="single_part", filename=name, content_type="image/png"
    )
    sent: dict[str, Any] = client.file_uploads.send(created["id"], file=(name, data, "image/png"))
    return sent


def test_create_send_retrieve_match_the_recorded_shapes(
    sandbox: NotionSandbox, client: Client, clock: ManualClock
) -> None:
    created = client.file_uploads.create(
        mode="single_part", filename="test_file.txt", content_type="text/plain"
    )
    theirs = recorded(NOTION_SDK_PY / "test_file_uploads_create.json", "POST", "/v1/file_uploads")
    assert shape_differences(created, theirs) == []
    assert created["status"] == "pending"
    assert created["upload_url"].endswith(f"/v1/file_uploads/{created['id']}/send")
    assert created["expiry_time"] == "2026-03-02T11:15:00.000Z"  # created 10:15 + 1 h

    sent = client.file_uploads.send(
        created["id"], file=("test_file.txt", b"This is test file content", "text/plain")
    )
    assert shape_differences(sent, recorded(SEND, "POST", "/send")) == []
    assert (sent["status"], sent["content_length"]) == ("uploaded", 25)
    assert "upload_url" not in sent

    fetched = client.file_uploads.retrieve(created["id"])
    theirs_get = recorded(
        NOTION_SDK_PY / "test_file_uploads_retrieve.json", "GET", "/v1/file_uploads/393abc1e"
    )
    assert shape_differences(fetched, theirs_get) == []
    assert fetched["status"] == "uploaded"


def test_list_newest_first_with_status_filter_and_cursor(
    sandbox: NotionSandbox, client: Client
) -> None:
    ids = [
        client.file_uploads.create(filename=f"cursor_test_{i}.txt", content_type="text/plain")["id"]
        for i in range(3)
    ]
    client.file_uploads.send(ids[0], file=("cursor_test_0.txt", b"x", "text/plain"))
    listing = client.file_uploads.list()
    theirs = recorded(NOTION_SDK_PY / "test_file_uploads_list.json", "GET", "/v1/file_uploads")
    assert shape_differences({**listing, "results": []}, {**theirs, "results": []}) == []
    # single-part uploads only: the recorded external_url import adds `file_import_result`
    by_status = {
        r["status"]: r for r in reversed(theirs["results"]) if "file_import_result" not in r
    }
    for upload in listing["results"]:
        assert shape_differences(upload, by_status[upload["status"]]) == []
    assert [u["id"] for u in listing["results"]] == list(reversed(ids))
    pending = client.file_uploads.list(status="pending")
    assert [u["id"] for u in pending["results"]] == [ids[2], ids[1]]
    first = client.file_uploads.list(page_size=2)
    assert first["has_more"] is True and first["next_cursor"] == ids[0]
    rest = client.file_uploads.list(page_size=2, start_cursor=first["next_cursor"])
    assert [u["id"] for u in rest["results"]] == [ids[0]] and rest["has_more"] is False


def test_unattached_uploads_expire_after_an_hour(
    sandbox: NotionSandbox, client: Client, clock: ManualClock
) -> None:
    pending = client.file_uploads.create(filename="a.png", content_type="image/png")
    uploaded = _uploaded(client)
    clock.advance(59 * 60)
    assert client.file_uploads.retrieve(pending["id"])["status"] == "pending"
    clock.advance(60)
    for upload_id in (pending["id"], uploaded["id"]):
        expired = client.file_uploads.retrieve(upload_id)
        assert expired["status"] == "expired" and expired["expiry_time"] is None
    theirs = [
        r
        for item in load_cassette(NOTION_SDK_PY / "test_file_uploads_list.json")
        for r in item.body["results"]
        if r["status"] == "expired"
    ]
    listed = client.file_uploads.list(status="expired")["results"]
    assert {u["id"] for u in listed} == {pending["id"], uploaded["id"]}
    assert shape_differences(listed[0], theirs[0]) == []
    with pytest.raises(APIResponseError) as caught:
        client.file_uploads.send(pending["id"], file=("a.png", PNG, "image/png"))
    assert caught.value.code == "validation_error" and "expired" in str(caught.value)
    page_id = _page(sandbox, client)
    with pytest.raises(APIResponseError) as refused:
        client.blocks.children.append(
            page_id,
            children=[
                {
                    "type": "image",
                    "image": {"type": "file_upload", "file_upload": {"id": uploaded["id"]}},
                }
            ],
        )
    assert refused.value.code == "validation_error"
    assert client.blocks.children.list(page_id)["results"] == []


def test_image_block_reads_back_as_an_expiring_file_url(
    sandbox: NotionSandbox, client: Client, clock: ManualClock, http: httpx.Client
) -> None:
    page_id = _page(sandbox, client)
    upload = _uploaded(client)
    appended = client.blocks.children.append(
        page_id,
        children=[
            {"type": "image", "image": {"type": "file_upload", "file_upload": {"id": upload["id"]}}}
        ],
    )["results"][0]
    image = appended["image"]
    assert image["type"] == "file" and set(image["file"]) == {"url", "expiry_time"}
    assert image["file"]["expiry_time"] == "2026-03-02T11:15:42.123Z"
    served = http.get(image["file"]["url"])
    assert served.status_code == 200 and served.content == PNG
    assert served.headers["content-type"] == "image/png"
    attached = client.file_uploads.retrieve(upload["id"])
    assert attached["status"] == "uploaded" and attached["expiry_time"] is None
    clock.advance(2 * 3600)
    assert http.get(image["file"]["url"]).status_code == 403  # the URL ran out
    fresh = client.blocks.retrieve(appended["id"])["image"]["file"]["url"]
    assert http.get(fresh).content == PNG  # attached: kept beyond the upload's hour


def test_a_refused_append_attaches_none_of_its_uploads(
    sandbox: NotionSandbox, client: Client, clock: ManualClock
) -> None:
    page_id = _page(sandbox, client)
    good = _uploaded(client)
    pending = client.file_uploads.create(filename="p.png", content_type="image/png")
    with pytest.raises(APIResponseError):
        client.blocks.children.append(
            page_id,
            children=[
                {"image": {"type": "file_upload", "file_upload": {"id": good["id"]}}},
                {"image": {"type": "file_upload", "file_upload": {"id": pending["id"]}}},
            ],
        )
    assert client.blocks.children.list(page_id)["results"] == []
    clock.advance(3600)
    assert client.file_uploads.retrieve(good["id"])["status"] == "expired"


def test_block_update_replaces_the_image_in_place(
    sandbox: NotionSandbox, client: Client, http: httpx.Client
) -> None:
    page_id = _page(sandbox, client)
    client.blocks.children.append(page_id, children=[{"paragraph": {"rich_text": []}}])
    first = _uploaded(client)
    block = client.blocks.children.append(
        page_id, children=[{"image": {"type": "file_upload", "file_upload": {"id": first["id"]}}}]
    )["results"][0]
    client.blocks.children.append(page_id, children=[{"divider": {}}])
    second = _uploaded(client, PNG + b"2", "chart-2.png")
    updated = client.blocks.update(
        block["id"], image={"type": "file_upload", "file_upload": {"id": second["id"]}}
    )
    assert updated["id"] == block["id"]
    assert http.get(updated["image"]["file"]["url"]).content == PNG + b"2"
    order = [b["type"] for b in client.blocks.children.list(page_id)["results"]]
    assert order == ["paragraph", "image", "divider"]


def test_send_refuses_mismatched_type_missing_file_and_a_second_send(
    sandbox: NotionSandbox, client: Client
) -> None:
    created = client.file_uploads.create(filename="c.png", content_type="image/png")
    with pytest.raises(APIResponseError) as wrong:
        client.file_uploads.send(created["id"], file=("c.png", PNG, "text/plain"))
    assert "content type" in str(wrong.value)
    with pytest.raises(APIResponseError) as nothing:
        client.file_uploads.send(created["id"], part_number="1")
    assert nothing.value.code == "validation_error"
    client.file_uploads.send(created["id"], file=("c.png", PNG, "image/png"))
    with pytest.raises(APIResponseError) as again:
        client.file_uploads.send(created["id"], file=("c.png", PNG, "image/png"))
    assert "already uploaded" in str(again.value)
    with pytest.raises(APIResponseError) as mode:
        client.file_uploads.create(mode="multi_part", number_of_parts=2, filename="big.png")
    assert mode.value.code == "validation_error"


def test_uploads_survive_save_and_load(
    sandbox: NotionSandbox, client: Client, tmp_path: Path
) -> None:
    page_id = _page(sandbox, client)
    upload = _uploaded(client)
    client.blocks.children.append(
        page_id, children=[{"image": {"type": "file_upload", "file_upload": {"id": upload["id"]}}}]
    )
    path = tmp_path / "notion.json"
    sandbox.save(path)
    fresh = NotionSandbox()
    fresh.load(path)
    assert fresh.store.uploads.file_content(upload["id"]) == (PNG, "image/png")
