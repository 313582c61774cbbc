"""The daemon's schedule, backoff, stop handling and metrics (no real waiting anywhere)."""

from __future__ import annotations

import io
import json
import os
import signal
import threading
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from okrsync.config import LoggingSettings, ScheduleSettings
from okrsync.daemon import backoff_delay, next_scheduled, run_daemon, run_failed, stop_on_signals
from okrsync.errors import ExitCode
from okrsync.log import Redactor, make_logger
from okrsync.metrics import Metrics, MetricsServer
from okrsync.sync.summary import SourceSummary, SyncSummary
from tests.cli.fake_connector import load_vendor
from tests.unit.test_sync import Env

T0 = datetime(2025, 8, 1, 9, 7, 30, tzinfo=UTC)


def test_interval_schedule_with_jitter() -> None:
    schedule = ScheduleSettings(interval=600, jitter=60)
    assert next_scheduled(schedule, T0, 0.0) == T0 + timedelta(seconds=600)
    assert next_scheduled(schedule, T0, 0.5) == T0 + timedelta(seconds=630)


def test_cron_schedule() -> None:
    schedule = ScheduleSettings(cron="*/15 * * * *")
    assert next_scheduled(schedule, T0, 0.9) == datetime(2025, 8, 1, 9, 15, tzinfo=UTC)


def test_backoff_doubles_and_is_capped() -> None:
    schedule = ScheduleSettings(backoff_initial=10, backoff_max=60)
    assert [backoff_delay(schedule, n) for n in range(6)] == [0, 10, 20, 40, 60, 60]


def test_partial_runs_do_not_back_off() -> None:
    assert not run_failed(ExitCode.OK) and not run_failed(ExitCode.PARTIAL)
    assert run_failed(ExitCode.TRANSIENT) and run_failed(ExitCode.AUTH)


class SteppingClock:
    """Time moves only when the daemon waits: the stop event's wait advances it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


class RecordingStop(threading.Event):
    """A stop event whose waits return at once, moving the clock and recording the delay."""

    def __init__(self, clock: SteppingClock, stop_after: int) -> None:
        super().__init__()
        self.clock = clock
        self.waits: list[float] = []
        self.stop_after = stop_after

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(round(timeout or 0.0, 3))
        self.clock.now += timedelta(seconds=timeout or 0.0)
        if len(self.waits) >= self.stop_after:
            self.set()
        return self.is_set()


def daemon_env(tmp_path: Path) -> tuple[Env, io.StringIO]:
    env = Env(tmp_path)
    out = io.StringIO()
    return env, out


def test_daemon_runs_on_schedule_and_stops_with_code_5(tmp_path: Path) -> None:
    env, out = daemon_env(tmp_path)
    config = env.config.model_copy(update={"schedule": ScheduleSettings(interval=300)})
    clock = SteppingClock(T0)
    stop = RecordingStop(clock, stop_after=3)
    metrics = Metrics()
    log = make_logger(LoggingSettings(format="json"), redactor=Redactor(), stream=out)
    code = run_daemon(
        config, clock=clock, stop_event=stop, log=log, env={}, metrics=metrics, draw=lambda: 0.0
    )
    assert code == ExitCode.INTERRUPTED
    assert stop.waits == [300.0, 300.0, 300.0]
    assert len(load_vendor(env.vendor)["applied"]) == 6  # written once, then nothing changed
    exposition = metrics.exposition().decode()
    assert 'okrsync_runs_total{outcome="ok",source="team"} 3.0' in exposition
    assert 'okrsync_writes_total{source="team"} 6.0' in exposition
    events = [json.loads(line)["event"] for line in out.getvalue().splitlines()]
    assert events[-1] == "daemon stopped"


def test_daemon_backs_off_after_failed_runs(tmp_path: Path) -> None:
    env, out = daemon_env(tmp_path)
    env.set(pull_error="transient")
    schedule = ScheduleSettings(interval=30, backoff_initial=60, backoff_max=200)
    config = env.config.model_copy(update={"schedule": schedule})
    clock = SteppingClock(T0)
    stop = RecordingStop(clock, stop_after=4)
    metrics = Metrics()
    log = make_logger(LoggingSettings(format="json"), redactor=Redactor(), stream=out)
    run_daemon(config, clock=clock, stop_event=stop, log=log, env={}, metrics=metrics)
    assert stop.waits == [60.0, 120.0, 200.0, 200.0]
    status, body = metrics.health()
    assert status == 503 and body["consecutive_failures"] == 4


def test_metrics_server_serves_health_and_metrics_on_loopback() -> None:
    metrics = Metrics()
    server = MetricsServer(metrics, 0).start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as resp:
            assert resp.status == 200
            assert json.loads(resp.read())["status"] == "ok"
        with urllib.request.urlopen(f"{base}/metrics", timeout=5) as resp:
            assert b"okrsync_runs" in resp.read()
    finally:
        server.close()


def test_first_signal_stops_second_exits_at_once() -> None:
    stop = threading.Event()
    exits: list[int] = []
    before = signal.getsignal(signal.SIGTERM)
    with stop_on_signals(stop, exit_now=exits.append):
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.is_set() and exits == []
        os.kill(os.getpid(), signal.SIGINT)
        assert exits == [ExitCode.INTERRUPTED]
    assert signal.getsignal(signal.SIGTERM) is before


@pytest.mark.parametrize("bad", [{"interval": 0}, {"backoff_max": -1}])
def test_schedule_rejects_nonsense(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        ScheduleSettings.model_validate(bad)


def test_request_problems_of_the_http_policy_are_counted_per_source() -> None:
    metrics = Metrics()
    source = SourceSummary(
        source="wiki",
        connector="confluence",
        outcome="failed",
        exit_code=6,
        requests={"requests": 9, "rate_limited": 2, "retries": 4, "timeouts": 3, "too_large": 1},
    )
    metrics.observe(
        SyncSummary(
            run_id="r", started=T0, ended=T0, duration_seconds=0.0, sources={"wiki": source}
        )
    )
    exposition = metrics.exposition().decode()
    assert 'okrsync_api_requests_total{source="wiki"} 9.0' in exposition
    assert 'okrsync_api_problems_total{kind="retries",source="wiki"} 4.0' in exposition
    assert 'okrsync_api_problems_total{kind="timeouts",source="wiki"} 3.0' in exposition
    assert 'okrsync_api_problems_total{kind="too_large",source="wiki"} 1.0' in exposition
