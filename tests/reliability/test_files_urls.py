"""Item 13: private files, refused base URLs, and no Authorization header across hosts.

- Under umask 022 the state store, its WAL and shared-memory files and the lock file are
  created 0600 (checked on a run killed mid-write, when the WAL is certain to exist).
- A base URL over plain http to a non-loopback host, or to a host that is not the vendor's
  API, or one the HTTP libraries could read as different hosts (a backslash) or that carries
  credentials (user:pass@), is refused before any request (exit 2, config error).
- A server that redirects to another host (127.0.0.2, still loopback) must not receive the
  Authorization header or the token; okrsync does not read or write through such a redirect.
"""

from __future__ import annotations

import http.server
import os
import stat
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from okrsync.errors import ExitCode
from tests.cli.conftest import ROOT, cli_env
from tests.reliability.conftest import Rig, kill9
from tests.reliability.server_control import WriteGate


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_state_wal_and_lock_files_are_private_under_umask_022(rig: Rig, figures: Any) -> None:
    gate = WriteGate(rig.sandboxes["notion"], "notion", 5, "after")
    proc = subprocess.Popen(
        rig.argv("sync"),
        env=cli_env(rig.env),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: os.umask(0o022),
    )
    try:
        assert gate.reached.wait(60)
        state = rig.state_path
        files = {
            "state": state,
            "wal": Path(f"{state}-wal"),
            "shm": Path(f"{state}-shm"),
            "lock": Path(f"{state}.lock"),
        }
        assert all(p.exists() for p in files.values()), list(files.values())
        modes = {name: oct(mode(p)) for name, p in files.items()}
    finally:
        kill9(proc)
        gate.release()
    assert modes == dict.fromkeys(files, "0o600"), modes
    figures(
        faults={"kill -9 with the WAL open": 1},
        requests=rig.requests(),
        outcome=f"modes under umask 022: {modes}",
    )


REFUSED = [
    ("notion", "base_url", "http://api.notion.com", None),
    ("notion", "base_url", "http://192.0.2.10:8080", None),
    ("notion", "base_url", "https://api.notion.com.attacker.example", None),
    ("notion", "base_url", "https://example.com/v1", None),
    ("confluence", "url", "http://wiki.example.com/wiki", None),
    ("confluence", "url", "ftp://wiki.example.com/wiki", None),
    # read as 127.0.0.1 by urllib.parse and httpx, as wiki.example.com by requests (urllib3)
    ("confluence", "url", "http://wiki.example.com\\@127.0.0.1/wiki", "backslash"),
    ("notion", "base_url", "https://api.notion.com\\@127.0.0.1", "backslash"),
    # credentials in a URL: a config error that never repeats them
    ("confluence", "url", "https://admin:hunter2@acme.atlassian.net/wiki", "user name or password"),
    ("notion", "base_url", "https://hunter2@api.notion.com", "user name or password"),
]


@pytest.mark.parametrize(("source", "key", "url", "said"), REFUSED, ids=[r[2] for r in REFUSED])
def test_http_unknown_hosts_and_ambiguous_urls_are_refused(
    rig: Rig, figures: Any, source: str, key: str, url: str, said: str | None
) -> None:
    before = rig.requests()[source]
    rig.write_config(**{source: {key: url}})
    code, summary, log = rig.cli_sync()
    assert code == ExitCode.CONFIG, (code, summary, log[-2000:])
    shown = said or url
    assert shown in log or shown in str(summary)
    assert "hunter2" not in log + str(summary)
    assert rig.requests()[source] == before  # refused before any request to it
    figures(faults={"bad base URL": url}, requests=0, outcome=f"exit {code} before any request")


class Recorder(http.server.BaseHTTPRequestHandler):
    """The other host: records what arrives and answers 200 with an empty JSON object."""

    seen: list[dict[str, str]] = []

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _answer(self) -> None:
        Recorder.seen.append({k.lower(): v for k, v in self.headers.items()})
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _answer


def serve(host: str, handler: type[http.server.BaseHTTPRequestHandler]) -> Any:
    server = http.server.ThreadingHTTPServer((host, 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def redirector_to(target: str) -> type[http.server.BaseHTTPRequestHandler]:
    class Redirect(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self.send_response(307)
            self.send_header("Location", target + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _answer

    return Redirect


@pytest.mark.parametrize("source", ["notion", "confluence"])
def test_a_redirect_to_another_host_carries_no_authorization(
    rig: Rig, figures: Any, source: str
) -> None:
    Recorder.seen = []
    other = serve("127.0.0.2", Recorder)
    target = f"http://127.0.0.2:{other.server_address[1]}"
    redirect = serve("127.0.0.1", redirector_to(target))
    try:
        url = f"http://127.0.0.1:{redirect.server_address[1]}"
        key, url = ("url", url + "/wiki") if source == "confluence" else ("base_url", url)
        rig.write_config(**{source: {key: url, "max_retries": 0}})
        code, summary, _log = rig.cli_sync()
    finally:
        redirect.shutdown()
        other.shutdown()
        redirect.server_close()
        other.server_close()
    tokens = [v for k, v in rig.env.items() if k.endswith("TOKEN")]
    leaked = [h for h in Recorder.seen if "authorization" in h or any(t in str(h) for t in tokens)]
    assert leaked == []
    # neither client reads or writes through a redirect to another host: the HTTP policy
    # (okrsync/http/guard.py) stops both at it with a config error
    assert Recorder.seen == []
    assert summary["sources"][source]["outcome"] == "failed"
    assert code == ExitCode.CONFIG
    assert "redirected to another origin" in " ".join(summary["sources"][source]["errors"])
    figures(
        faults={"307 to 127.0.0.2": 1},
        requests={"arrived at the other host": len(Recorder.seen)},
        outcome=f"exit {code}; requests at the other host carried no Authorization "
        f"(source outcome {summary['sources'][source]['outcome']}) "
        f"({len(Recorder.seen)} arrived)",
    )
