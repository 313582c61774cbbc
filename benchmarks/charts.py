"""Benchmark 7: what the charts cost (issue 14).

    python -m benchmarks.charts --key-results 1000 [--source confluence|notion]

1. `render`: drawing every chart of the review of N key results with eight weeks of values
   each, without any sync: the series (per objective and cycle, from the value history), one
   PNG per objective plus the burn-up (what the connectors upload on a first sync) in CPU and
   wall time; then the same PNGs the previous way (a full drawing and matplotlib's `savefig`)
   against the current way, in alternating chunks, for their CPU ratio in one run; every chart
   as SVG, every sparkline, and review.html (which holds both), each timed on its own.
2. `full_sync`: the first sync of a freshly seeded sandbox with `writeback.charts` off, then of
   another one with charts on (one run each): wall and CPU seconds (the sandbox runs in the
   same process: its CPU is counted too), requests, and the ratios of the two; the difference
   is what charts add to a first sync (every chart drawn and uploaded).
3. `weekly`: a week later (simulated clock), a person changes the Current value of 10% of the
   key results, then the next sync (charts on). Its chart upload requests against the minimum:
   the charts of the objectives with a changed key result plus the burn-up of each review page
   (every other chart is left alone: same digest, not drawn, not sent), one request each on
   Notion, up to `MAX_BATCH_FILES` a request on Confluence.

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
import tomllib
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import matplotlib
import tomli_w
from okrsync_confluence.writer import MAX_BATCH_FILES

from benchmarks.api_confluence import set_current
from benchmarks.synthetic import synthetic_workspace
from benchmarks.workbench import Bench, ceil_div, emit, machine
from okrsync.charts.draw import (
    STYLE,
    SVG_METADATA,
    Kind,
    _Canvas,
    chart_png,
    chart_svg,
    sparkline_html,
)
from okrsync.charts.labels import ENGLISH
from okrsync.charts.review_charts import Chart, charts_by_review
from okrsync.charts.series import Series
from okrsync.config import load_config
from okrsync.model import CheckIn, KeyResult, Workspace
from okrsync.render.html import render_html
from okrsync.report import review_workspace
from okrsync.review_build import build_cycle_reviews

WEEK_SECONDS = 7 * 24 * 3600.0
SHARE = 0.10
AB_CHUNK = 25
"""Charts drawn one way, then the other, before switching which goes first."""


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


def savefig_png(canvas: _Canvas, series: Series, kind: Kind) -> bytes:
    """A PNG the way okrsync drew one before the kept backgrounds (drawing version 1): the
    whole figure drawn again, encoded by matplotlib's `savefig` (Pillow, RGBA, level 6)."""
    with matplotlib.rc_context(STYLE):
        buffer = io.BytesIO()
        canvas.draw(series, kind, ENGLISH).savefig(
            buffer, format="png", metadata={"Software": None}
        )
        return buffer.getvalue()


def savefig_svg(canvas: _Canvas, series: Series, kind: Kind) -> str:
    """An SVG the way okrsync drew one before the layered documents: the whole figure drawn
    again by `savefig` (on the PNGs' 100 dpi figure, switched to 72 dpi and back)."""
    with matplotlib.rc_context(STYLE):
        buffer = io.BytesIO()
        canvas.draw(series, kind, ENGLISH).savefig(buffer, format="svg", metadata=SVG_METADATA)
        return buffer.getvalue().decode("utf-8")


def alternating(
    pictures: list[Chart], previous: Callable[[Chart], int], current: Callable[[Chart], object]
) -> tuple[float, float, int]:
    """CPU seconds of drawing every chart the previous way and the current way, in chunks of
    alternating order so that both see the same load (the machine's load swings), and the
    previous way's bytes."""
    previous_s, current_s, previous_size = 0.0, 0.0, 0
    for index in range(0, len(pictures), AB_CHUNK):
        chunk = pictures[index : index + AB_CHUNK]
        for way in ("previous", "current") if index % 2 == 0 else ("current", "previous"):
            cpu = time.process_time()
            if way == "previous":
                previous_size += sum(previous(c) for c in chunk)
                previous_s += time.process_time() - cpu
            else:
                for c in chunk:
                    current(c)
                current_s += time.process_time() - cpu
    return previous_s, current_s, previous_size


