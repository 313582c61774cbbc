"""Entry point of the `okrsync` command: builds the parser from the command modules.

Each command module exposes `register(subparsers)`, which adds its subcommand(s) and sets
`func` on the parsed namespace to a callable `(args) -> int` returning the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from okrsync import __version__
from okrsync.errors import ExitCode, OkrsyncError

COMMAND_MODULES = (
    "okrsync.cli.schema_cmd",
    "okrsync.cli.rules_cmd",
    "okrsync.cli.report_cmd",
    "okrsync.cli.mapping_cmd",
    "okrsync.cli.sync_cmd",
    "okrsync.cli.notify_cmd",
    "okrsync.cli.daemon_cmd",
    "okrsync.cli.setup_cmd",
    "okrsync.cli.sandbox_cmd",
    "okrsync.cli.demo_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="okrsync",
        description="Sync, score and coach OKRs kept in Notion or Confluence.",
    )
    parser.add_argument("--version", action="version", version=f"okrsync {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # a command group not built yet
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return int(ExitCode.CONFIG)
    try:
        code = args.func(args)
    except OkrsyncError as exc:
        print(f"okrsync: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("okrsync: interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
