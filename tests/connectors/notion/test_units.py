"""Pure parts of the Notion connector: text limits, progress bars, batching, throttle, ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from okrsync_notion.blocks import (
    MAX_BLOCKS_PER_APPEND,
    append_batches,
    children_of,
    cuts_a_table,
    left_out,
    number_text,
    progress_bar,
    section,
    text_block,
    total_blocks,
)
from okrsync_notion.options import NotionOptions, normalise_id
from okrsync_notion.properties import fit_lines, pack_text
from okrsync_notion.reader import since_filter
from okrsync_notion.writer import marker_text, parse_marker

from okrsync.model import Finding
from okrsync.review_noise import warning_lines


def test_short_warnings_are_kept_whole() -> None:
    lines = ["⚠ KR002 no target", "⚠ OBJ001 too many key results"]
    assert fit_lines(lines) == "\n".join(lines)


def test_overlong_warnings_are_cut_with_a_count_of_what_was_left_out() -> None:
    lines = [f"⚠ X{i:03d} " + "m" * 2500 for i in range(150)]
    text = fit_lines(lines)
    items = pack_text(text)
    assert len(items) <= 100
    assert all(len(i["text"]["content"]) <= 2000 for i in items)
    kept = text.split("\n")
    assert kept[-1] == f"+{150 - (len(kept) - 1)} more"
    assert all(line.endswith("…") for line in kept[:-1])


@given(st.lists(st.text(alphabet="ab \n⚠", max_size=300), max_size=60), st.integers(5, 50))
def test_packing_keeps_the_text_and_the_item_limit(lines: list[str], size: int) -> None:
    text = "\n".join(lines)
    items = pack_text(text, max_chars=size)
    assert "".join(i["text"]["content"] for i in items) == text
    assert all(0 < len(i["text"]["content"]) <= size for i in items)


@given(
    st.lists(st.text(alphabet="ab⚠", max_size=40), max_size=40),
    st.integers(12, 30),
    st.integers(1, 6),
)
def test_fitted_lines_always_fit_and_count_what_they_drop(
    lines: list[str], size: int, items: int
) -> None:
    text = fit_lines(lines, max_chars=size, max_items=items)
    assert len(pack_text(text, max_chars=size)) <= items
    kept = text.split("\n") if lines else []
    if kept and kept[-1].startswith("+") and kept[-1].endswith(" more") and kept != lines:
        assert int(kept[-1][1:].split()[0]) == len(lines) - (len(kept) - 1)


def test_warning_lines_put_errors_first() -> None:
    findings = [
        Finding(code="B1", severity="info", subject="x", message="later"),
        Finding(code="A1", severity="error", subject="x", message="first"),
    ]
    assert warning_lines(findings, prefix="⚠ ") == ["⚠ A1 first", "⚠ B1 later"]


def test_progress_bars_are_drawn_in_text() -> None:
    assert progress_bar(0.4) == "▓▓▓▓░░░░░░ 40%"
    assert progress_bar(1.3) == "▓▓▓▓▓▓▓▓▓▓ 100%"
    assert progress_bar(None) == "░░░░░░░░░░ n/a"


def test_numbers_read_as_people_write_them() -> None:
    assert number_text(3_022_800, "$") == "$3M"
    assert number_text(500_298, "$") == "$500.3K"
    assert number_text(2_400_000, "$") == "$2.4M"
    assert number_text(-1500, "€") == "-€1,500"
    assert number_text(25.51, "%") == "25.51%"
    assert number_text(2153, "accounts") == "2,153 accounts"
    assert number_text(7.0) == "7"
    assert number_text(None, "%") == "?"


def test_markers_round_trip_and_reject_other_text() -> None:
    text = marker_text("okrsync:review:okrs:q3:sales", "abc123")
    assert parse_marker(text) == ("okrsync:review:okrs:q3:sales", "abc123")
    assert parse_marker("okrsync:review:okrs:q3 hash=pending") == (
        "okrsync:review:okrs:q3",
        "pending",
    )
    assert parse_marker("Notes") is None


def _chain(depth: int) -> dict[str, object]:
    block = text_block("bulleted_list_item", f"level {depth}")
    return block if depth == 0 else text_block(
        "bulleted_list_item", f"level {depth}", children=[_chain(depth - 1)]
    )  # fmt: skip


def test_batches_hold_at_most_100_blocks_and_two_levels() -> None:
    flat = [text_block("paragraph", str(i)) for i in range(250)]
    batches = append_batches(flat)
    assert [b.size for b in batches] == [100, 100, 50]

    deep = _chain(4)  # five levels: the root and four below it
    (batch,) = append_batches([deep])
    assert batch.levels == [2] and batch.size == 3
    assert left_out(deep, 2)
    assert not left_out(deep, 4)

    wide = text_block("toggle", "many", children=[text_block("paragraph", "x")] * 150)
    (batch,) = append_batches([wide])
    assert batch.levels == [0] and batch.size == 1
    assert total_blocks([wide]) == 151
    assert all(b.size <= MAX_BLOCKS_PER_APPEND for b in append_batches([wide] * 3))


def _table(rows: int) -> dict[str, Any]:
    row = {"object": "block", "type": "table_row", "table_row": {"cells": [[]]}}
    return {"object": "block", "type": "table",
            "table": {"table_width": 1, "children": [row] * rows}}  # fmt: skip


def test_a_table_inside_a_section_never_travels_without_its_rows() -> None:
    small = section("heading_2", "Objectives", [_table(10)])
    (batch,) = append_batches([small])
    assert batch.levels == [2] and batch.size == 12  # heading, table and rows at once

    big = section("heading_2", "Objectives", [_table(90), _table(90), _table(5)])
    (batch,) = append_batches([big])
    assert batch.levels == [0]  # one level would send the tables without rows: not an option
    follow_ups = append_batches(children_of(big))
    assert [b.levels for b in follow_ups] == [[2], [2, 2]]  # each table with its rows
    assert [b.size for b in follow_ups] == [91, 97]
    assert cuts_a_table(big, 1) and not cuts_a_table(big, 2) and not cuts_a_table(big, 0)


def test_a_section_of_small_toggles_goes_alone_and_its_toggles_in_full_batches() -> None:
    kr = text_block("bulleted_list_item", "kr")
    toggles = [text_block("toggle", f"O{i}", children=[kr] * 4) for i in range(25)]
    (batch,) = append_batches([section("heading_2", "Key results", toggles)])
    assert batch.levels == [0]  # not one level (26 blocks), which would leave 25 follow-ups
    assert [(b.size, set(b.levels)) for b in append_batches(toggles)] == [(100, {2}), (25, {2})]


def test_ids_links_and_titles_are_told_apart() -> None:
    dashed = "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"
    assert normalise_id(dashed) == dashed
    assert normalise_id(dashed.replace("-", "").upper()) == dashed
    link = "https://www.notion.so/acme/Objectives-1f2e3d4c5b6a49788a9b0c1d2e3f4a5b?v=123"
    assert normalise_id(link) == dashed
    assert normalise_id("Objectives") is None


def test_full_refresh_is_due_after_runs_or_hours() -> None:
    options = NotionOptions(full_refresh_every=3, full_refresh_after=12)
    now = datetime(2025, 8, 1, 12, tzinfo=UTC)
    assert options.full_refresh_due(runs_since_full=0, last_full=None, now=now)
    recent = now - timedelta(hours=1)
    assert not options.full_refresh_due(runs_since_full=2, last_full=recent, now=now)
    assert options.full_refresh_due(runs_since_full=3, last_full=recent, now=now)
    old = now - timedelta(hours=12)
    assert options.full_refresh_due(runs_since_full=0, last_full=old, now=now)


def test_the_incremental_filter_overlaps_by_one_minute() -> None:
    since = datetime(2025, 8, 1, 10, 5, tzinfo=UTC)
    assert since_filter(since) == {
        "timestamp": "last_edited_time",
        "last_edited_time": {"on_or_after": "2025-08-01T10:04:00Z"},
    }


def test_the_incremental_filter_is_rounded_down_to_the_minute_like_notion() -> None:
    since = datetime(2025, 8, 1, 10, 5, 42, 123000, tzinfo=UTC)
    assert since_filter(since)["last_edited_time"] == {"on_or_after": "2025-08-01T10:04:00Z"}
