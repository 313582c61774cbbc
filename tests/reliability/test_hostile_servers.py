"""Issue 9, "Network": every request is bounded, whatever the server does, for both connectors.

Each test points one source of the rig's config at a hostile loopback server (tests/reliability/
hostile.py) and runs a sync of that source:

- a body dripping one byte a second ends at the request's total deadline (timeout_s), exit 6;
- an endless body is cut at max_response_mib, exit 6, memory bounded;
- a redirect to the same host on another port is refused like another host, exit 2, and the
  other port never hears from okrsync; a redirect loop is a clear error, exit 6;
- an answer that is not the API's shape (`{}`) never counts as an empty workspace;
- SIGTERM ends a run within 10 s with exit 5 while a response is still arriving.

URLs with a backslash or user:pass@ are in test_files_urls.py (refused before any request).
"""

from __future__ import annotations

import io
import signal
import time
from typing import Any

import pytest

from okrsync.config import load_config
from okrsync.errors import ExitCode
from okrsync.log import Redactor, make_logger
from okrsync.sync import SourceSummary, run_sync
from tests.reliability.conftest import SOURCES, Rig
from tests.reliability.hostile import HostileServer

URL_KEY = {"notion": "base_url", "confluence": "url"}


def point_at(rig: Rig, source: str, url: str, **options: Any) -> None:
    """Point `source` at `url` (Confluence's site root is /wiki), failing fast."""
    base = url + "/wiki" if source == "confluence" else url
    rig.write_config(**{source: {URL_KEY[source]: base, "max_retries": 0, **options}})


def sync_against(rig: Rig, source: str, server: HostileServer, **options: Any) -> SourceSummary:
    """A sync of `source` alone, in this process, with its URL at `server` (stopped after)."""
    with server:
        point_at(rig, source, server.url, **options)
        config = load_config(rig.config_path)
        log = make_logger(config.logging, redactor=Redactor(), stream=io.StringIO())
        return run_sync(config, source=source, env=rig.env, log=log).sources[source]


@pytest.mark.parametrize("source", SOURCES)
def test_a_body_dripping_one_byte_a_second_ends_at_the_total_deadline(
    rig: Rig, figures: Any, source: str
) -> None:
    server = HostileServer("drip", interval=0.2)
    result = sync_against(rig, source, server, timeout_s=1)
    dripped = server.sent
    assert result.exit_code == ExitCode.TRANSIENT, result
    assert "no complete answer within 1 s" in " ".join(result.errors)
    # per-read timeouts alone would have kept reading for as long as the server dripped
    assert dripped < 25, f"the server dripped {dripped} bytes before okrsync gave up"
    figures(
        faults={"drip at 5 bytes/s": 1},
        requests=len(server.requests),
        outcome=f"exit {result.exit_code} after {dripped} dripped bytes (timeout_s = 1)",
    )


@pytest.mark.parametrize("source", SOURCES)
def test_an_endless_body_is_cut_at_the_size_cap(rig: Rig, figures: Any, source: str) -> None:
    server = HostileServer("endless")
    result = sync_against(rig, source, server, max_response_mib=1)
    assert result.exit_code == ExitCode.TRANSIENT, result
    assert "larger than 1 MiB" in " ".join(result.errors)
    figures(
        faults={"endless body": 1},
        requests=len(server.requests),
        outcome=f"exit {result.exit_code}: cut at 1 MiB (max_response_mib = 1)",
    )


@pytest.mark.parametrize("source", SOURCES)
def test_a_redirect_to_the_same_host_on_another_port_is_refused(
    rig: Rig, figures: Any, source: str
) -> None:
    with HostileServer("empty") as other:
        result = sync_against(rig, source, HostileServer("redirect", target=other.url))
    assert result.exit_code == ExitCode.CONFIG, result
    assert "redirected to another origin" in " ".join(result.errors)
    assert other.requests == [], "nothing reaches the other port"
    assert result.objectives == 0
    figures(
        faults={"307 to the same host, another port": 1},
        requests={"arrived at the other port": len(other.requests)},
        outcome=f"exit {result.exit_code}; the other port got no request",
    )


@pytest.mark.parametrize("source", SOURCES)
def test_a_redirect_loop_is_a_clear_error(rig: Rig, figures: Any, source: str) -> None:
    server = HostileServer("loop")
    result = sync_against(rig, source, server)
    assert result.exit_code == ExitCode.TRANSIENT, result
    assert "redirect" in " ".join(result.errors)
    assert "internal error" not in " ".join(result.errors)
    assert len(server.requests) <= 6
    figures(
        faults={"302 loop": 1},
        requests=len(server.requests),
        outcome=f"exit {result.exit_code} after {len(server.requests)} requests",
    )


@pytest.mark.parametrize("source", SOURCES)
def test_an_answer_of_the_wrong_shape_is_never_an_empty_workspace(
    rig: Rig, figures: Any, source: str
) -> None:
    server = HostileServer("empty")
    result = sync_against(rig, source, server)
    assert result.exit_code == ExitCode.TRANSIENT, result
    assert result.outcome == "failed"
    said = " ".join(result.errors)
    assert "is not a Notion database" in said or "has no list of results" in said
    assert "internal error" not in " ".join(result.errors)
    figures(
        faults={"200 {} to every request": 1},
        requests=len(server.requests),
        outcome=f"exit {result.exit_code}: {result.errors[0][:80]}",
    )


@pytest.mark.parametrize("source", SOURCES)
def test_sigterm_ends_a_run_within_10_s_with_exit_5_mid_response(
    rig: Rig, figures: Any, source: str
) -> None:
    with HostileServer("drip", interval=0.5) as server:
        point_at(rig, source, server.url, timeout_s=600)
        proc = rig.popen("sync", "--source", source)
        try:
            assert server.started.wait(60), "the request never started"
            proc.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            code = proc.wait(timeout=10)
            took = time.monotonic() - signalled
        finally:
            if proc.poll() is None:
                proc.kill()
            _out, err = proc.communicate()
    assert code == ExitCode.INTERRUPTED, err[-2000:]
    assert "Traceback" not in err
    figures(
        faults={"SIGTERM while a body drips": 1},
        requests=len(server.requests),
        outcome=f"exit {code} {took:.2f} s after SIGTERM (timeout_s = 600)",
    )
