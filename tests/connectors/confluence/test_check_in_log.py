"""Check-ins on Confluence objective pages (real SDK, real HTTP).

okrsync keeps each objective page's value history in the `okrsync-check-ins` content property,
reads it with the page listing (no request more), writes it only when it observed a change,
and after its state store is lost rebuilds the history from it without writing anything.
People write their own check-ins, with notes, in a "Check-ins" table on the objective page:
okrsync reads them (English or German, in the page's number and date formats), shows them on
the review, never writes into that table and does not log a value a person already checked in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from okrsync_confluence.check_ins import (
    FIELDS,
    LOG_MARK,
    entry_of,
    log_field_names,
    log_records,
    log_value,
)

from okrsync.config import Config, load_config
from okrsync.demo.environment import config_document
from okrsync.demo.run import PlayClock
from okrsync.mapping.loader import parse_mapping
from okrsync.model import Cycle, KeyResult, Objective, Person, Workspace
from okrsync.sandbox import SeedResult
from okrsync.sync import SyncSummary, run_lint, run_sync
from okrsync_sandbox.confluence import ConfluenceSandbox
from tests.connectors.notion.test_check_ins import START

LOG = "okrsync-check-ins"


def company() -> Workspace:
    today = START.date()
    cycle = Cycle(
        id="q", name="Q now", start=today - timedelta(days=40), end=today + timedelta(days=50)
    )
    return Workspace(
        cycles=(cycle,),
        people=(Person(id="u-ana", name="Ana Ruiz"),),
        objectives=(
            Objective(id="o1", title="Grow", cycle="q", owners=("u-ana",)),
            Objective(id="o2", title="Hire", cycle="q", owners=("u-ana",)),
        ),
        key_results=(
            KeyResult(id="k1", objective="o1", title="Revenue", start=0, target=1000, current=437),
            KeyResult(id="k2", objective="o1", title="Deals", start=0, target=80, current=23),
            KeyResult(id="k3", objective="o2", title="Hires", start=0, target=12, current=5),
        ),
    )


@dataclass
class Wiki:
    sandbox: ConfluenceSandbox
    seed: SeedResult
    config: Config
    env: dict[str, str]
    state: Path
    clock: PlayClock

    def sync(self) -> SyncSummary:
        self.clock.set(self.clock.now() + timedelta(minutes=10))
        return run_sync(self.config, env=self.env, clock=self.clock.now)

    def store_attachments(self, page_id: str) -> list[Any]:
        return list(self.sandbox.store.attachments_of(page_id))

    def log(self, objective: str) -> list[dict[str, Any]]:
        page = self.sandbox.store.page(self.seed.ids[objective])
        prop = page.properties.get(LOG)
        return list(prop.value["check_ins"]) if prop is not None else []


@pytest.fixture
def wiki(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Wiki]:
    """The seeded wiki; `indirect` parametrisation with True also writes review pages and
    okrsync's outputs on the objective pages."""
    clock = PlayClock(START)
    sandbox = ConfluenceSandbox(0, deployment="cloud", clock=clock)
    sandbox.start()
    try:
        seed = sandbox.seed(company())
        document = config_document({"confluence": seed}, tmp_path)
        everything = bool(getattr(request, "param", False))
        document["sources"]["confluence"]["writeback"]["reviews"] = everything
        document["sources"]["confluence"]["options"]["managed_properties"] = everything
        path = tmp_path / "okrsync.toml"
        path.write_text(tomli_w.dumps(document), encoding="utf-8")
        yield Wiki(sandbox, seed, load_config(path), dict(seed.env), tmp_path / "state.db", clock)
    finally:
        sandbox.stop()


def _property_requests(wiki: Wiki, since: int) -> list[str]:
    return [
        f"{e.method} {e.path}" for e in wiki.sandbox.request_log()[since:] if "/property" in e.path
    ]


