"""Every command a message or hint mentions exists and is in the README.

A fix hint that names a command the user cannot run (or cannot find in the README) sends them
nowhere. This scans the code for backticked `okrsync ...` mentions and checks each command
(and subcommand) against the real command line and the README.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from okrsync.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]
MENTION = re.compile(r"`okrsync ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?")


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse keeps subcommands nowhere public
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def mentions() -> set[tuple[str, str | None, str]]:
    found: set[tuple[str, str | None, str]] = set()
    for folder in ("okrsync", "connectors"):
        for path in (ROOT / folder).rglob("*.py"):
            for match in MENTION.finditer(path.read_text(encoding="utf-8")):
                found.add((match[1], match[2], str(path.relative_to(ROOT))))
    return found


def test_every_mentioned_command_exists_and_is_in_the_readme() -> None:
    commands = _subcommands(build_parser())
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = mentions()
    assert any(c == "mapping" and s == "infer" for c, s, _ in found), "the scan finds mentions"
    for command, word, where in sorted(found, key=str):
        assert command in commands, f"{where} mentions `okrsync {command}`, which does not exist"
        assert f"okrsync {command}" in readme, f"`okrsync {command}` ({where}) is not in README"
        subcommands = _subcommands(commands[command])
        if subcommands and word in subcommands:
            assert f"okrsync {command} {word}" in readme, (
                f"`okrsync {command} {word}` ({where}) is not in the README"
            )
        elif subcommands and word is not None:
            raise AssertionError(f"{where} mentions `okrsync {command} {word}`: no such command")
