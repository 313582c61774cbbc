"""The Notion sandbox emulator: a local Notion API over HTTP for tests, demos and benchmarks.

`create_sandbox()` is the `okrsync.sandboxes` entry point. The real `notion_client.Client`
talks to it unchanged through `base_url`; see docs/sandbox-notion.md for what it emulates.
"""

from __future__ import annotations

from okrsync_sandbox.kit.clock import Clock

from .server import DEFAULT_TOKEN, TOKEN_ENV, NotionSandbox
from .store import NotionStore


def create_sandbox(port: int = 0, *, clock: Clock | None = None) -> NotionSandbox:
    """A new, empty, not yet started Notion emulator on 127.0.0.1 (`port` 0: any free port);
    `clock` (epoch seconds) stamps pages and the `Date` header (the demo plays weeks with it)."""
    return NotionSandbox(port, clock=clock)


__all__ = ["DEFAULT_TOKEN", "TOKEN_ENV", "NotionSandbox", "NotionStore", "create_sandbox"]