def test_the_history_lives_in_a_log_on_each_objective_page(wiki: Wiki) -> None:
    mark = len(wiki.sandbox.request_log())
    first = wiki.sync()
    assert first.exit_code == 0, first
    # The listing asked for the logs and found none: each is created without a read first.
    created = _property_requests(wiki, mark)
    assert sorted(created) == sorted(
        f"POST /wiki/rest/api/content/{wiki.seed.ids[o]}/property" for o in ("o1", "o2")
    )
    assert sorted(e["value"] for e in wiki.log("o1")) == [23, 437]
    assert [e["value"] for e in wiki.log("o2")] == [5]
    assert {e["who"] for e in wiki.log("o1")} == {"okrsync"}

    mark = len(wiki.sandbox.request_log())
    quiet = wiki.sync()
    assert quiet.writes == 0
    assert _property_requests(wiki, mark) == []  # the log came with the listing, if at all

    # A person moves one key result: only that page's log grows, by one entry.
    page_id = wiki.seed.ids["o1"]
    body = wiki.sandbox.store.page(page_id).body
    assert body.count(">437<") == 1
    wiki.sandbox.human_edit(page_id, body.replace(">437<", ">612<"))
    mark = len(wiki.sandbox.request_log())
    moved = wiki.sync()
    assert moved.exit_code == 0, moved
    assert sorted(e["value"] for e in wiki.log("o1")) == [23, 437, 612]
    assert len(wiki.log("o2")) == 1
    assert [r for r in _property_requests(wiki, mark) if not r.startswith("GET")] == [
        f"PUT /wiki/rest/api/content/{page_id}/property/{LOG}"
    ]

    # The state store is lost: a full read brings the logs back; nothing is written.
    wiki.state.unlink()
    rebuilt = wiki.sync()
    assert rebuilt.exit_code == 0, rebuilt
    assert rebuilt.writes == 0, rebuilt
    assert sorted(e["value"] for e in wiki.log("o1")) == [23, 437, 612]
    review = run_lint(wiki.config, env=wiki.env, clock=wiki.clock.now).reviews["confluence"]
    revenue = next(kr for kr in review.workspace.key_results if kr.title == "Revenue")
    history = [c.value for c in review.workspace.check_ins if c.key_result == revenue.id]
    assert history == [437, 612]


ENGLISH_CHECK_INS = (
    "<h2>Check-ins</h2><table><tbody>"
    "<tr><th>Date</th><th>Key result</th><th>Value</th><th>Confidence</th><th>Note</th>"
    "<th>Who</th></tr>"
    '<tr><td><time datetime="2026-12-01" /></td><td>Revenue</td><td>520</td><td>7</td>'
    "<td>Two renewals closed early.</td><td>Ana Ruiz</td></tr>"
    "<tr><td>3 Dec 2026</td><td><p>revenue</p></td><td>612</td><td>80%</td>"
    "<td>The EU launch landed.</td><td>Ana Ruiz</td></tr>"
    "<tr><td>2026-12-03</td><td>Revnue</td><td>640</td><td></td><td>typo</td>"
    "<td>Ana Ruiz</td></tr>"
    "</tbody></table>"
)
GERMAN_CHECK_INS = (
    '<h3>Check-ins</h3><div class="table-wrap"><table><tbody>'
    "<tr><td><strong>Datum</strong></td><td><strong>Schlüsselergebnis</strong></td>"
    "<td><strong>Wert</strong></td><td><strong>Zuversicht</strong></td>"
    "<td><strong>Notiz</strong></td><td><strong>Wer</strong></td></tr>"
    "<tr><td>2. Dezember 2026</td><td>Hires</td><td>5</td><td>7,5</td>"
    "<td>Zwei Zusagen, eine Absage.</td><td>Ana Ruiz</td></tr>"
    "<tr><td>32.12.2026</td><td>Hires</td><td>6</td><td></td><td>Datum vertippt</td>"
    "<td>Ana Ruiz</td></tr>"
    "</tbody></table></div>"
)


def _people(review: Any) -> list[tuple[str, str, float | None, float | None, str, str]]:
    titles = {kr.id: kr.title for kr in review.workspace.key_results}
    return [
        (titles[c.key_result], c.at.date().isoformat(), c.value, c.confidence, c.note, c.who)
        for c in review.workspace.check_ins
        if c.who not in ("", "okrsync")
    ]


