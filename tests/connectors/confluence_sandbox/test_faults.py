"""Each injected fault as a client sees it; the rate limit, early retries, and the request log."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import requests
from requests import HTTPError

from okrsync.sandbox import FaultKind, FaultPlan
from okrsync_sandbox.confluence import ConfluenceSandbox

from .clients import okrsync_client, raw_session, v1_client, v1_url, v2_client, v2_url


class FakeClock:
    """A clock that moves only when told to, or when a client passed its `sleep` waits."""

    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now

    def at(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC)

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def only(kind: FaultKind, **kwargs: object) -> FaultPlan:
    return FaultPlan(seed=7, rates={kind: 1.0}, **kwargs)  # type: ignore[arg-type]


def test_429_carries_retry_after_and_the_client_retries_once(sandbox: ConfluenceSandbox) -> None:
    sandbox.set_faults(only("429", retry_after=0.05, paths=("/space/",)))
    session = raw_session(sandbox)
    raw = session.get(v1_url(sandbox, "space/OKR"))
    assert raw.status_code == 429
    assert raw.headers["Retry-After"] == "0.050"
    assert raw.json()["statusCode"] == 429
    with pytest.raises(HTTPError) as caught:
        v1_client(sandbox).get_space("OKR")
    assert caught.value.response.status_code == 429
    statuses = [(e.status, e.fault) for e in sandbox.request_log()]
    assert statuses == [(429, "429")] * 3  # the raw one, then the client's try and one retry


def test_early_retries_are_counted(sandbox: ConfluenceSandbox) -> None:
    clock = FakeClock()
    box = ConfluenceSandbox(deployment=sandbox.deployment, clock=clock)
    with box:
        box.create_space("OKR", "OKRs")
        box.set_faults(only("429", retry_after=30.0, paths=("/space/",)))
        session = raw_session(box)
        assert session.get(v1_url(box, "space/OKR")).headers["Retry-After"] == "30"
        clock.now += 10
        session.get(v1_url(box, "user/current"))
        assert box.stats()["early_retries"] == 1
        clock.now += 25
        session.get(v1_url(box, "user/current"))
        assert box.stats()["early_retries"] == 1


@pytest.mark.parametrize("status", ["500", "502", "503", "504"])
def test_server_errors_reach_the_client(sandbox: ConfluenceSandbox, status: FaultKind) -> None:
    sandbox.set_faults(only(status, retry_after=0.01))
    with pytest.raises(HTTPError) as caught:
        v1_client(sandbox).get_space("OKR")
    assert caught.value.response.status_code == int(status)
    assert ("Retry-After" in caught.value.response.headers) == (status == "503")
    assert sandbox.stats()["faults"] == {status: 1}


def test_v2_faults_use_the_v2_error_shape(cloud: ConfluenceSandbox) -> None:
    cloud.set_faults(only("503", retry_after=0.01))
    response = raw_session(cloud).get(v2_url(cloud, "spaces"))
    assert response.status_code == 503
    assert response.json()["errors"][0]["code"] == "SERVICE_UNAVAILABLE"


def test_slow_answers_time_out_a_client_with_a_short_timeout(sandbox: ConfluenceSandbox) -> None:
    sandbox.set_faults(only("slow", slow_seconds=1.0))
    with pytest.raises(requests.exceptions.ReadTimeout):
        raw_session(sandbox).get(v1_url(sandbox, "user/current"), timeout=0.2)


def test_reset_drops_the_connection(sandbox: ConfluenceSandbox) -> None:
    sandbox.set_faults(only("reset"))
    with pytest.raises(requests.exceptions.ConnectionError):
        v1_client(sandbox).get_space("OKR")
    assert sandbox.request_log()[-1].status == 0
    assert sandbox.request_log()[-1].fault == "reset"


def test_conflict_hits_writes_only(sandbox: ConfluenceSandbox) -> None:
    client = v1_client(sandbox)
    page = client.create_page("OKR", "Contested", "<p/>")
    sandbox.set_faults(only("conflict"))
    assert client.get_page_by_id(page["id"])["id"] == page["id"]
    with pytest.raises(HTTPError) as caught:
        client.put(
            f"rest/api/content/{page['id']}",
            data={
                "type": "page",
                "title": "Contested",
                "version": {"number": 2},
                "body": {"storage": {"value": "<p>x</p>", "representation": "storage"}},
            },
        )
    assert caught.value.response.status_code == 409
    assert "Current version is: 1" in str(caught.value)
    assert sandbox.page(page["id"]).version == 1


def test_applied_then_reset_writes_but_loses_the_answer(sandbox: ConfluenceSandbox) -> None:
    sandbox.set_faults(only("applied_then_reset"))
    client = v1_client(sandbox)
    with pytest.raises(requests.exceptions.ConnectionError):
        client.create_page("OKR", "Written anyway", "<p/>")
    sandbox.set_faults(None)
    assert [p.title for p in sandbox.store.find_by_title("OKR", "Written anyway")] == [
        "Written anyway"
    ]


def test_human_edit_after_a_read_makes_the_next_write_conflict(sandbox: ConfluenceSandbox) -> None:
    client = v1_client(sandbox)
    page = client.create_page("OKR", "Objective", "<p>original</p>")
    sandbox.set_human_edit(lambda body: body.replace("original", "changed by a person"))
    sandbox.set_faults(only("human_edit", methods=("GET",)))
    read = client.get_page_by_id(page["id"], expand="body.storage,version")
    assert read["version"]["number"] == 1
    assert read["body"]["storage"]["value"] == "<p>original</p>"
    stored = sandbox.page(page["id"])
    assert stored.version == 2
    assert stored.body == "<p>changed by a person</p>"
    assert sandbox.store.users[stored.current.by].display_name == "Alex Editor"
    sandbox.set_faults(None)
    with pytest.raises(HTTPError) as caught:
        client.put(
            f"rest/api/content/{page['id']}",
            data={
                "type": "page",
                "title": "Objective",
                "version": {"number": read["version"]["number"] + 1},
                "body": {"storage": {"value": "<p>okrsync</p>", "representation": "storage"}},
            },
        )
    assert caught.value.response.status_code == 409


def test_human_edit_before_a_v2_write(cloud: ConfluenceSandbox) -> None:
    page = cloud.create_page("OKR", "Review", "<p>generated</p>")
    cloud.set_faults(only("human_edit", methods=("PUT",)))
    with pytest.raises(HTTPError) as caught:
        v2_client(cloud).put(
            f"api/v2/pages/{page.id}",
            data={
                "id": page.id,
                "status": "current",
                "title": "Review",
                "body": {"representation": "storage", "value": "<p>regenerated</p>"},
                "version": {"number": 2},
            },
        )
    assert caught.value.response.status_code == 409
    assert cloud.page(page.id).body.startswith("<p>generated</p><p>Edited by Alex Editor")


def test_same_seed_same_faults_and_filters_apply(sandbox: ConfluenceSandbox) -> None:
    plan = FaultPlan(seed=3, rates={"500": 0.3, "503": 0.2}, methods=("GET",))

    def outcomes(box: ConfluenceSandbox) -> list[int]:
        box.set_faults(plan)
        session = raw_session(box)
        got = [session.get(v1_url(box, "space/OKR")).status_code for _ in range(30)]
        got.append(session.post(v1_url(box, "content/1/label"), json=[]).status_code)
        return got

    first = outcomes(sandbox)
    other = ConfluenceSandbox(deployment=sandbox.deployment)
    with other:
        other.create_space("OKR", "OKRs")
        second = outcomes(other)
    assert first == second
    assert {500, 503, 200} == set(first[:30])
    assert first[30] == 404  # POST is not eligible: the request reaches the router


def test_rate_limit_sends_429_and_punishes_early_retries() -> None:
    clock = FakeClock()
    box = ConfluenceSandbox(deployment="cloud", clock=clock)
    with box:
        box.set_rate_limit(2)
        session = raw_session(box)
        url = v1_url(box, "user/current")
        assert [session.get(url).status_code for _ in range(2)] == [200, 200]
        limited = session.get(url)
        assert limited.status_code == 429
        assert limited.headers["Retry-After"] == "0.500"
        clock.now += 0.1
        early = session.get(url)
        assert early.status_code == 429
        assert float(early.headers["Retry-After"]) >= 2.0  # retrying early waits longer
        stats = box.stats()
        assert stats["early_retries"] == 1
        assert stats["by_status"][429] == 2
        clock.now += 2.5
        assert session.get(url).status_code == 200
        box.set_rate_limit(None)
        assert all(session.get(url).ok for _ in range(5))


def test_request_log_and_counters(sandbox: ConfluenceSandbox) -> None:
    client = v1_client(sandbox)
    page = client.create_page("OKR", "Counted", "<p/>")
    client.get_page_by_id(page["id"])
    client.get_page_by_id(page["id"])
    log = sandbox.request_log()
    assert [(e.method, e.status) for e in log] == [("POST", 200), ("GET", 200), ("GET", 200)]
    prefix = "/wiki" if sandbox.deployment == "cloud" else ""
    assert log[1].path == f"{prefix}/rest/api/content/{page['id']}"
    stats = sandbox.stats()
    assert stats["by_endpoint"][f"GET {prefix}/rest/api/content/{{id}}"] == 2
    assert stats["requests"] == 3


@pytest.fixture
def unstarted() -> Iterator[ConfluenceSandbox]:
    box = ConfluenceSandbox()
    yield box
    box.stop()


def test_invalid_rate_and_lifecycle(unstarted: ConfluenceSandbox) -> None:
    with pytest.raises(ValueError, match="positive"):
        unstarted.set_rate_limit(0)
    url = unstarted.base_url  # known before start: the port is bound on first use
    assert url.startswith("http://127.0.0.1:")
    unstarted.start()
    unstarted.start()  # idempotent
    assert raw_session(unstarted).get(v1_url(unstarted, "user/current")).ok
    unstarted.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url, timeout=2)
    unstarted.start()  # a restart serves on the same port
    assert unstarted.base_url == url
    assert raw_session(unstarted).get(v1_url(unstarted, "user/current")).ok


def test_data_center_sends_rate_limit_headers(datacenter: ConfluenceSandbox) -> None:
    datacenter.set_rate_limit(5)
    session = raw_session(datacenter)
    first = session.get(v1_url(datacenter, "user/current"))
    assert first.headers["X-RateLimit-Limit"] == "5"
    assert first.headers["X-RateLimit-FillRate"] == "5"
    assert first.headers["X-RateLimit-Interval-Seconds"] == "1"
    assert int(first.headers["X-RateLimit-Remaining"]) <= 4


def test_cloud_sends_no_data_center_headers(cloud: ConfluenceSandbox) -> None:
    cloud.set_rate_limit(5)
    response = raw_session(cloud).get(v1_url(cloud, "user/current"))
    assert response.ok
    assert "X-RateLimit-Limit" not in response.headers


def test_human_edit_after_a_v2_read(cloud: ConfluenceSandbox) -> None:
    page = cloud.create_page("OKR", "Read then edited", "<p>first</p>")
    cloud.set_faults(only("human_edit", methods=("GET",), paths=("/api/v2/pages/",)))
    read = raw_session(cloud).get(
        v2_url(cloud, f"pages/{page.id}"), params={"body-format": "storage"}
    )
    assert read.json()["version"]["number"] == 1
    assert cloud.page(page.id).version == 2
    assert cloud.stats()["faults"] == {"human_edit": 1}


def test_a_client_that_honours_retry_after_makes_no_early_retries(
    sandbox: ConfluenceSandbox,
) -> None:
    # The emulator's bucket and okrsync's client run on one manual clock, moved only by the
    # client's own waits: the burst is instant however busy the machine, and a retry counts
    # as early exactly when the client waited less than it was told.
    clock = FakeClock()
    box = ConfluenceSandbox(deployment=sandbox.deployment, clock=clock)
    with box:
        box.set_rate_limit(20)
        client = okrsync_client(box, clock=clock.at, sleep=clock.sleep)
        for _ in range(30):
            assert client.current_user()["displayName"] == "okrsync"
        stats = box.stats()
        assert stats["by_status"].get(429, 0) >= 1  # the burst ran into the limit ...
        assert stats["early_retries"] == 0  # ... and every retry waited as told
        assert stats["by_status"][200] == 30


def test_concurrent_writers_of_one_version_get_one_success(sandbox: ConfluenceSandbox) -> None:
    page = sandbox.create_page("OKR", "Contended", "<p/>")

    def write(n: int) -> int:
        update = {
            "type": "page",
            "title": "Contended",
            "version": {"number": 2},
            "body": {"storage": {"value": f"<p>{n}</p>", "representation": "storage"}},
        }
        return (
            raw_session(sandbox).put(v1_url(sandbox, f"content/{page.id}"), json=update).status_code
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(write, range(8)))
    assert statuses == [200] + [409] * 7
    assert sandbox.page(page.id).version == 2
