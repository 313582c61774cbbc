"""Each benchmark script runs at a tiny size and prints one JSON object with its figures.

Not a timing test: the figures themselves are measured by `make bench`. This only keeps the
scripts from rotting as the engine, connectors and sandboxes change.
"""

from __future__ import annotations

import json

import pytest

from benchmarks import api_confluence, api_notion, charts, compute, daemon_idle, rate_limit, run


def _printed(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert isinstance(result, dict)
    return result


SYNC_PHASES = ("full", "no_change_next", "no_change_again", "no_change_settled")


def test_api_notion_prints_every_phase_and_its_minimum(capsys: pytest.CaptureFixture[str]) -> None:
    assert api_notion.main(["--key-results", "8", "--rps", "1000"]) == 0
    result = _printed(capsys)
    assert result["benchmark"] == "api_notion"
    for phase in (*SYNC_PHASES, "no_change_steady", "one_percent_changed"):
        figures = result[phase]
        assert isinstance(figures, dict)
        assert figures["outcome"] == "ok"
        assert figures["requests"]["total"] > 0
    full = result["full"]
    assert isinstance(full, dict)
    assert full["minimum"]["total"] > 0
    assert full["ratio_to_minimum"] >= 1.0
    assert result["no_change_settled"]["writes_applied"] == 0  # type: ignore[index]
    assert result["one_percent_changed"]["every_edited_page_written"] is True  # type: ignore[index]
    weekly = result["weekly_ten_percent"]
    assert isinstance(weekly, dict)
    assert weekly["exactly_expected"] is True
    assert weekly["minimum"]["check_in_rows"] == weekly["key_results_changed"] > 0
    assert set(result["targets_met"]) >= {  # type: ignore[arg-type]
        "full_ratio_le_1_10",
        "no_change_zero_writes",
        "no_change_steady_one_request_per_data_source",
        "one_percent_at_most_50_appends",
    }


def test_api_confluence_prints_every_phase(capsys: pytest.CaptureFixture[str]) -> None:
    assert api_confluence.main(["--key-results", "8"]) == 0
    result = _printed(capsys)
    assert result["benchmark"] == "api_confluence"
    for phase in (*SYNC_PHASES, "one_percent_changed"):
        assert result[phase]["outcome"] == "ok"  # type: ignore[index]
    assert result["full"]["minimum"]["user_lookups"] > 0  # type: ignore[index]
    assert result["one_percent_changed"]["pages_edited"] == 1  # type: ignore[index]
    assert result["full"]["minimum"]["check_in_logs"] > 0  # type: ignore[index]
    weekly = result["weekly_ten_percent"]
    assert isinstance(weekly, dict)
    assert weekly["exactly_expected"] is True
    assert weekly["writes"]["total"] == weekly["minimum"]["total"]


def test_api_confluence_edits_the_current_cell_only() -> None:
    row = "<tr><td>Grow metric 1</td><td>x</td><td></td><td>10%</td><td>24.5%</td><td>50%</td></tr>"
    body = f"<table><tbody>{row}</tbody></table>"
    edited = api_confluence.set_current(body, "Grow metric 1", 50.0)
    assert "<td>50%</td><td>50%</td>" in edited
    assert "<td>10%</td>" in edited


def test_rate_limit_prints_the_ratio_and_429s(capsys: pytest.CaptureFixture[str]) -> None:
    assert rate_limit.main(["--key-results", "4", "--rps", "100"]) == 0
    result = _printed(capsys)
    assert result["benchmark"] == "rate_limit"
    assert result["requests"] > 0  # type: ignore[operator]
    assert {"ratio_wall_to_bound", "rate_limited_429", "targets_met"} <= set(result)


def test_compute_prints_time_and_memory(capsys: pytest.CaptureFixture[str]) -> None:
    assert compute.main(["--key-results", "200"]) == 0
    result = _printed(capsys)
    assert result["key_results"] == 200
    assert {"evaluate_s", "rules_s", "ratio", "cpu_ratio", "peak_rss_mib"} <= set(result)
    assert result["floor_us_per_key_result"] >= 0  # type: ignore[operator]
    assert result["gc"] is True
    assert compute.main(["--key-results", "200", "--no-gc"]) == 0
    assert _printed(capsys)["gc"] is False


def test_daemon_idle_prints_cpu_and_memory(capsys: pytest.CaptureFixture[str]) -> None:
    assert daemon_idle.main(["--key-results", "4", "--idle-seconds", "0.5"]) == 0
    result = _printed(capsys)
    assert result["sigterm_exit_code"] == 5
    assert result["requests_while_idle"] == 0
    assert {"idle_cpu_s", "rss_start_mib", "rss_end_mib"} <= set(result)


def test_charts_prints_render_sync_and_weekly_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert charts.main(["--key-results", "8"]) == 0
    result = _printed(capsys)
    assert result["benchmark"] == "charts"
    render = result["render"]
    assert isinstance(render, dict)
    assert render["charts"] == render["svg_charts_in_html"] == 3  # the burn-up, 2 objectives
    assert render["sparklines_in_html"] == 8
    weekly = result["weekly"]
    assert isinstance(weekly, dict)
    assert 0 < weekly["chart_requests"]["uploads"] <= weekly["minimum_uploads"]
    assert result["targets_met"] == {
        "weekly_uploads_at_most_minimum": True,
        "repeat_writes_nothing": True,
    }


def test_make_bench_lists_every_benchmark_module() -> None:
    modules = {command[0] for command in run.BENCHMARKS}
    assert modules == {
        "benchmarks.api_notion",
        "benchmarks.api_confluence",
        "benchmarks.rate_limit",
        "benchmarks.compute",
        "benchmarks.daemon_idle",
        "benchmarks.charts",
    }
