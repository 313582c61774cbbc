"""Benchmark 7: what the charts cost (issue 14).

    python -m benchmarks.charts --key-results 1000 [--source confluence|notion]

1. `render`: drawing every chart of the review of N key results with eight weeks of values
   each, without any sync: the series
   (per objective and cycle, from the value history), one PNG per objective plus the burn-up
   (what the connectors upload on a first sync), and review.html with its inline SVG charts and
   sparklines, each timed on its own.
2. `full_sync`: the first sync of a freshly seeded sandbox with `writeback.charts` off, then of
   another one with charts on (one run each): wall seconds, requests, and the ratio of the two;
   the difference is what charts add to a first sync (every chart drawn and uploaded).
3. `weekly`: a week later (simulated clock), a person changes the Current value of 10% of the
   key results, then the next sync (charts on). Its chart uploads against the minimum: one per
   objective with a changed key result, plus the burn-up of each review page (every other
   chart is left alone: same digest, not drawn, not sent).

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tomllib
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import tomli_w

from benchmarks.api_confluence import set_current
from benchmarks.synthetic import synthetic_workspace
from benchmarks.workbench import Bench, emit, machine
from okrsync.charts.draw import chart_png
from okrsync.charts.review_charts import charts_by_review
from okrsync.config import load_config
from okrsync.model import CheckIn, KeyResult, Workspace
from okrsync.render.html import render_html
from okrsync.report import review_workspace
from okrsync.review_build import build_cycle_reviews

WEEK_SECONDS = 7 * 24 * 3600.0
SHARE = 0.10


def with_weekly_history(workspace: Workspace, weeks: int = 8) -> Workspace:
    """The workspace with a value per key result for each of the last `weeks` weeks (moving
    towards its current value), as weekly syncs would have recorded them."""
    end = datetime(2025, 8, 15, 6, tzinfo=UTC)
    check_ins = [
        CheckIn(
            key_result=kr.id,
            at=end - timedelta(weeks=weeks - week),
            value=round((kr.start or 0) + ((kr.current or 0) - (kr.start or 0)) * week / weeks, 2),
        )
        for kr in workspace.key_results
        for week in range(1, weeks + 1)
    ]
    return workspace.model_copy(update={"check_ins": tuple(check_ins)})


def measure_render(workspace: Workspace) -> dict[str, Any]:
    """Seconds to build the charts' data, draw every PNG, and render review.html, for the
    workspace with eight weeks of values."""
    workspace = with_weekly_history(workspace)
    review = review_workspace(
        workspace,
        at=datetime(2025, 8, 15, tzinfo=UTC).date(),
        generated_at=datetime(2025, 8, 15, 6, tzinfo=UTC),
    )
    started = time.perf_counter()
    reviews = build_cycle_reviews(review)
    built = time.perf_counter()
    charts = charts_by_review(review, reviews)
    series = time.perf_counter()
    pictures = [c for drawn in charts.values() for c in drawn.all()]
    size = sum(len(chart_png(c.series, c.kind)) for c in pictures)
    drawn_png = time.perf_counter()
    html = render_html(review)
    finished = time.perf_counter()
    return {
        "review_pages": len(reviews),
        "charts": len(pictures),
        "png_bytes": size,
        "cycle_reviews_s": round(built - started, 3),
        "series_s": round(series - built, 3),
        "png_s": round(drawn_png - series, 3),
        "png_ms_per_chart": round((drawn_png - series) * 1000 / max(1, len(pictures)), 1),
        "review_html_s": round(finished - drawn_png, 3),
        "review_html_bytes": len(html.encode()),
        "svg_charts_in_html": html.count('<figure class="chart"'),
        "sparklines_in_html": html.count('class="sparkline"'),
    }


def with_charts(bench: Bench, on: bool) -> None:
    """Turn the source's `writeback.charts` on or off in the bench's okrsync.toml."""
    document = tomllib.loads(bench.config_path.read_text(encoding="utf-8"))
    document["sources"][bench.source]["writeback"]["charts"] = on
    bench.config_path.write_text(tomli_w.dumps(document), encoding="utf-8")
    bench.config = load_config(bench.config_path)


def change_share(bench: Bench, workspace: Workspace, share: float) -> set[str]:
    """A person moves `share` of the key results (increasing ones, spread over the workspace)
    to their target or back to their start; returns the objectives they belong to."""
    increasing = [
        kr
        for kr in workspace.key_results
        if kr.kind is None and kr.start is not None and kr.target is not None
    ]
    count = max(1, round(len(workspace.key_results) * share))
    step = max(1, len(increasing) // count)
    chosen = increasing[::step][:count]
    sandbox: Any = bench.sandbox
    if bench.source == "notion":
        for kr in chosen:
            sandbox.store.update_page(
                bench.seed.ids[kr.id], {"Current Value": {"number": _new(kr)}}
            )
    else:
        by_page: dict[str, list[KeyResult]] = defaultdict(list)
        for kr in chosen:
            by_page[bench.seed.ids[kr.objective]].append(kr)
        for page_id, krs in by_page.items():
            body = sandbox.store.page(page_id).body
            for kr in krs:
                body = set_current(body, kr.title, _new(kr))
            sandbox.human_edit(page_id, body)
    return {kr.objective for kr in chosen}


def _new(kr: KeyResult) -> float:
    if (kr.current or 0) < (kr.target or 0) * 0.9:
        return float(kr.target or 0)
    return float(kr.start or 0)


def chart_requests(bench: Bench, mark: int) -> dict[str, int]:
    """The chart requests the sandbox logged after `mark`: uploads and old versions deleted."""
    entries = bench.sandbox.request_log()[mark:]
    if bench.source == "notion":
        uploads = sum(1 for e in entries if e.method == "POST" and e.path.endswith("/file_uploads"))
        return {"uploads": uploads, "old_versions_deleted": 0}
    return {
        "uploads": sum(
            1 for e in entries if e.method in ("PUT", "POST") and "/child/attachment" in e.path
        ),
        "old_versions_deleted": sum(
            1 for e in entries if e.method == "DELETE" and "/version/" in e.path
        ),
    }


def measure(key_results: int, source: str, out: Path) -> dict[str, Any]:
    workspace = synthetic_workspace(key_results, wide_every=100)
    result: dict[str, Any] = {
        "benchmark": "charts",
        "source": source,
        "key_results": len(workspace.key_results),
        "objectives": len(workspace.objectives),
        "render": measure_render(workspace),
    }
    runs: dict[str, dict[str, Any]] = {}
    for label, on in (("without_charts", False), ("with_charts", True)):
        bench = Bench(source, workspace, out / label)
        try:
            with_charts(bench, on)
            mark = bench.log_mark()
            _, full = bench.sync()
            full["chart_requests"] = chart_requests(bench, mark)
            runs[label] = full
            if on:
                bench.clock.advance(WEEK_SECONDS)
                changed = change_share(bench, workspace, SHARE)
                mark = bench.log_mark()
                _, weekly = bench.sync()
                charts = chart_requests(bench, mark)
                pages = 1  # per_team off: one review page per cycle, one cycle
                minimum = len(changed) + pages
                weekly.update(
                    {
                        "key_results_changed": round(len(workspace.key_results) * SHARE),
                        "objectives_changed": len(changed),
                        "chart_requests": charts,
                        "minimum_uploads": minimum,
                        "uploads_ratio_to_minimum": round(charts["uploads"] / minimum, 3),
                    }
                )
                mark = bench.log_mark()
                _, repeat = bench.sync()
                repeat["chart_requests"] = chart_requests(bench, mark)
                runs["weekly"] = weekly
                runs["repeat"] = repeat
        finally:
            bench.stop()
    off, on_run = runs["without_charts"], runs["with_charts"]
    result["full_sync"] = {
        "without_charts": off,
        "with_charts": on_run,
        "seconds_added": round(on_run["wall_s"] - off["wall_s"], 3),
        "wall_ratio": round(on_run["wall_s"] / off["wall_s"], 3),
    }
    result["weekly"] = runs["weekly"]
    result["repeat"] = runs["repeat"]
    result["targets_met"] = {
        "weekly_uploads_at_most_minimum": runs["weekly"]["chart_requests"]["uploads"]
        <= runs["weekly"]["minimum_uploads"],
        "repeat_writes_nothing": runs["repeat"]["writes_applied"] == 0
        and runs["repeat"]["chart_requests"]["uploads"] == 0,
    }
    result["machine"] = machine()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--key-results", type=int, default=1000)
    parser.add_argument("--source", choices=("confluence", "notion"), default="confluence")
    parser.add_argument("--out", type=Path, default=None, help="folder for config and state")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="okrsync-bench-") as tmp:
        emit(measure(args.key_results, args.source, args.out or Path(tmp)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