@pytest.mark.parametrize("wiki", [True], indirect=True)
def test_people_write_check_ins_on_the_objective_page(wiki: Wiki) -> None:
    assert wiki.sync().exit_code == 0
    grow, hire = wiki.seed.ids["o1"], wiki.seed.ids["o2"]
    # Ana checks in on Thursday: two rows on "Grow" (one names a key result the page does not
    # have) and moves Revenue to the value she checked in; the German team writes on "Hire".
    body = wiki.sandbox.store.page(grow).body.replace(">437<", ">612<")
    wiki.sandbox.human_edit(grow, body + ENGLISH_CHECK_INS)
    wiki.sandbox.human_edit(hire, wiki.sandbox.store.page(hire).body + GERMAN_CHECK_INS)
    synced = wiki.sync()
    # The row whose date is no day is a record that could not be mapped: the sync says so.
    assert synced.exit_code == 1, synced
    assert synced.errors == ["confluence: 1 record(s) could not be mapped; see the findings"]

    review = run_lint(wiki.config, env=wiki.env, clock=wiki.clock.now).reviews["confluence"]
    people = _people(review)
    assert people == [
        ("Revenue", "2026-12-01", 520, 0.7, "Two renewals closed early.", "Ana Ruiz"),
        ("Hires", "2026-12-02", 5, 0.75, "Zwei Zusagen, eine Absage.", "Ana Ruiz"),
        ("Revenue", "2026-12-03", 612, 0.8, "The EU launch landed.", "Ana Ruiz"),
    ]
    # The rows that cannot be read are named by page and row, with what to do; the others count.
    messages = [f.message for f in review.findings if "check-ins on page" in f.message]
    assert any(
        'row 3 of the check-ins on page "Grow"' in m and '"Revnue"' in m and "Revenue" in m
        for m in messages
    ), messages
    hire_row = [m for m in messages if 'row 2 of the check-ins on page "Hire"' in m]
    assert any('"32.12.2026"' in m for m in hire_row), messages
    # The column is named as the German table heads it, not by the mapping's first name ("At").
    assert all('source field "Datum"' in m and '"At"' not in m for m in hire_row), hire_row

    # The log holds what okrsync observed, not the value Ana checked in that day.
    assert sorted(e["value"] for e in wiki.log("o1")) == [23, 437]
    assert {e["who"] for e in wiki.log("o1")} == {"okrsync"}
    # okrsync writes its outputs on the page, never into the people's table.
    assert "okrsync-outputs" in wiki.sandbox.store.page(grow).body
    assert ENGLISH_CHECK_INS in wiki.sandbox.store.page(grow).body
    assert GERMAN_CHECK_INS in wiki.sandbox.store.page(hire).body
    # The review page shows the notes.
    pages = [p for p in wiki.sandbox.store.all_pages() if "okr-review" in p.labels]
    assert pages and "The EU launch landed." in pages[0].body  # What changed
    # Each objective's latest check-ins, people's with their notes, okrsync's observations.
    latest = pages[0].body.split("Latest check-ins", 1)[1]
    assert "Two renewals closed early." in latest and "Zwei Zusagen, eine Absage." in latest
    assert "okrsync" in latest

    # The German team corrects its date: the row counts from the next sync on.
    fixed = GERMAN_CHECK_INS.replace("32.12.2026", "03.12.2026")
    page = wiki.sandbox.store.page(hire)
    wiki.sandbox.human_edit(hire, page.body.replace(GERMAN_CHECK_INS, fixed))
    assert wiki.sync().exit_code == 0
    review = run_lint(wiki.config, env=wiki.env, clock=wiki.clock.now).reviews["confluence"]
    assert ("Hires", "2026-12-03", 6, None, "Datum vertippt", "Ana Ruiz") in _people(review)

    before = (
        _people(review),
        sorted((c.key_result, c.at, c.value) for c in review.workspace.check_ins),
    )
    logs = wiki.log("o1"), wiki.log("o2")
    charts = {(a.title, a.current.content) for p in pages for a in wiki.store_attachments(p.id)}
    assert charts  # the review's charts, attachments of its page
    assert wiki.sync().writes == 0
    # The state store is lost: the history comes back from the page and the logs, unchanged,
    # nothing is written, and no check-in is there twice.
    wiki.state.unlink()
    rebuilt = wiki.sync()
    assert rebuilt.exit_code == 0, rebuilt
    assert rebuilt.writes == 0, rebuilt
    again = run_lint(wiki.config, env=wiki.env, clock=wiki.clock.now).reviews["confluence"]
    after = _people(again), sorted((c.key_result, c.at, c.value) for c in again.workspace.check_ins)
    assert after == before
    assert len(set(after[1])) == len(after[1])
    assert (wiki.log("o1"), wiki.log("o2")) == logs
    assert {(a.title, a.current.content) for p in pages for a in wiki.store_attachments(p.id)} == (
        charts
    )
    assert ENGLISH_CHECK_INS in wiki.sandbox.store.page(grow).body


def test_the_log_reads_whatever_the_columns_are_called() -> None:
    """okrsync's log keeps its own keys: a mapping that names the columns only in German
    (no `At`, no `By`) reads a log as a0ee291 stored it, and writes it back unchanged; a record
    an earlier version read and cached (values under `At`/`By`) gives the same entry."""
    shipped = Path(__file__).parents[3] / "mappings" / "confluence-okr-pages.yaml"
    text = shipped.read_text(encoding="utf-8")
    german = text.replace("at: [Date, Datum, At]", "at: Datum")
    german = german.replace("who: [Who, Wer, By]", "who: Wer")
    assert "At]" not in german and "By]" not in german and german != text
    mapping = parse_mapping(german)
    stored: dict[str, Any] = {
        "version": 1,
        "check_ins": [
            {
                "kr": "k-1",
                "at": "2026-12-01T10:00:00+00:00",
                "value": 520,
                "confidence": 0.7,
                "note": "",
                "who": "okrsync",
            },
        ],
    }
    names = log_field_names(mapping)
    assert names[1] == "Datum" and names[5] == "Wer"
    (record,) = log_records("p-1", stored, None, names)
    assert record.fields["Datum"] == "2026-12-01T10:00:00+00:00"
    assert record.fields["Wer"] == "okrsync"
    assert log_value([entry_of(record)]) == stored
    entry = stored["check_ins"][0]
    values = (["k-1"], entry["at"], entry["value"], entry["confidence"], "", "okrsync")
    legacy = record.model_copy(
        update={"fields": {**dict(zip(FIELDS, values, strict=True)), LOG_MARK: True}}
    )
    assert entry_of(legacy) == entry
