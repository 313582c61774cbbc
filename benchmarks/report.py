"""Render benchmarks/results.json as the Markdown tables BENCHMARKS.md quotes.

    python -m benchmarks.report benchmarks/results.json

Prints one table per benchmark, each row naming the command that produced it, so the figures
in BENCHMARKS.md can be refreshed from a new `make bench` without retyping them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

PHASES = (
    ("full", "full"),
    ("no_change_next", "no change, at once"),
    ("no_change_again", "no change, at once again"),
    ("no_change_settled", "no change, 3 min later"),
    ("no_change_steady", "no change, at once after that (steady)"),
    ("one_percent_changed", "1% of pages changed"),
)


def table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _endpoints(figures: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in figures.get("by_endpoint", {}).items())


def api_tables(results: list[dict[str, Any]], name: str) -> str:
    out: list[str] = []
    for r in (r for r in results if r.get("benchmark") == name and "error" not in r):
        out.append(f"`{r['command']}` ({r['process_s']} s in all)\n")
        rows = []
        for key, label in PHASES:
            if key not in r:
                continue  # a phase this benchmark does not run
            f = r[key]
            extra = ""
            if key == "full":
                minimum = f["minimum"]
                extra = f"minimum {minimum['total']} ({json.dumps(minimum)}); "
                extra += f"ratio **{f['ratio_to_minimum']}**"
            if key == "one_percent_changed":
                extra = (
                    f"{f['pages_edited']} pages edited; expected writes {f['expected_writes']}; "
                    f"exactly expected: {f['exactly_expected']}"
                )
            rows.append(
                (
                    label,
                    f["requests"]["total"],
                    f["records_pulled"],
                    f["writes_applied"],
                    f["writes_skipped_by_ledger"],
                    f["wall_s"],
                    _endpoints(f),
                    extra,
                )
            )
        out.append(
            table(
                (
                    "sync",
                    "requests",
                    "records pulled",
                    "writes",
                    "skipped (ledger)",
                    "wall s",
                    "requests by endpoint",
                    "notes",
                ),
                rows,
            )
        )
        out.append("\ntargets: " + json.dumps(r["targets_met"]) + "\n")
    return "\n".join(out)


def simple_table(results: list[dict[str, Any]], name: str, keys: Sequence[str]) -> str:
    rows = [
        [
            r["command"],
            *(
                json.dumps(r.get(k)) if isinstance(r.get(k), dict | list) else r.get(k)
                for k in keys
            ),
        ]
        for r in results
        if r.get("benchmark") == name and "error" not in r
    ]
    return table(("command", *keys), rows)


def render(results: list[dict[str, Any]]) -> str:
    parts = [
        "## 1. Notion\n",
        api_tables(results, "api_notion"),
        "## 2. Confluence\n",
        api_tables(results, "api_confluence"),
        "## 3. Rate limit\n",
        simple_table(
            results,
            "rate_limit",
            (
                "key_results",
                "requests",
                "rate_limited_429",
                "wall_s",
                "requests_over_rate_s",
                "ratio_wall_to_bound",
                "achieved_rps",
            ),
        ),
        "\n## 4. Compute\n",
        simple_table(
            results,
            "compute",
            (
                "key_results",
                "objectives",
                "findings",
                "build_workspace_s",
                "evaluate_s",
                "rules_s",
                "ratio",
                "cpu_ratio",
                "us_per_key_result",
                "peak_rss_mib",
                "rss_growth_during_evaluation_mib",
            ),
        ),
        "\n## 5. Daemon idle\n",
        simple_table(
            results,
            "daemon_idle",
            (
                "idle_s",
                "idle_cpu_s",
                "idle_cpu_percent",
                "rss_start_mib",
                "rss_end_mib",
                "threads",
                "open_files",
                "requests_while_idle",
                "sigterm_exit_code",
            ),
        ),
    ]
    errors = [r for r in results if "error" in r]
    if errors:
        parts.append("\n## Errors\n")
        parts += [f"- `{r['command']}`: {r['error'][-300:]}" for r in errors]
    return "\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results", type=Path, nargs="?", default=Path("benchmarks/results.json"))
    args = parser.parse_args(argv)
    print(render(json.loads(args.results.read_text(encoding="utf-8"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
