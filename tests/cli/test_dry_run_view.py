"""The dry-run view lists what would change, never a value that stays the same."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from okrsync.cli.sync_cmd import print_summary
from okrsync.executor import WriteOutcome
from okrsync.log import Redactor
from okrsync.sync.summary import SourceSummary, SyncSummary

AT = datetime(2026, 11, 25, tzinfo=UTC)


def render(*outcomes: WriteOutcome) -> str:
    source = SourceSummary(source="wiki", connector="confluence", write_outcomes=list(outcomes))
    summary = SyncSummary(
        run_id="r1",
        started=AT,
        ended=AT,
        duration_seconds=0.0,
        dry_run=True,
        sources={"wiki": source},
    )
    out = io.StringIO()
    print_summary(summary, out, Redactor.from_env([], {}))
    return out.getvalue()


def planned(**values: tuple[object, object]) -> WriteOutcome:
    return WriteOutcome(
        target="confluence:page:1",
        kind="properties",
        description="outputs on 'Grow'",
        status="planned",
        changes={k: new for k, (_old, new) in values.items()},
        before={k: old for k, (old, _new) in values.items()},
    )


def test_only_values_that_change_are_listed() -> None:
    text = render(planned(Score=("0.4", "0.5"), Health=("On track", "On track")))
    assert "Score: 0.4 -> 0.5" in text
    assert "Health" not in text


def test_a_write_whose_values_all_stay_says_so_instead_of_listing_them() -> None:
    text = render(planned(Score=("0.4", "0.4")))
    assert "Score" not in text
    assert "(every value is already as planned)" in text
