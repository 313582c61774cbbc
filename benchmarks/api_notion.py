"""Benchmark 1: API efficiency against the Notion sandbox.

    python -m benchmarks.api_notion --key-results 1000

Seeds a synthetic workspace (every 100th key result has 30 owners, past Notion's 25-reference
cut) into the Notion emulator, then runs the real engine (`run_sync`) five times and counts the
HTTP requests the emulator received:

1. `full`: the first sync (no state): every page read, every output written, the review page.
2. `no_change_next`: at once again; okrsync's own writes moved every page's last_edited_time,
   so the incremental query (cursor minus a one-minute overlap) returns them all once more.
3. `no_change_again`: at once again, still inside that overlap.
4. `no_change_settled`: after three (simulated) minutes with no edits.
5. `no_change_steady`: at once after that: its predecessor read nothing new, so this is the
   steady state of a daemon (target: one query per data source, nothing else, 0 writes).
6. `one_percent_changed`: a person changes Current Value on 1% of the key-result pages; the
   writes applied must be exactly those a full re-read would plan (computed first by a full
   `--dry-run`, whose requests are not counted) and must include every edited page.
7. `weekly_ten_percent`: a week later a person moves 10% of the key results (others than
   those of phase 6); the sync's writes against the minimum (issue 14): the changed outputs (a
   full dry run's plan), one check-in row per moved key result, one chart upload per objective
   with a moved key result plus the burn-up, and the review page.

The minimum of a full sync, counted from the workspace and the emulator's final state:
- queries: ceil(pages / 100) per data source queried (at least one each);
- property items: ceil(n / 100) per mapped people/relation value with more than 25 entries;
- page writes due: one per objective and key-result page (their outputs start empty);
- per review page: ceil(blocks / 100) requests to create it with its blocks (Notion takes at
  most 100 blocks per request, nested ones included; the nesting limit is ignored, so this
  is a lower bound) plus one to write the content hash into its marker last (what makes an
  interrupted regeneration visible), and one listing of the review parent to find existing
  review pages (never duplicate one);
- per chart on a review page (one per objective, plus the page's burn-up): a file upload's
  create and send.
Database and data-source lookups (resolving ids and schemas) are not in the minimum; they are
reported as overhead. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Collection
from pathlib import Path
from typing import Any

from benchmarks.synthetic import synthetic_workspace
from benchmarks.workbench import (
    WEEK_SECONDS,
    Bench,
    applied_by_kind,
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
from okrsync.model import Workspace
from okrsync.sync import SyncSummary

PAGE_SIZE = 100
REFERENCE_CUT = 25
SETTLE_SECONDS = 180.0
WEEKLY_SHARE = 0.10


def property_item_calls(workspace: Workspace) -> int:
    """Paginated property-item reads the data needs: mapped multi-valued values past 25."""
    values = [len(kr.owners) for kr in workspace.key_results]
    values += [len(o.owners) for o in workspace.objectives]
    values += [len(o.parents) for o in workspace.objectives]
    return sum(ceil_div(n, PAGE_SIZE) for n in values if n > REFERENCE_CUT)


def review_pages(bench: Bench) -> dict[str, int]:
    """Review page id -> number of blocks on it, from the emulator's state."""
    store: Any = getattr(bench.sandbox, "store")  # noqa: B009 (Notion-specific state)
    parent = str(bench.seed.options["review_parent"])

    def size(container: str) -> int:
        return sum(1 + size(child) for child in store.live_children(container))

    return {
        page_id: size(page_id)
        for page_id, page in store.pages.items()
        if page["parent"].get("page_id") == parent and not page["in_trash"]
    }


