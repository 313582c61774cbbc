"""Item 8: people edit pages while okrsync writes (409 on 10-50% of page writes).

Confluence: the emulator's `human_edit` fault has a person save the page just before
okrsync's PUT (which then gets its 409); the person writes a uniquely numbered note into the
review page's notes section, or a remark at the end of an OKR page. Notion: 409
`conflict_error` on page and block writes, and people's notes written into each review page's
notes section before the run. After the runs settle, every note must still be there, and the
retries must stay within the configured bounds.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from okrsync.errors import ExitCode
from okrsync.sandbox import FaultPlan
from tests.reliability.conftest import Rig, change_values, notion_review_page_ids

SOAK = pytest.mark.soak
NOTES_END = "okrsync-notes-end"
MAX_RETRIES = 5


def note_writer(notes: list[str]) -> Any:
    """A human edit: a numbered note in a review's notes section, else a remark at the end."""
    counter = itertools.count(1)

    def edit(body: str) -> str:
        note = f"human note {next(counter)}"
        notes.append(note)
        end = body.find(NOTES_END)
        if end < 0:
            return body + f"<p>{note}</p>"
        anchor = body.rfind("<ac:structured-macro", 0, end)
        return body[:anchor] + f"<p>{note}</p>" + body[anchor:]

    return edit


def notion_notes(rig: Rig) -> list[str]:
    """Write one note into the notes section of every Notion review page, as a person would."""
    store: Any = rig.sandboxes["notion"].store  # type: ignore[attr-defined]
    notes = []
    for page_id in notion_review_page_ids(rig.sandboxes["notion"], rig.seeds["notion"]):
        blocks = [store.block_object(b) for b in store.live_children(page_id)]
        notes_line = next(
            b["id"]
            for b in blocks
            if b["type"] == "paragraph"
            and "Add your notes" in "".join(p["plain_text"] for p in b["paragraph"]["rich_text"])
        )
        note = f"notion human note {len(notes) + 1}"
        store.append_children(
            page_id,
            [{"type": "paragraph", "paragraph": {"rich_text": [{"text": {"content": note}}]}}],
            after=notes_line,
            by=store.human_id,
        )
        notes.append(note)
    return notes


def all_text(rig: Rig) -> str:
    from tests.reliability.conftest import _block_text

    store: Any = rig.sandboxes["notion"].store  # type: ignore[attr-defined]
    notion = "\n".join(
        line
        for page_id in notion_review_page_ids(rig.sandboxes["notion"], rig.seeds["notion"])
        for line in _block_text(store, page_id)
    )
    confluence = "\n".join(
        p.body
        for p in rig.sandboxes["confluence"].store.all_pages()  # type: ignore[attr-defined]
    )
    return notion + "\n" + confluence


@pytest.mark.parametrize(
    "rate", [0.1, pytest.param(0.3, marks=SOAK), pytest.param(0.5, marks=SOAK)]
)
def test_no_human_note_is_lost_to_racing_writes(rig: Rig, figures: Any, rate: float) -> None:
    rig.write_config(
        notion={"max_retries": MAX_RETRIES},
        confluence={"max_retries": MAX_RETRIES, "max_conflict_retries": MAX_RETRIES},
    )
    assert rig.sync().exit_code == 0
    notes = notion_notes(rig)
    rig.sandboxes["confluence"].set_human_edit(note_writer(notes))  # type: ignore[attr-defined]
    rig.sandboxes["confluence"].set_faults(
        FaultPlan(seed=8, rates={"human_edit": rate}, methods=("PUT",), paths=("/pages/",))
    )
    rig.sandboxes["notion"].set_faults(
        FaultPlan(
            seed=8,
            rates={"conflict": rate},
            methods=("PATCH", "DELETE"),
            retry_after=0.05,
        )
    )
    # people change values, so every review page and several OKR pages are regenerated
    change_values(rig, {"kr1": 49.0, "kr6": 30.0, "kr13": 20.0, "kr17": 44.0})
    codes, writes, retries = [], 0, 0
    for _ in range(4):
        summary = rig.sync()
        codes.append(summary.exit_code)
        writes += summary.writes + summary.failed_writes
        retries += sum(int(s.requests.get("retries", 0)) for s in summary.sources.values())
        assert summary.exit_code in (ExitCode.OK, ExitCode.PARTIAL, ExitCode.TRANSIENT)
        if summary.exit_code == 0:
            break
    faults = rig.faults()
    rig.set_faults(None)
    assert codes[-1] == 0, codes
    text = all_text(rig)
    lost = [n for n in notes if n not in text]
    assert notes and lost == []
    assert sum(faults.values()) > 0
    # bounded: no write is retried more than max_retries times (plus one look per conflict)
    assert retries <= 2 * MAX_RETRIES * max(writes, 1)
    assert rig.duplicates() == {"notion": 0, "confluence": 0}
    assert rig.sync().writes == 0
    figures(
        faults=faults,
        requests=rig.requests(),
        outcome=f"runs {codes}; {len(notes)} human notes, 0 lost; {retries} retries for "
        f"{writes} writes",
    )
