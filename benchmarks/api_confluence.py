"""Benchmark 2: API efficiency against the Confluence sandbox (Cloud).

    python -m benchmarks.api_confluence --key-results 1000

Seeds a synthetic workspace as Confluence objective pages (one page per objective, labelled
`okr`, a key-result table on each; every 100th key result has 30 owners) with the seeded
options (`managed_properties` off: Confluence gets review pages, the OKR pages are only read),
then runs the real engine five times, counting the HTTP requests the emulator received:

1. `full`: the first sync; 2. `no_change_next` and 3. `no_change_again`: at once again;
4. `no_change_settled`: after three (simulated) minutes; 5. `one_percent_changed`: a person
changes the Current value of one key result on 1% of the objective pages; the writes must be
exactly those a full `--dry-run` plans (its requests are not counted); 6. `weekly_ten_percent`:
a week later a person moves 10% of the key results (on pages other than those of phase 5); the
sync's writes against the minimum (issue 14): the changed outputs (a full dry run's plan), one
check-in log write per page with a moved key result, the uploads of the charts of the
objectives with a moved key result plus the burn-up (MAX_BATCH_FILES a request), and the
review page.

The minimum of a full sync:
- page reads: ceil(pages / 250), the most pages with bodies one request returns (v2 `/pages`,
  CQL search at its 250 cap);
- user lookups: one per distinct person mentioned (storage format carries account ids only,
  the mapping needs names);
- per review page: its create and its hash marker (a content property), plus one listing of the
  review parent to find review pages already there;
- the charts of a review page (one per objective, plus the page's burn-up): ceil(charts / 50)
  uploads, the most charts the connector puts in one create-or-update request
  (`okrsync_confluence.writer.MAX_BATCH_FILES`; its byte bound, 5 MB, does not bind here:
  50 charts are about 1.5 MB);
- per objective page with a key result that has a value or confidence: the creation of its
  check-in log (a content property, docs/history.md), which holds okrsync's first observation
  of those values so the history outlives the state store. Each is a request of its own:
  Confluence takes content properties with a page only when the page is created, the objective
  pages exist already, and neither API has a batch write for properties;
- with `managed_properties`, one write of the outputs per objective page (the page body, where
  okrsync keeps its macro).
The label okrsync puts on review pages and the space lookup v2 needs to create a page are
counted as overhead. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections.abc import Collection
from pathlib import Path
from typing import Any

from okrsync_confluence.writer import MAX_BATCH_FILES

from benchmarks.synthetic import synthetic_workspace
from benchmarks.workbench import (
    WEEK_SECONDS,
    Bench,
    applied_targets,
    ceil_div,
    emit,
    key_results_to_move,
    machine,
    moved_value,
    parse_options,
    planned_targets,
    weekly_writes,
)
from okrsync.model import KeyResult, Workspace

BULK_PAGES = 250
SETTLE_SECONDS = 180.0
WEEKLY_SHARE = 0.10
CURRENT_COLUMN = 4  # Key Result | Owner | Kind | Start | Current | ...
_CELL = re.compile(r"<td[^>]*>.*?</td>", re.DOTALL)
_NUMBER = re.compile(r"-?\d[\d.,]*")


def full_sync_minimum(
    workspace: Workspace, review_pages: int, *, managed_properties: bool = False
) -> dict[str, int]:
    """The fewest requests a full sync of `workspace` could make (see the module docstring)."""
    people = {p for o in workspace.objectives for p in o.owners}
    people |= {p for kr in workspace.key_results for p in kr.owners}
    minimum = {
        "page_reads": max(1, ceil_div(len(workspace.objectives), BULK_PAGES)),
        "user_lookups": len(people),
        "review_pages": (1 if review_pages else 0) + 2 * review_pages,
        # the review pages' charts (docs/charts.md): one per objective and one burn-up per
        # page, each objective on one page (no per-team pages here), MAX_BATCH_FILES a request
        "chart_uploads": ceil_div(len(workspace.objectives) + review_pages, MAX_BATCH_FILES)
        if review_pages
        else 0,
        "check_in_logs": len(
            {
                kr.objective
                for kr in workspace.key_results
                if kr.current is not None or kr.confidence is not None
            }
        ),
    }
    if managed_properties:  # Score, Health and Warnings on every OKR page: one write each
        minimum["output_writes"] = len(workspace.objectives)
    minimum["total"] = sum(minimum.values())
    return minimum


def set_current(body: str, title: str, value: float) -> str:
    """`body` with the Current cell of the key-result row titled `title` set to `value`."""
    start = body.index(title)
    row_start = body.rindex("<tr", 0, start)
    row_end = body.index("</tr>", start)
    row = body[row_start:row_end]
    cells = _CELL.findall(row)
    cell = cells[CURRENT_COLUMN]
    new_cell = _NUMBER.sub(f"{value:g}", cell, count=1)
    return body[:row_start] + row.replace(cell, new_cell, 1) + body[row_end:]


def change_key_results(bench: Bench, workspace: Workspace, share: float) -> list[str]:
    """A person edits `share` of the objective pages, each time moving one key result's Current
    value so that its score surely changes. Returns the page ids."""
    sandbox: Any = bench.sandbox
    first: dict[str, KeyResult] = {}
    for kr in key_results_to_move(workspace, 1.0):
        first.setdefault(kr.objective, kr)
    objectives = [o for o in workspace.objectives if o.id in first]
    count = max(1, round(len(workspace.objectives) * share))
    step = max(1, len(objectives) // count)
    edited: list[str] = []
    for objective in objectives[::step][:count]:
        kr = first[objective.id]
        page_id = bench.seed.ids[objective.id]
        body = sandbox.store.page(page_id).body
        sandbox.human_edit(page_id, set_current(body, kr.title, moved_value(kr)))
        edited.append(page_id)
    return edited


def move_key_results(
    bench: Bench, workspace: Workspace, share: float, exclude: Collection[str] = ()
) -> list[KeyResult]:
    """A person moves `share` of the key results (none on the pages in `exclude`), editing
    each objective page once. Returns the key results moved."""
    sandbox: Any = bench.sandbox
    moved = key_results_to_move(
        workspace, share, lambda kr: bench.seed.ids[kr.objective] in exclude
    )
    by_page: dict[str, list[KeyResult]] = {}
    for kr in moved:
        by_page.setdefault(bench.seed.ids[kr.objective], []).append(kr)
    for page_id, krs in by_page.items():
        body = sandbox.store.page(page_id).body
        for kr in krs:
            body = set_current(body, kr.title, moved_value(kr))
        sandbox.human_edit(page_id, body)
    return moved


def measure(key_results: int, out: Path, options: dict[str, Any]) -> dict[str, Any]:
    workspace = synthetic_workspace(key_results, wide_every=100)
    bench = Bench("confluence", workspace, out, options=options)
    try:
        full_summary, full = bench.sync()
        reviews = sum(
            1
            for o in full_summary.sources["confluence"].write_outcomes
            if o.kind == "page" and o.status == "applied"
        )
        minimum = full_sync_minimum(
            workspace,
            reviews,
            managed_properties=bool(bench.seed.options.get("managed_properties")),
        )
        full["minimum"] = minimum
        full["ratio_to_minimum"] = round(full["requests"]["total"] / minimum["total"], 3)

        _, next_sync = bench.sync()
        _, again = bench.sync()
        bench.clock.advance(SETTLE_SECONDS)
        _, settled = bench.sync()

        bench.clock.advance(SETTLE_SECONDS)
        edited = change_key_results(bench, workspace, 0.01)
        expected_summary, _ = bench.sync(full=True, dry_run=True)
        expected = planned_targets(expected_summary)
        changed_summary, changed = bench.sync()
        applied = applied_targets(changed_summary)
        changed.update(
            {
                "pages_edited": len(edited),
                "expected_writes": len(expected),
                "exactly_expected": applied == expected,
                "unexpected_writes": sorted(applied - expected)[:10],
                "missing_writes": sorted(expected - applied)[:10],
            }
        )

        # A week later a person moves 10% of the key results (issue 14's weekly sync).
        bench.clock.advance(WEEK_SECONDS)
        moved = move_key_results(bench, workspace, WEEKLY_SHARE, exclude=set(edited))
        planned, _ = bench.sync(full=True, dry_run=True)
        mark = bench.log_mark()
        weekly_summary, weekly = bench.sync()
        objectives = {kr.objective for kr in moved}
        weekly = weekly_writes(
            bench,
            weekly_summary,
            weekly,
            mark,
            planned=planned,
            key_results=len(moved),
            objectives=len(objectives),
            rows_due=len(objectives),  # one check-in log write per page with a moved value
            charts_per_upload=MAX_BATCH_FILES,
        )
        targets = {
            "full_ratio_le_1_10": full["ratio_to_minimum"] <= 1.10,
            "no_change_zero_writes": all(
                s["writes_applied"] == 0 for s in (next_sync, again, settled)
            ),
            "one_percent_exact_writes": bool(changed["exactly_expected"] and expected),
            # unchanged content properties and attachments are not rewritten: none when nothing
            # changed, and at most one property write per page written when something did
            "no_change_no_property_or_attachment_writes": all(
                s["requests"]["property_writes"] == 0 and s["requests"]["attachment_writes"] == 0
                for s in (next_sync, again, settled)
            ),
            "one_percent_property_writes_at_most_one_per_page_written": changed["requests"][
                "property_writes"
            ]
            <= changed["writes_applied"],
            "weekly_writes_at_minimum": bool(
                weekly["exactly_expected"]
                and weekly["writes"]["total"] <= weekly["minimum"]["total"]
            ),
        }
        return {
            "benchmark": "api_confluence",
            "key_results": len(workspace.key_results),
            "objective_pages": len(workspace.objectives),
            "connector_options": options,
            "seed_s": round(bench.seed_seconds, 3),
            "full": full,
            "no_change_next": next_sync,
            "no_change_again": again,
            "no_change_settled": settled,
            "one_percent_changed": changed,
            "weekly_ten_percent": weekly,
            "targets_met": targets,
            "machine": machine(),
        }
    finally:
        bench.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--key-results", type=int, default=1000)
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=JSON",
        help="extra connector option, e.g. page_size=250",
    )
    parser.add_argument("--out", type=Path, default=None, help="folder for config and state")
    args = parser.parse_args(argv)
    options = parse_options(args.option)
    with tempfile.TemporaryDirectory(prefix="okrsync-bench-") as tmp:
        emit(measure(args.key_results, args.out or Path(tmp), options))
    return 0


if __name__ == "__main__":
    sys.exit(main())
