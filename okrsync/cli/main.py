"""Entry point of the `okrsync` command: builds the parser from the command modules.

Each command module exposes `register(subparsers)`, which adds its subcommand(s) and sets
`func` on the parsed namespace to a callable `(args) -> int` returning the exit code.

Everything the process prints passes the redactor (`guard_streams`), and no command prints a
raw traceback: an unexpected error is one redacted line and exit 1; `--debug` (accepted by
every command) adds the traceback, redacted the same way.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence

from okrsync import __version__
from okrsync.errors import ExitCode, OkrsyncError
from okrsync.redaction import guard_streams, redact, redact_then_truncate

INTERNAL_ERROR_LIMIT = 500
"""Characters of an unexpected error's message shown on its one line (after redaction)."""

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
    _add_debug(parser, default=False)
    return parser


def _add_debug(parser: argparse.ArgumentParser, *, default: object) -> None:
    """`--debug` on `parser` and every subcommand below it, wherever it is written."""
    parser.add_argument(
        "--debug",
        action="store_true",
        default=default,
        help="on an unexpected error, print its traceback (secrets redacted)",
    )
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                _add_debug(child, default=argparse.SUPPRESS)


def main(argv: Sequence[str] | None = None) -> int:
    with guard_streams():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return int(ExitCode.CONFIG)
    try:
        code = args.func(args)
    except OkrsyncError as exc:
        print(f"okrsync: {redact(str(exc))}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("okrsync: interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    except Exception as exc:  # a bug: one redacted line, the traceback only when asked
        report_internal_error(exc, debug=bool(getattr(args, "debug", False)))
        return int(ExitCode.PARTIAL)
    return int(code)


def report_internal_error(exc: BaseException, *, debug: bool) -> None:
    """Print an unexpected error as one redacted line (and its traceback with --debug)."""
    if debug:
        sys.stderr.write(redact("".join(traceback.format_exception(exc))))
    what = redact_then_truncate(f"{type(exc).__name__}: {exc}", INTERNAL_ERROR_LIMIT)
    what = " ".join(what.split())
    hint = "" if debug else " (run with --debug for the redacted traceback)"
    print(f"okrsync: internal error: {what}{hint}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
