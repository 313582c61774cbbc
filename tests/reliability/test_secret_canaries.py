"""Canary tokens through every command and every error path (issue 9, "Secrets").

Each emulator is started with a unique canary as its credential, and the workspace holds the
canary in values (an objective title, a key result title) the way a vendor answer echoing it
would. Every command a user runs against a config (sync, lint, doctor, mapping check, mapping
infer, report --config, the daemon's /metrics and /healthz) runs normally, then behind a proxy
whose answers echo the request's Authorization header in a 401, a 500 and an HTML 500 body,
and behind one whose Confluence `version.number` holds the token (an unexpected error). No
canary, nor its first 8 characters, may appear in stdout, stderr, the state store and its WAL,
or any page okrsync wrote; no command prints a raw traceback; a rejected token exits 3.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from okrsync.redaction import MIN_PREFIX_AT_CUT
from tests.cli.conftest import ROOT, cli_env
from tests.reliability.conftest import Rig, build_rig, reliability_workspace
from tests.reliability.server_control import RewritingProxy

Rewrite = Callable[[str, str, int, bytes], "bytes | tuple[int, bytes]"]


def canaries() -> dict[str, str]:
    tag = uuid.uuid4().hex
    return {"notion": f"secret_CANARYn{tag}", "confluence": f"CANARYc{tag[::-1]}"}


def hits(tokens: dict[str, str], text: str | bytes) -> list[str]:
    """Canaries (or their first 8 characters) found in `text`."""
    data = text.encode() if isinstance(text, str) else text
    return [name for name, t in tokens.items() if t[:MIN_PREFIX_AT_CUT].encode() in data]


def commands(source: str) -> list[tuple[str, ...]]:
    return [
        ("sync", "--source", source),
        ("lint", "--source", source),
        ("doctor", "--source", source),
        ("mapping", "check", "--source", source),
        ("mapping", "infer", "--source", source),
        ("report", "--source", source, "--format", "html"),
    ]


def run(rig: Rig, args: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    argv = [*rig.argv(*args)]
    return subprocess.run(
        argv, capture_output=True, text=True, env=cli_env(rig.env), cwd=ROOT, timeout=120
    )


def echo(tokens: dict[str, str], status: int, html: bool) -> Rewrite:
    """Answer every request with `status` and a body echoing the credentials it was sent."""
    auth = f"Authorization: Bearer {tokens['notion']}, Basic {tokens['confluence']}"

    def rewrite(method: str, path: str, code: int, body: bytes) -> tuple[int, bytes]:
        if html:
            text = f"<html><body><h1>{status}</h1><pre>{auth}</pre></body></html>"
            return status, text.encode()
        payload = {
            "object": "error",
            "status": status,
            "code": "unauthorized" if status == 401 else "internal_server_error",
            "message": f"request had {auth}; token {tokens['notion']} {tokens['confluence']}",
            "statusCode": status,
        }
        return status, json.dumps(payload).encode()

    return rewrite


def token_version(tokens: dict[str, str]) -> Rewrite:
    """Confluence answers whose version.number is the token (read as a number: a bug path)."""

    def rewrite(method: str, path: str, code: int, body: bytes) -> bytes:
        return re.sub(rb'"number"\s*:\s*\d+', f'"number": "{tokens["confluence"]}"'.encode(), body)

    return rewrite


def point_at(rig: Rig, proxies: dict[str, RewritingProxy]) -> None:
    options: dict[str, Any] = {}
    for name, proxy in proxies.items():
        if name == "notion":
            options["notion"] = {"base_url": proxy.url, "max_retries": 0}
        else:
            options["confluence"] = {"url": proxy.url + "/wiki", "max_retries": 0}
    rig.write_config(**options)


def restore(rig: Rig) -> None:
    rig.write_config(
        notion={"base_url": rig.sandboxes["notion"].base_url},  # type: ignore[attr-defined]
        confluence={"url": rig.sandboxes["confluence"].base_url + "/wiki"},  # type: ignore[attr-defined]
    )


@pytest.fixture
def canary_rig(tmp_path: Path) -> Any:
    tokens = canaries()
    ws = reliability_workspace(date.today())
    objectives = list(ws.objectives)
    objectives[1] = objectives[1].model_copy(
        update={"title": f"Ship it (token {tokens['notion']} {tokens['confluence']})"}
    )
    krs = list(ws.key_results)
    krs[0] = krs[0].model_copy(update={"title": f"Authorization: Bearer {tokens['notion']}"})
    ws = ws.model_copy(update={"objectives": tuple(objectives), "key_results": tuple(krs)})
    rig = build_rig(tmp_path / "rig", tokens=tokens, workspace=ws)
    yield rig, tokens
    rig.stop()


FAST_MATRIX: dict[str, tuple[str, ...]] = {
    "normal": ("sync", "doctor", "report"),
    "401 json": ("doctor", "mapping check", "report"),
    "500 json": ("mapping infer",),
    "500 html": ("sync",),
    "token as a number": ("lint",),
}
"""The scenario x command pairs of `make test`; `make soak` runs every command in each."""


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param("fast", marks=pytest.mark.timeout(900)),  # 18 commands, on a busy machine
        pytest.param("full", marks=[pytest.mark.soak, pytest.mark.timeout(1800)]),
    ],
    ids=["fast", "full"],
)
def test_no_command_and_no_error_path_lets_a_canary_out(
    canary_rig: Any, figures: Any, variant: str
) -> None:
    rig, tokens = canary_rig
    outputs: dict[str, str] = {}
    codes: dict[str, int] = {}

    def run_all(scenario: str) -> None:
        jobs = [
            args
            for source in ("notion", "confluence")
            for args in commands(source)
            if variant == "full" or " ".join(args[:2]).startswith(FAST_MATRIX[scenario])
        ]
        # Syncs of one config share its lock (a second one at the same time exits 4), so
        # they run one after the other; everything else runs beside them.
        syncs = [args for args in jobs if args[0] == "sync"]
        others = [args for args in jobs if args[0] != "sync"]
        with ThreadPoolExecutor(max_workers=3) as pool:
            serial = pool.submit(lambda: [run(rig, a) for a in syncs])
            results = list(zip(others, pool.map(lambda a: run(rig, a), others), strict=True))
            results += zip(syncs, serial.result(), strict=True)
        for args, result in results:
            key = f"{scenario}: {' '.join(args)}"
            outputs[key] = result.stdout + result.stderr
            codes[key] = result.returncode

    run_all("normal")
    for key, code in codes.items():
        assert code in (0, 8), (key, outputs[key][-2000:])

    scenarios: dict[str, dict[str, Rewrite]] = {
        "401 json": {s: echo(tokens, 401, html=False) for s in ("notion", "confluence")},
        "500 json": {s: echo(tokens, 500, html=False) for s in ("notion", "confluence")},
        "500 html": {s: echo(tokens, 500, html=True) for s in ("notion", "confluence")},
        "token as a number": {"confluence": token_version(tokens)},
    }
    for scenario, rewrites in scenarios.items():
        upstream = {
            "notion": rig.sandboxes["notion"].base_url,
            "confluence": rig.sandboxes["confluence"].base_url,
        }
        proxies = {name: RewritingProxy(upstream[name], rw) for name, rw in rewrites.items()}
        try:
            point_at(rig, proxies)
            run_all(scenario)
        finally:
            for proxy in proxies.values():
                proxy.stop()
            restore(rig)

    # A rejected token is an authentication problem (3), in every command that checks it.
    for source in ("notion", "confluence"):
        for args in (("doctor",), ("mapping", "check"), ("report",)):
            key = f"401 json: {' '.join(args)} --source {source}" + (
                " --format html" if args == ("report",) else ""
            )
            assert codes[key] == 3, (key, codes[key], outputs[key][-1500:])

    daemon_out = run_daemon_and_scrape(rig)
    outputs["daemon"] = daemon_out

    tracebacks = [k for k, text in outputs.items() if "Traceback" in text]
    assert tracebacks == []
    state_files = sorted(rig.state_path.parent.glob(f"{rig.state_path.name}*"))
    assert state_files
    written = okrsync_texts(rig)
    found = {
        "stdout/stderr": sorted({f"{k}: {n}" for k, t in outputs.items() for n in hits(tokens, t)}),
        "state store": sorted({n for p in state_files for n in hits(tokens, p.read_bytes())}),
        "pages written": sorted({f"{k}: {n}" for k, t in written.items() for n in hits(tokens, t)}),
    }
    assert found == {"stdout/stderr": [], "state store": [], "pages written": []}
    assert [k for k in written if k.startswith("confluence review")], "no review page to check"
    assert [k for k in written if k.startswith("notion review")], "no review page to check"
    figures(
        faults={"scenarios": 5, "command runs": len(outputs)},
        requests=rig.requests(),
        outcome=f"{len(outputs)} command runs, {len(state_files)} state files, "
        f"{len(written)} texts okrsync wrote: 0 canaries, 0 tracebacks",
    )


def okrsync_texts(rig: Rig) -> dict[str, str]:
    """What okrsync wrote, apart from the people's own text it keeps on their pages: Notion
    output properties and review pages, Confluence review pages (every version) and content
    properties. (The seeded OKR pages hold the canary in their titles, as a person typed it.)"""
    texts: dict[str, str] = {}
    notion = rig.snapshot()["notion"]
    texts["notion outputs"] = json.dumps(notion["outputs"])
    texts.update({f"notion review {k}": "\n".join(v) for k, v in notion["reviews"].items()})
    confluence: Any = rig.sandboxes["confluence"].store
    for page in confluence.all_pages(statuses=("any",)):
        marker = page.properties.get("okrsync")
        value = marker.value if marker is not None else None
        if isinstance(value, dict) and value.get("kind") == "review":
            for v in page.versions:
                texts[f"confluence review {page.id} v{v.number}"] = f"{v.title}\n{v.body}"
        for key, prop in page.properties.items():
            texts[f"confluence property {page.id} {key}"] = json.dumps(prop.value, default=str)
    return texts


def run_daemon_and_scrape(rig: Rig) -> str:
    """The daemon with /metrics on a free port: scrape both endpoints after a run, then stop."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    rig.settings["metrics"] = {"port": port}
    rig.write_config()
    proc = rig.popen("daemon")
    texts: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = json.loads(r.read())
                if body.get("last_run"):
                    texts.append(json.dumps(body))
                    break
            except OSError:
                pass
            time.sleep(0.3)
        else:
            raise AssertionError("the daemon never finished a run")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            texts.append(r.read().decode())
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        del rig.settings["metrics"]
        rig.write_config()
    return "\n".join([*texts, out, err])
