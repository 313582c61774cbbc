"""Item 12: secret canaries never leave the environment variables that hold them.

Both emulators are started with unique canary tokens as their credentials. okrsync then runs
normally, with debug logging, through a forced internal error (a traceback in the log), with
a rejected token (an auth error message) and against a vendor error that echoes the token.
No canary may appear in stdout, stderr (the logs), the state store and its WAL, the
cassettes folder, any error message, or any page written to the emulators.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from tests.cli.conftest import ROOT
from tests.reliability.conftest import build_rig
from tests.reliability.server_control import RewritingProxy


def canaries() -> dict[str, str]:
    tag = uuid.uuid4().hex
    return {"notion": f"secret_CANARYnotion{tag}", "confluence": f"CANARYconfluence{tag}"}


def leaks(tokens: dict[str, str], text: str | bytes) -> list[str]:
    data = text.encode() if isinstance(text, str) else text
    return [name for name, token in tokens.items() if token.encode() in data]


def written_pages(rig: Any) -> list[str]:
    """Every page, block, version and content property in both emulators, as text.

    (The emulators' saved state also holds their user table with the credentials, so the
    pages are collected one by one rather than grepping a whole save file.)
    """
    notion: Any = rig.sandboxes["notion"].store
    texts = [json.dumps(p, default=str) for p in notion.pages.values()]
    texts += [json.dumps(b, default=str) for b in notion.blocks.values()]
    confluence: Any = rig.sandboxes["confluence"].store
    for page in confluence.all_pages(statuses=("any",)):
        texts += [f"{v.title}\n{v.body}" for v in page.versions]
        texts += [json.dumps(p.value, default=str) for p in page.properties.values()]
    return texts


def test_canary_tokens_appear_nowhere(tmp_path: Path, figures: Any) -> None:
    tokens = canaries()
    rig = build_rig(tmp_path / "rig", tokens=tokens)
    outputs: list[str] = []
    try:
        rig.settings["logging"] = {"format": "json", "level": "debug"}
        rig.write_config()
        code, summary, log = rig.cli_sync()  # a normal run
        assert code == 0, summary.get("errors")
        outputs += [json.dumps(summary), log]

        # a forced internal error: the query answer has rows okrsync cannot read
        broken = RewritingProxy(
            rig.sandboxes["notion"].base_url,
            lambda m, p, s, b: (
                b'{"object": "list", "results": [{"object": "page", "id": '
                b'"0f0f0f0f-0000-4000-8000-000000000001", "properties": 7}], "has_more": false}'
                if p.split("?")[0].endswith("/query")
                else b
            ),
        )
        # a vendor error that echoes the credential back (some proxies and APIs do)
        echo = RewritingProxy(
            rig.sandboxes["confluence"].base_url,
            lambda m, p, s, b: (
                (
                    401,
                    json.dumps(
                        {"statusCode": 401, "message": f"bad credentials: {tokens['confluence']}"}
                    ).encode(),
                )
                if "search" in p
                else b
            ),
        )
        try:
            rig.write_config(
                notion={"base_url": broken.url, "max_retries": 0},
                confluence={"url": echo.url + "/wiki", "max_retries": 0},
            )
            code, summary, log = rig.cli_sync("--full")
            outputs += [json.dumps(summary), log]
            assert code != 0
            assert "Traceback" in log, "the forced internal error left no traceback to check"
        finally:
            broken.stop()
            echo.stop()

        # a rejected token: the emulator expects another canary than the one okrsync sends
        rig.write_config(notion={"base_url": rig.sandboxes["notion"].base_url})
        rig.sandboxes["notion"].token = tokens["notion"] + "x"  # type: ignore[attr-defined]
        code, summary, log = rig.cli_sync()
        outputs += [json.dumps(summary), log]
        assert code != 0 and summary["errors"], summary

        state_files = sorted(rig.state_path.parent.glob(f"{rig.state_path.name}*"))
        assert state_files
        saved = written_pages(rig)
        cassettes = [p for p in (ROOT / "cassettes").rglob("*") if p.is_file()]
        found = {
            "stdout/stderr/errors": sorted({n for text in outputs for n in leaks(tokens, text)}),
            "state store": sorted({n for p in state_files for n in leaks(tokens, p.read_bytes())}),
            "written pages": sorted({n for text in saved for n in leaks(tokens, text)}),
            "cassettes": sorted({n for p in cassettes for n in leaks(tokens, p.read_bytes())}),
        }
        assert found == {
            "stdout/stderr/errors": [],
            "state store": [],
            "written pages": [],
            "cassettes": [],
        }
        figures(
            faults={"internal error (traceback)": 1, "token echoed by server": 1, "401": 1},
            requests=rig.requests(),
            outcome=f"canaries searched in {len(outputs)} outputs, {len(state_files)} state "
            f"files, {len(saved)} pages and blocks, {len(cassettes)} cassettes: 0 found",
        )
    finally:
        rig.stop()
