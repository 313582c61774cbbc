"""Auth and version headers, the rate limiter, seeded faults and the request log."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from notion_client import APIResponseError, Client
from notion_client.errors import RequestTimeoutError, UnknownHTTPResponseError

from okrsync.sandbox import FaultPlan
from okrsync_sandbox.kit.clock import ManualClock
from okrsync_sandbox.kit.faults import FaultInjector
from okrsync_sandbox.notion import NotionSandbox


def _title(text: str) -> list[dict[str, Any]]:
    return [{"text": {"content": text}}]


@pytest.fixture
def page_id(sandbox: NotionSandbox) -> str:
    root = sandbox.store.create_page({"workspace": True}, {"title": _title("Root")})
    _, source = sandbox.store.create_database(
        "KRs", parent_page_id=root, properties={"Score": {"number": {}}}
    )
    return sandbox.store.create_page({"data_source_id": source}, {"Name": _title("KR")})


def test_authorization_and_version_are_required(sandbox: NotionSandbox) -> None:
    http = httpx.Client()  # not the shared one: notion-client sets default headers on that
    url = f"{sandbox.base_url}/v1/users/me"
    version = {"Notion-Version": "2025-09-03"}
    good = {"Authorization": f"Bearer {sandbox.token}", **version}
    assert http.get(url, headers=good).status_code == 200
    missing = http.get(url, headers=version)
    assert (missing.status_code, missing.json()["code"]) == (401, "unauthorized")
    wrong = http.get(url, headers={**version, "Authorization": "Bearer secret_other"})
    assert (wrong.status_code, wrong.json()["code"]) == (401, "unauthorized")
    no_version = http.get(url, headers={"Authorization": f"Bearer {sandbox.token}"})
    assert (no_version.status_code, no_version.json()["code"]) == (400, "missing_version")
    assert sandbox.token not in no_version.text + wrong.text
    http.close()


def test_rate_limit_answers_429_with_retry_after_and_counts_early_retries(
    sandbox: NotionSandbox, client: Client, clock: ManualClock
) -> None:
    sandbox.set_rate_limit(3)
    for _ in range(3):  # the burst
        client.users.me()
    with pytest.raises(APIResponseError) as caught:
        client.users.me()
    assert (caught.value.status, caught.value.code) == (429, "rate_limited")
    assert caught.value.headers["retry-after"] == "1"
    assert sandbox.stats()["early_retries"] == 0
    clock.advance(0.2)  # back before Retry-After ran out
    with pytest.raises(APIResponseError):
        client.users.me()
    assert sandbox.stats()["early_retries"] == 1
    clock.advance(1.0)  # exactly when the second Retry-After ends: allowed and not early
    assert client.users.me()["object"] == "user"
    stats = sandbox.stats()
    assert (stats["early_retries"], stats["rate_limited"]) == (1, 2)
    clock.advance(1 / 3)  # 3 rps on average
    client.users.me()
    sandbox.set_rate_limit(None)
    for _ in range(10):
        client.users.me()


def _faulty(sandbox: NotionSandbox, kind: str, **extra: Any) -> None:
    sandbox.set_faults(FaultPlan(seed=1, rates={kind: 1.0}, **extra))  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("429", 429, "rate_limited"),
        ("500", 500, "internal_server_error"),
        ("503", 503, "service_unavailable"),
        ("504", 504, "gateway_timeout"),
        ("conflict", 409, "conflict_error"),
    ],
)
def test_error_faults(
    sandbox: NotionSandbox, client: Client, page_id: str, kind: str, status: int, code: str
) -> None:
    _faulty(sandbox, kind, retry_after=2.0)
    with pytest.raises(APIResponseError) as caught:
        client.pages.update(page_id, properties={"Score": {"number": 1}})
    assert (caught.value.status, caught.value.code) == (status, code)
    if kind == "429":
        assert caught.value.headers["retry-after"] == "2"
    sandbox.set_faults(None)
    assert client.pages.retrieve(page_id)["properties"]["Score"]["number"] is None
    assert sandbox.request_log()[0].fault == kind


def test_502_is_not_a_notion_error_code(
    sandbox: NotionSandbox, client: Client, page_id: str
) -> None:
    _faulty(sandbox, "502")
    with pytest.raises(UnknownHTTPResponseError) as caught:
        client.pages.retrieve(page_id)
    assert caught.value.status == 502


def test_reset_drops_the_connection_without_applying(
    sandbox: NotionSandbox, client: Client, page_id: str
) -> None:
    _faulty(sandbox, "reset")
    with pytest.raises(httpx.TransportError):
        client.pages.update(page_id, properties={"Score": {"number": 1}})
    sandbox.set_faults(None)
    assert client.pages.retrieve(page_id)["properties"]["Score"]["number"] is None
    dropped = sandbox.request_log()[0]
    assert (dropped.method, dropped.status, dropped.fault) == ("PATCH", 0, "reset")


def test_applied_then_reset_applies_the_write(
    sandbox: NotionSandbox, client: Client, page_id: str
) -> None:
    _faulty(sandbox, "applied_then_reset", methods=("PATCH",))
    assert client.pages.retrieve(page_id)["object"] == "page"  # GET is not eligible
    with pytest.raises(httpx.TransportError):
        client.pages.update(page_id, properties={"Score": {"number": 0.7}})
    sandbox.set_faults(None)
    assert client.pages.retrieve(page_id)["properties"]["Score"]["number"] == 0.7
    faults = [entry.fault for entry in sandbox.request_log()]
    assert faults == [None, "applied_then_reset", None]


def test_slow_answers_pass_the_client_timeout(
    sandbox: NotionSandbox, http: httpx.Client, page_id: str
) -> None:
    _faulty(sandbox, "slow", slow_seconds=0.5, paths=("/v1/pages/",))
    impatient = Client(
        client=http, auth=sandbox.token, base_url=sandbox.base_url, retry=False, timeout_ms=100
    )
    assert impatient.users.me()["object"] == "user"  # path not eligible
    with pytest.raises(RequestTimeoutError):
        impatient.pages.retrieve(page_id)


def test_faults_are_seeded_and_limited_to_matching_requests() -> None:
    plan = FaultPlan(
        seed=42, rates={"500": 0.3, "429": 0.2}, methods=("PATCH",), paths=("/pages/",)
    )
    first, second = FaultInjector(plan), FaultInjector(plan)
    draws = [first.draw("PATCH", f"/v1/pages/{i}") for i in range(200)]
    assert draws == [second.draw("PATCH", f"/v1/pages/{i}") for i in range(200)]
    assert 40 < draws.count("500") < 80 and 20 < draws.count("429") < 60
    assert all(first.draw("GET", "/v1/pages/x") is None for _ in range(50))
    assert all(first.draw("PATCH", "/v1/blocks/x") is None for _ in range(50))
    other = FaultInjector(plan.model_copy(update={"seed": 43}))
    assert [other.draw("PATCH", "/v1/pages/x") for _ in range(200)] != draws


def test_request_log_and_counters(sandbox: NotionSandbox, client: Client, page_id: str) -> None:
    client.pages.retrieve(page_id)
    with pytest.raises(APIResponseError):
        client.pages.retrieve("00000000-0000-0000-0000-000000000000")
    log = sandbox.request_log()
    assert [(e.method, e.status) for e in log] == [("GET", 200), ("GET", 404)]
    assert log[0].path == f"/v1/pages/{page_id}"
    assert sandbox.stats()["by_endpoint"] == {"GET /v1/pages/{id}": 2}
    sandbox.reset_log()
    assert sandbox.request_log() == [] and sandbox.stats()["requests"] == 0


def test_read_only_integration_gets_restricted_resource(
    sandbox: NotionSandbox, client: Client, page_id: str
) -> None:
    sandbox.read_only = True
    with pytest.raises(APIResponseError) as caught:
        client.pages.update(page_id, properties={"Score": {"number": 1}})
    assert (caught.value.status, caught.value.code) == (403, "restricted_resource")
    source = client.pages.retrieve(page_id)["parent"]["data_source_id"]
    assert client.data_sources.query(source)["results"][0]["id"] == page_id  # reads still work


def test_unshared_objects_are_not_found(
    sandbox: NotionSandbox, client: Client, page_id: str
) -> None:
    source = client.pages.retrieve(page_id)["parent"]["data_source_id"]
    database = client.data_sources.retrieve(source)["parent"]["database_id"]
    sandbox.store.unshare(database)
    for call in (
        lambda: client.databases.retrieve(database),
        lambda: client.data_sources.query(source),
        lambda: client.pages.retrieve(page_id),
    ):
        with pytest.raises(APIResponseError) as caught:
            call()
        assert (caught.value.status, caught.value.code) == (404, "object_not_found")
        assert "shared with your integration" in str(caught.value)
    sandbox.store.share(database)
    assert client.pages.retrieve(page_id)["id"] == page_id


def test_human_edit_does_not_block_the_write(
    sandbox: NotionSandbox, client: Client, page_id: str
) -> None:
    _faulty(sandbox, "human_edit", methods=("PATCH",))
    updated = client.pages.update(page_id, properties={"Score": {"number": 0.5}})
    assert updated["properties"]["Score"]["number"] == 0.5
    assert sandbox.request_log()[-1].fault == "human_edit"
    assert sandbox.stats()["faults"] == {"human_edit": 1}