def measure_render(workspace: Workspace) -> dict[str, Any]:
    """The time to build the charts' data, draw every PNG (CPU and wall; and, in the same
    run, CPU the previous way for the ratio), every SVG, the sparklines, and review.html, for
    the workspace with eight weeks of values."""
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
    sparklines = [s for drawn in charts.values() for s in drawn.key_results.values()]
    cpu = time.process_time()
    size = sum(len(chart_png(c.series, c.kind)) for c in pictures)
    png_cpu = time.process_time() - cpu
    drawn_png = time.perf_counter()
    # the same charts the previous way and again the current way, in chunks of alternating
    # order, so that both see the same load (CPU time: the machine's load swings)
    with matplotlib.rc_context(STYLE):  # as `draw` makes its canvas: no top and right spines
        canvas = _Canvas()
    previous, current, previous_size = alternating(
        pictures,
        lambda c: len(savefig_png(canvas, c.series, c.kind)),
        lambda c: chart_png(c.series, c.kind),
    )
    cpu = time.process_time()
    svg_size = sum(len(chart_svg(c.series, c.kind)) for c in pictures)
    svg_cpu = time.process_time() - cpu
    svg_previous, svg_current, svg_previous_size = alternating(
        pictures,
        lambda c: len(savefig_svg(canvas, c.series, c.kind)),
        lambda c: chart_svg(c.series, c.kind),
    )
    cpu = time.process_time()
    sparkline_size = sum(len(sparkline_html(s)) for s in sparklines)
    sparkline_cpu = time.process_time() - cpu
    before_html, cpu = time.perf_counter(), time.process_time()
    html = render_html(review)
    html_cpu, finished = time.process_time() - cpu, time.perf_counter()
    count = max(1, len(pictures))
    return {
        "review_pages": len(reviews),
        "charts": len(pictures),
        "cycle_reviews_s": round(built - started, 3),
        "series_s": round(series - built, 3),
        "png_bytes": size,
        "png_wall_s": round(drawn_png - series, 3),
        "png_cpu_s": round(png_cpu, 3),
        "png_cpu_ms_per_chart": round(png_cpu * 1000 / count, 2),
        "ab_png_cpu_ms_per_chart": {
            "previous_savefig": round(previous * 1000 / count, 2),
            "current": round(current * 1000 / count, 2),
            "ratio": round(previous / current, 2) if current else None,
            "previous_png_bytes": previous_size,
        },
        "ab_svg_cpu_ms_per_chart": {
            "previous_savefig": round(svg_previous * 1000 / count, 2),
            "current_layered": round(svg_current * 1000 / count, 2),
            "ratio": round(svg_previous / svg_current, 2) if svg_current else None,
            "previous_svg_bytes": svg_previous_size,
        },
        "svg_cpu_s": round(svg_cpu, 3),
        "svg_cpu_ms_per_chart": round(svg_cpu * 1000 / count, 2),
        "svg_bytes": svg_size,
        "sparklines": len(sparklines),
        "sparklines_cpu_s": round(sparkline_cpu, 3),
        "sparklines_bytes": sparkline_size,
        "review_html_s": round(finished - before_html, 3),
        "review_html_cpu_s": round(html_cpu, 3),
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
            mark, cpu = bench.log_mark(), time.process_time()
            _, full = bench.sync()
            full["cpu_s"] = round(time.process_time() - cpu, 3)  # okrsync and the sandbox
            full["chart_requests"] = chart_requests(bench, mark)
            runs[label] = full
            if on:
                bench.clock.advance(WEEK_SECONDS)
                changed = change_share(bench, workspace, SHARE)
                mark = bench.log_mark()
                _, weekly = bench.sync()
                charts = chart_requests(bench, mark)
                pages = 1  # per_team off: one review page per cycle, one cycle
                # Confluence sends up to MAX_BATCH_FILES charts in one request, Notion one each
                per = MAX_BATCH_FILES if source == "confluence" else 1
                minimum = ceil_div(len(changed) + pages, per)
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
        "cpu_seconds_added": round(on_run["cpu_s"] - off["cpu_s"], 3),
        "cpu_ratio": round(on_run["cpu_s"] / off["cpu_s"], 3) if off["cpu_s"] else None,
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
