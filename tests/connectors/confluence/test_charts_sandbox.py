"""Charts on the Confluence review page, through atlassian-python-api against the sandbox.

Attachments of the review page, embedded by file name, uploaded with the page write only when
their picture changed, the replaced version deleted; a failed upload keeps the old chart and
the next run retries. Cloud (PUT create-or-update, the changed charts of a page in one
multipart request) and Data Center (POST, then POST .../data, one file each).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from okrsync.charts.draw import chart_png
from okrsync.charts.review_charts import labels_from_json, series_from_json
from okrsync.executor import execute
from okrsync.model import CheckIn
from okrsync.records import Write
from okrsync.review import Review
from okrsync.sandbox import FaultPlan
from okrsync.state import StateStore

from .site import Site
from .test_connector_sandbox import review_of

PNG = b"\x89PNG\r\n\x1a\n"


def _with_history(review: Review, *moves: tuple[int, float]) -> Review:
    """The review with dated values of its first key result (day of August, value)."""
    kr = next(k for k in review.workspace.key_results if k.title == "Reach 100 paying customers")
    check_ins = tuple(
        CheckIn(key_result=kr.id, at=datetime(2025, 8, day, 9, tzinfo=UTC), value=value)
        for day, value in moves
    )
    workspace = review.workspace.model_copy(update={"check_ins": check_ins})
    return review.model_copy(update={"workspace": workspace})


def _q3(writes: list[Write]) -> list[Write]:
    return [w for w in writes if w.payload.get("title") == "OKR Review Q3 2025"]


def _sync(site: Site, review: Review, state: Path) -> list[str]:
    """Plan and execute like a run; the statuses, in order."""
    connector = site.connector()
    with StateStore(state) as store:
        report = execute(
            _q3(connector.plan(review)),
            connector=connector,
            store=store,
            source="wiki",
            clock=lambda: datetime(2025, 8, 15, tzinfo=UTC),
            stop_event=threading.Event(),
        )
    return [o.status for o in report.outcomes]


def _uploads(site: Site, since: int = 0) -> list[tuple[str, str]]:
    return [
        (e.method, e.path)
        for e in site.sandbox.request_log()[since:]
        if ("attachment" in e.path or "/version/" in e.path) and e.method != "GET"
    ]


def _review_page(site: Site) -> str:
    return next(p.id for p in site.sandbox.store.pages.values() if p.title == "OKR Review Q3 2025")


def test_charts_are_attachments_embedded_by_name_and_a_repeat_sends_nothing(
    site: Site, tmp_path: Path
) -> None:
    records = list(site.connector().pull(None))
    review = _with_history(review_of(records), (1, 20), (8, 40))
    (write,) = _q3(site.connector().plan(review))
    charts = write.payload["charts"]
    assert len(charts) == 1 + 4  # the burn-up and the four readable Q3 objectives
    state = tmp_path / "state.db"
    mark = len(site.sandbox.request_log())
    assert _sync(site, review, state) == ["applied"]
    uploads = [p for m, p in _uploads(site, mark) if m in ("PUT", "POST")]
    assert len(uploads) == (1 if site.deployment == "cloud" else len(charts))  # one request
    page_id = _review_page(site)
    body = site.sandbox.page(page_id).body
    stored = {a.title: a for a in site.sandbox.store.attachments_of(page_id)}
    assert set(stored) == set(charts)
    for name in charts:
        assert f'<ri:attachment ri:filename="{name}"/>' in body
        assert stored[name].current.content.startswith(PNG)
        assert stored[name].media_type == "image/png"
        assert [v.number for v in stored[name].versions] == [1]
    mark = len(site.sandbox.request_log())
    assert _sync(site, review, state) == ["skipped"]
    assert site.sandbox.request_log()[mark:] == []  # a no-change sync makes no request


def test_only_the_changed_chart_is_uploaded_and_its_old_version_deleted(
    site: Site, tmp_path: Path
) -> None:
    records = list(site.connector().pull(None))
    state = tmp_path / "state.db"
    before = _with_history(review_of(records), (1, 20), (8, 40))
    _sync(site, before, state)
    page_id = _review_page(site)
    old = {a.title: a.current.content for a in site.sandbox.store.attachments_of(page_id)}
    mark = len(site.sandbox.request_log())
    after = _with_history(review_of(records), (1, 20), (8, 40), (14, 70))
    assert _sync(site, after, state) == ["applied"]
    (write,) = _q3(site.connector().plan(after))
    charts = write.payload["charts"]
    team = next(n for n, c in charts.items() if c["series"]["name"] == "Grow revenue")
    burn_up = next(n for n, c in charts.items() if c["kind"] == "cycle")
    changed = {team, burn_up}
    uploads = [p for m, p in _uploads(site, mark) if m in ("PUT", "POST")]
    assert len(uploads) == (1 if site.deployment == "cloud" else len(changed))  # one batch
    deletes = [p for m, p in _uploads(site, mark) if m == "DELETE"]
    assert len(deletes) == len(changed)
    now = {a.title: a for a in site.sandbox.store.attachments_of(page_id)}
    for name, attachment in now.items():
        assert len(attachment.versions) == 1  # old versions do not pile up
        assert (attachment.current.content != old[name]) == (name in changed)
    assert len(now) == len(old)


def test_a_lost_state_store_compares_with_the_attachments_and_uploads_nothing(
    site: Site, tmp_path: Path
) -> None:
    records = list(site.connector().pull(None))
    review = _with_history(review_of(records), (1, 20), (8, 40))
    _sync(site, review, tmp_path / "state.db")
    mark = len(site.sandbox.request_log())
    assert _sync(site, review, tmp_path / "other.db") == ["unchanged"]  # the page's marker
    assert [e for e in site.sandbox.request_log()[mark:] if "attachment" in e.path] == []


def test_an_upload_redone_after_a_lost_marker_compares_the_attachments_bytes(
    site: Site, tmp_path: Path
) -> None:
    records = list(site.connector().pull(None))
    review = _with_history(review_of(records), (1, 20), (8, 40))
    _sync(site, review, tmp_path / "state.db")
    page_id = _review_page(site)
    site.sandbox.store.delete_property(page_id, "okrsync")
    mark = len(site.sandbox.request_log())
    assert _sync(site, review, tmp_path / "other.db") == ["applied"]
    assert _uploads(site, mark) == []  # the attachments' comments name the same bytes
    listings = [
        e for e in site.sandbox.request_log()[mark:] if e.path.endswith("/child/attachment")
    ]
    assert len(listings) == 1  # one listing of the page's attachments


def test_a_failed_upload_keeps_the_old_chart_and_the_next_run_retries(
    site: Site, tmp_path: Path
) -> None:
    records = list(site.connector().pull(None))
    state = tmp_path / "state.db"
    _sync(site, _with_history(review_of(records), (1, 20)), state)
    page_id = _review_page(site)
    old = {a.title: a.current.content for a in site.sandbox.store.attachments_of(page_id)}
    after = _with_history(review_of(records), (1, 20), (8, 90))
    site.sandbox.set_faults(
        FaultPlan(seed=1, rates={"500": 1.0}, methods=("PUT", "POST"), paths=("attachment",))
    )
    body = site.sandbox.page(page_id).body
    assert _sync(site, after, state) == ["failed"]
    assert {a.title: a.current.content for a in site.sandbox.store.attachments_of(page_id)} == old
    assert site.sandbox.page(page_id).body == body
    site.sandbox.set_faults(None)
    assert _sync(site, after, state) == ["applied"]  # the next run
    new = {a.title: a.current.content for a in site.sandbox.store.attachments_of(page_id)}
    assert sum(new[n] != old[n] for n in old) == 2  # the objective's chart and the burn-up


def test_a_refused_batch_is_sent_file_by_file_and_one_bad_chart_stops_no_other(
    site: Site, tmp_path: Path
) -> None:
    records = list(site.connector().pull(None))
    review = _with_history(review_of(records), (1, 20), (8, 40))
    (write,) = _q3(site.connector().plan(review))
    sizes = {
        name: len(
            chart_png(
                series_from_json(chart["series"]),
                "cycle" if chart["kind"] == "cycle" else "objective",
                labels_from_json(chart["labels"]),
            )
        )
        for name, chart in write.payload["charts"].items()
    }
    largest = max(sizes, key=lambda name: sizes[name])
    site.sandbox.store.max_attachment_bytes = sizes[largest] - 1  # the site refuses that one
    state = tmp_path / "state.db"
    mark = len(site.sandbox.request_log())
    assert _sync(site, review, state) == ["failed"]
    uploads = [
        e.status
        for e in site.sandbox.request_log()[mark:]
        if e.path.endswith("/child/attachment") and e.method in ("PUT", "POST")
    ]
    if site.deployment == "cloud":  # the batch refused whole, then each chart on its own
        assert uploads[0] == 413
        assert sorted(uploads[1:]) == [200] * (len(sizes) - 1) + [413]
    else:
        assert sorted(uploads) == [200] * (len(sizes) - 1) + [413]
    page_id = _review_page(site)
    attached = {a.title for a in site.sandbox.store.attachments_of(page_id)}
    assert attached == set(sizes) - {largest}  # the others are in place
    site.sandbox.store.max_attachment_bytes = None  # an admin raises the limit
    mark = len(site.sandbox.request_log())
    assert _sync(site, review, state) == ["applied"]  # the next run sends only the refused one
    retried = [p for m, p in _uploads(site, mark) if m in ("PUT", "POST")]
    assert len(retried) == 1
    assert {a.title for a in site.sandbox.store.attachments_of(page_id)} == set(sizes)
