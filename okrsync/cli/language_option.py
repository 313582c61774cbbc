"""`--language` for the commands that write words for people (report, lint, rules)."""

from __future__ import annotations

import argparse

from okrsync.i18n import check_language, languages


def language_argument(text: str) -> str:
    """A --language value: a language okrsync has a catalogue for ("DE" -> "de")."""
    try:
        return check_language(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_language_option(parser: argparse.ArgumentParser, default: str | None, what: str) -> None:
    """Add `--language` to `parser`; `what` says which words it translates."""
    parser.add_argument(
        "--language",
        type=language_argument,
        default=default,
        help=f"the language of {what} ({', '.join(languages())}; default "
        f"{default or 'the config `language`'})",
    )
