"""Prometheus counters per notification channel and status."""

from __future__ import annotations

from datetime import UTC, datetime

from okrsync.metrics import Metrics
from okrsync.notify.counts import ChannelCounts, total
from okrsync.sync import SyncSummary

AT = datetime(2026, 2, 16, tzinfo=UTC)


def test_counts_add_up_over_sources_and_reach_the_metrics() -> None:
    per_source = [
        {"teams": ChannelCounts(sent=2, failed=1), "email": ChannelCounts(sent=3)},
        {"email": ChannelCounts(sent=1, given_up=1)},
    ]
    counts = total(per_source)
    assert counts["email"] == ChannelCounts(sent=4, given_up=1)
    metrics = Metrics()
    summary = SyncSummary(
        run_id="r", started=AT, ended=AT, duration_seconds=1.0, notifications=counts
    )
    metrics.observe(summary)
    metrics.observe(summary)
    text = metrics.exposition().decode()
    assert 'okrsync_notifications_total{channel="email",status="sent"} 8.0' in text
    assert 'okrsync_notifications_total{channel="teams",status="failed"} 2.0' in text
    assert 'okrsync_notifications_total{channel="email",status="given_up"} 2.0' in text
