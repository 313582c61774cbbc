"""`okrsync sandbox serve`: keep the seeded sandboxes running for a person to explore."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import date
from pathlib import Path
from types import FrameType


def _run(args: argparse.Namespace) -> int:
    from okrsync.demo.environment import start_demo_environment

    out = Path(args.dir)
    ports = {"notion": args.notion_port, "confluence": args.confluence_port}
    env = start_demo_environment(out, today=date.today(), ports=ports)
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        print("Sandboxes running on loopback, seeded with Northwind Analytics:")
        for name, sandbox in env.sandboxes.items():
            print(f"  {name:<11} {sandbox.base_url}")
        confluence = env.sandboxes.get("confluence")
        if confluence is not None:
            print(f"  page views  {confluence.base_url}/view/")
        print()
        print("In another shell:")
        for key, value in sorted(env.env.items()):
            print(f"  export {key}={value}")
        print(f"  okrsync sync --config {env.config_path}")
        print()
        print("Ctrl-C stops the sandboxes and saves their state to", out)
        sys.stdout.flush()
        stop.wait()
    finally:
        env.save_state(out)
        env.stop()
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "sandbox",
        help="run the local Notion and Confluence sandboxes",
        description="Local emulators of the Notion and Confluence APIs on loopback.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    serve = actions.add_parser(
        "serve",
        help="start both sandboxes seeded with the demo company and keep them running",
    )
    serve.add_argument("--dir", default="sandbox-state", help="where config and state go")
    serve.add_argument("--notion-port", type=int, default=8701)
    serve.add_argument("--confluence-port", type=int, default=8702)
    serve.set_defaults(func=_run)