def full_sync_minimum(workspace: Workspace, blocks_per_review: dict[str, int]) -> dict[str, int]:
    """The fewest requests a full sync of `workspace` could make (see the module docstring)."""
    sources = (len(workspace.objectives), len(workspace.key_results), len(workspace.cycles))
    queries = sum(max(1, ceil_div(n, PAGE_SIZE)) for n in sources)
    review = (1 if blocks_per_review else 0) + sum(
        max(1, ceil_div(blocks, PAGE_SIZE)) + 1 for blocks in blocks_per_review.values()
    )
    minimum = {
        "queries": queries,
        "property_items": property_item_calls(workspace),
        "page_writes_due": len(workspace.objectives) + len(workspace.key_results),
        "review_pages": review,
        # the review pages' charts (docs/charts.md): per objective and per page's burn-up, a
        # file upload's create and send (the image blocks travel with the page's appends)
        "chart_uploads": 2 * (len(workspace.objectives) + len(blocks_per_review))
        if blocks_per_review
        else 0,
        # The check-ins database (docs/history.md): one query, and a first row per key result
        # with a value or confidence, the value okrsync observed.
        "check_ins_query": 1,
        "check_in_rows_due": sum(
            1 for kr in workspace.key_results if kr.current is not None or kr.confidence is not None
        ),
    }
    minimum["total"] = sum(minimum.values())
    return minimum


def same_work(bench: Bench, summary: SyncSummary, figures: dict[str, Any], mark: int) -> None:
    """Split a sync's requests (logged after `mark`) into the new features' own (issue 14:
    check-in rows written, queries of the check-ins database, chart uploads, image blocks
    updated to show a changed chart) and the rest, the same work as before them
    (BENCHMARKS.md 9.1); adds both to `figures`."""
    store: Any = getattr(bench.sandbox, "store")  # noqa: B009 (Notion-specific state)
    check_ins = store.databases[bench.seed.options["databases"]["check_ins"]]["data_sources"][0]
    entries = bench.sandbox.request_log()[mark:]

    def image(path: str) -> bool:
        block = store.blocks.get(path.rsplit("/", 1)[-1])
        return block is not None and block.get("type") == "image"

    own = {
        "check_in_rows": applied_by_kind(summary).get("row", 0),
        "check_ins_queries": sum(
            1
            for e in entries
            if e.method == "POST" and e.path == f"/v1/data_sources/{check_ins}/query"
        ),
        "chart_uploads": sum(1 for e in entries if e.path.startswith("/v1/file_uploads")),
        "chart_image_updates": sum(
            1
            for e in entries
            if e.method == "PATCH"
            and e.path.startswith("/v1/blocks/")
            and not e.path.endswith("/children")
            and image(e.path)
        ),
    }
    figures["new_features_requests"] = own
    figures["same_work_requests"] = len(entries) - sum(own.values())


def change_key_results(
    bench: Bench, workspace: Workspace, share: float, exclude: Collection[str] = ()
) -> list[str]:
    """A person sets Current Value on `share` of the key results so that each one's score
    surely changes, leaving the pages in `exclude` (changed before) alone. Returns page ids."""
    store: Any = getattr(bench.sandbox, "store")  # noqa: B009
    edited: list[str] = []
    for kr in key_results_to_move(workspace, share, lambda kr: bench.seed.ids[kr.id] in exclude):
        page_id = bench.seed.ids[kr.id]
        store.update_page(page_id, {"Current Value": {"number": moved_value(kr)}})
        edited.append(page_id)
    return edited


