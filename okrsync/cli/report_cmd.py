"""`okrsync report`: evaluate a workspace file and render the review locally."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from okrsync.cli.language_option import add_language_option
from okrsync.errors import (
    AuthError,
    ConfigError,
    ExitCode,
    OkrsyncError,
    StateError,
    TransientError,
)
from okrsync.i18n import SOURCE_LANGUAGE, Translator, translator
from okrsync.render.json import render_json
from okrsync.render.markdown import render_markdown
from okrsync.report import review_workspace
from okrsync.review import Review
from okrsync.workspace_file import load_workspace

ERROR_OF_CODE: dict[int, type[OkrsyncError]] = {
    ExitCode.AUTH: AuthError,
    ExitCode.TRANSIENT: TransientError,
    ExitCode.STATE: StateError,
}
"""The error re-raised for a source lint could not read, so the exit code stays the source's."""


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2025-08-15") from None


def render(review: Review, fmt: str, t: Translator | None = None) -> str:
    """The review in one of the report formats, its words in the language of `t`."""
    t = t or translator(SOURCE_LANGUAGE)
    if fmt == "json":
        return json.dumps(render_json(review), indent=2, sort_keys=False) + "\n"
    if fmt == "markdown":
        return render_markdown(review, t=t)
    # HTML draws its charts with matplotlib, whose import alone costs about half a second of
    # CPU: imported here, only `report --format html` pays it, not every command of the CLI.
    from okrsync.render.html import render_html

    return render_html(review, t=t)


def _review_of_source(config_path: Path, source: str | None) -> tuple[Review, str]:
    """The current review of one configured source, read and scored without writing, and the
    language the source's pages are written in."""
    from okrsync.cli.sync_cmd import config_logger
    from okrsync.config import load_config
    from okrsync.sync import run_lint

    config = load_config(config_path)
    chosen = config.selected(source)
    if len(chosen) != 1:
        names = ", ".join(s.name for s in chosen)
        raise ConfigError(
            f"{config_path}: several sources ({names}); say which one to report on",
            hint="add --source NAME",
        )
    log, _ = config_logger(config)
    result = run_lint(config, source=chosen[0].name, log=log)
    if chosen[0].name not in result.reviews:
        problem = result.errors.get(chosen[0].name, "the source could not be read")
        kind = ERROR_OF_CODE.get(result.exit_code, ConfigError)
        raise kind(f"source {chosen[0].name!r}: {problem}")
    return result.reviews[chosen[0].name], chosen[0].language


def _run(args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    if (args.input is None) == (args.config is None):
        raise ConfigError(
            "okrsync report needs either --input WORKSPACE.json or --config okrsync.toml",
            hint="--input scores a workspace file; --config reads a configured source",
        )
    language = SOURCE_LANGUAGE
    if args.config is not None:
        review, language = _review_of_source(Path(args.config), args.source)
    else:
        workspace = load_workspace(Path(args.input))
        review = review_workspace(workspace, at=args.at or now.date(), generated_at=now)
    text = render(review, args.format, translator(args.language or language))
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "report",
        help="score and check a workspace file and render the review",
        description="Evaluate a workspace JSON file (see `okrsync schema workspace`), or read a "
        "configured source as `okrsync lint` does, and print the review as JSON, Markdown or "
        "HTML. Nothing is written anywhere but --out.",
    )
    parser.add_argument("--input", metavar="WORKSPACE.json", help="a workspace JSON file")
    parser.add_argument(
        "--config", metavar="okrsync.toml", help="report on a configured source instead"
    )
    parser.add_argument("--source", metavar="NAME", help="which source, with --config")
    parser.add_argument("--at", type=_parse_date, help="evaluate as of this date (default today)")
    parser.add_argument("--format", choices=("json", "markdown", "html"), default="markdown")
    parser.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
    add_language_option(parser, None, "the review's words, numbers and dates")
    parser.set_defaults(func=_run)
