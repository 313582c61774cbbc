"""`okrsync demo` on a fresh folder: the played weeks, exit 0, every promised file, and a repeat
sync with 0 writes (the session's one played demo, `played_demo` in conftest.py)."""

from __future__ import annotations

import email
import json
from email.policy import default as default_policy

from lxml import html

from tests.e2e.played_demo import PlayedDemo


def test_demo_syncs_twice_and_leaves_everything_to_look_at(played_demo: PlayedDemo) -> None:
    out = played_demo.out
    proc = played_demo
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in (
        "review.html",
        "review.md",
        "summary.json",
        "okrsync.toml",
        "notion-sandbox.json",
        "confluence-sandbox.json",
    ):
        assert (out / name).is_file(), name

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    first, second = summary["first_run"], summary["second_run"]
    # The cycle played: three weekly syncs (each a week later), then today's and its repeat.
    weeks = summary["weeks"]
    assert [w["started"][:10] for w in weeks] == ["2026-10-31", "2026-11-07", "2026-11-14"]
    assert first["run_id"] == weeks[0]["run_id"]
    assert summary["final_run"]["started"][:10] == "2026-11-21"
    assert all(w["exit_code"] == 0 for w in weeks)
    # every played week moved some key results, so okrsync recorded new check-ins
    assert all(w["sources"]["notion"]["history_added"] > 0 for w in weeks[1:])
    assert "3 weekly syncs played" in proc.stdout
    assert first["exit_code"] == 0 and first["writes"] > 150
    # Two sources read as one organisation, and the review destination publishing it to the wiki
    assert set(first["sources"]) == {"notion", "confluence", "okr-master"}
    assert first["sources"]["okr-master"]["writes"] == 2  # one review page per cycle
    assert second["writes"] == 0 and second["failed_writes"] == 0
    assert "Second run: 0 writes" in proc.stdout

    page = html.fromstring((out / "review.html").read_text(encoding="utf-8"))
    assert len(page.xpath("//table//tr")) > 40
    assert page.get_element_by_id("findings") is not None

    pages = list((out / "confluence-pages").glob("*.html"))
    reviews = sorted(p for p in pages if p.name.startswith("OKR-Review-Q"))
    assert [p.name for p in reviews] == ["OKR-Review-Q3-2026.html", "OKR-Review-Q4-2026.html"]
    wiki_review = reviews[1].read_text(encoding="utf-8")
    # the organisation's review: objectives kept in Notion and objectives kept in the wiki
    assert "Hire great engineers faster than our competitors" in wiki_review  # wiki
    assert "Grow DACH partner-sourced pipeline" in wiki_review  # Notion
    assert "Get every new customer live within two weeks" in wiki_review  # wiki
    state = json.loads((out / "confluence-sandbox.json").read_text(encoding="utf-8"))
    assert state  # the whole emulator state was saved

    # Notifications: all three channels from the played weeks, nothing from the repeat sync.
    sent = [
        json.loads(line)
        for line in (out / "notifications.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    runs = {w["run_id"] for w in weeks} | {summary["final_run"]["run_id"]}
    assert first["run_id"] in {m["run"] for m in sent}
    assert {m["run"] for m in sent} <= runs
    assert {m["channel"] for m in sent} == {"teams", "slack", "email"}
    cards = [m["payload"] for m in sent if m["channel"] == "teams"]
    assert all(c["attachments"][0]["content"]["type"] == "AdaptiveCard" for c in cards)
    assert all(m["payload"]["blocks"] for m in sent if m["channel"] == "slack")
    mails = [
        email.message_from_string(m["payload"], policy=default_policy)
        for m in sent
        if m["channel"] == "email"
    ]
    assert all(m["To"] and m["Subject"] and m.is_multipart() for m in mails)
    assert len(list((out / "emails").glob("*.html"))) == len(mails)
    assert "Notifications: " in proc.stdout and "0 by the second" in proc.stdout
    assert all(c["sent"] == 0 for c in second["notifications"].values())