def measure(
    key_results: int,
    out: Path,
    rps: float,
    options: dict[str, Any] | None = None,
    *,
    weekly: bool = True,
) -> dict[str, Any]:
    workspace = synthetic_workspace(key_results, wide_every=100)
    options = {"requests_per_second": rps, **(options or {})}
    bench = Bench("notion", workspace, out, options=options)
    try:
        mark = bench.log_mark()
        summary, full = bench.sync()
        same_work(bench, summary, full, mark)
        minimum = full_sync_minimum(workspace, review_pages(bench))
        full["minimum"] = minimum
        full["ratio_to_minimum"] = round(full["requests"]["total"] / minimum["total"], 3)
        lookups = sum(
            full["by_endpoint"].get(e, 0) for e in ("databases.retrieve", "data_sources.retrieve")
        )
        full["ratio_without_lookups"] = round(
            (full["requests"]["total"] - lookups) / minimum["total"], 3
        )

        def measured() -> dict[str, Any]:
            mark = bench.log_mark()
            summary, figures = bench.sync()
            same_work(bench, summary, figures, mark)
            return figures

        next_sync = measured()
        again = measured()
        bench.clock.advance(SETTLE_SECONDS)
        settled = measured()
        steady = measured()

        bench.clock.advance(SETTLE_SECONDS)
        edited = change_key_results(bench, workspace, 0.01)
        expected_summary, _ = bench.sync(full=True, dry_run=True)
        expected = planned_targets(expected_summary)
        mark = bench.log_mark()
        changed_summary, changed = bench.sync()
        same_work(bench, changed_summary, changed, mark)
        applied = applied_targets(changed_summary)
        edited_targets = {f"notion:page:{p}" for p in edited}
        changed.update(
            {
                "pages_edited": len(edited),
                "expected_writes": len(expected),
                "exactly_expected": applied == expected,
                "unexpected_writes": sorted(applied - expected)[:10],
                "missing_writes": sorted(expected - applied)[:10],
                "every_edited_page_written": edited_targets <= applied,
            }
        )

        phases = {}
        if weekly:  # a week later a person moves 10% of the key results (issue 14)
            bench.clock.advance(WEEK_SECONDS)
            moved = change_key_results(bench, workspace, WEEKLY_SHARE, exclude=set(edited))
            planned, _ = bench.sync(full=True, dry_run=True)
            mark = bench.log_mark()
            weekly_summary, figures = bench.sync()
            by_page = {bench.seed.ids[kr.id]: kr for kr in workspace.key_results}
            phases["weekly_ten_percent"] = weekly_writes(
                bench,
                weekly_summary,
                figures,
                mark,
                planned=planned,
                key_results=len(moved),
                objectives=len({by_page[p].objective for p in moved}),
                rows_due=len(moved),  # one check-in row per key result that moved
            )
        data_sources = 3
        targets = {
            "full_ratio_le_1_10": full["ratio_to_minimum"] <= 1.10,
            "no_change_settled_one_query_per_data_source": settled["by_endpoint"].get(
                "data_sources.query", 0
            )
            == data_sources,
            "no_change_steady_one_request_per_data_source": steady["requests"]["total"]
            == data_sources,
            "no_change_zero_writes": all(
                s["writes_applied"] == 0 for s in (next_sync, again, settled, steady)
            ),
            "one_percent_at_most_50_appends": changed["by_endpoint"].get(
                "blocks.children.append", 0
            )
            <= 50,
            "one_percent_exact_writes": bool(
                changed["exactly_expected"] and changed["every_edited_page_written"]
            ),
        }
        for w in phases.values():
            targets["weekly_writes_at_minimum"] = bool(
                w["exactly_expected"] and w["writes"]["total"] <= w["minimum"]["total"]
            )
        return {
            "benchmark": "api_notion",
            "key_results": len(workspace.key_results),
            "objectives": len(workspace.objectives),
            "data_sources": data_sources,
            "connector_options": options,
            "seed_s": round(bench.seed_seconds, 3),
            "full": full,
            "no_change_next": next_sync,
            "no_change_again": again,
            "no_change_settled": settled,
            "no_change_steady": steady,
            "one_percent_changed": changed,
            **phases,
            "targets_met": targets,
            "machine": machine(),
        }
    finally:
        bench.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--key-results", type=int, default=1000)
    parser.add_argument(
        "--rps",
        type=float,
        default=1000.0,
        help="connector throttle; the sandbox is unlimited here (benchmark 3 times the limit)",
    )
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=JSON",
        help="extra connector option, e.g. verify_before_write=false",
    )
    parser.add_argument("--out", type=Path, default=None, help="folder for config and state")
    parser.add_argument(
        "--no-weekly", action="store_true", help="leave out phase 7 (issue 14 measures it at 1 000)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="okrsync-bench-") as tmp:
        emit(
            measure(
                args.key_results,
                args.out or Path(tmp),
                args.rps,
                parse_options(args.option),
                weekly=not args.no_weekly,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
