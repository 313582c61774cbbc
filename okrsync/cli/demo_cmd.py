"""`okrsync demo [--out DIR]`: play a realistic company's cycle through both sandboxes."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from okrsync.cli.language_option import add_language_option
from okrsync.i18n import SOURCE_LANGUAGE


def _run(args: argparse.Namespace) -> int:
    from okrsync.demo.run import run_demo, summary_table

    out = Path(args.out)
    today = args.today or date.today()
    print(
        f"okrsync demo: seeding Northwind Analytics into local Notion and Confluence sandboxes "
        f"(as of {today}), playing its cycle week by week, then syncing today twice...",
        file=sys.stderr,
        flush=True,
    )
    result = run_demo(out, today=today, language=args.language, weeks=args.weeks)
    review = result.review
    objectives = len(review.workspace.objectives)
    key_results = len(review.workspace.key_results)
    print()
    print(summary_table(result))
    print()
    print(
        f"{objectives} objectives, {key_results} key results, {len(review.findings)} findings "
        "in the organisation (Notion and Confluence together)."
    )
    second_writes = result.summaries[1].writes
    verdict = "nothing to write, as it should be" if second_writes == 0 else "UNEXPECTED WRITES"
    print(f"{len(result.played)} weekly syncs played, then today's sync and its repeat.")
    print(f"Second run: {second_writes} writes ({verdict}).")
    first_sent = sum(
        c.sent for s in (*result.played, result.summaries[0]) for c in s.notifications.values()
    )
    second_sent = sum(c.sent for c in result.summaries[1].notifications.values())
    print(
        f"Notifications: {first_sent} sent by the played weeks and today's sync, "
        f"{second_sent} by the second."
    )
    print()
    print("Look at:")
    for name, what in (
        ("review.html", "the review, open it in a browser"),
        ("review.md", "the same review as Markdown"),
        ("summary.json", "every run's summary: the played weeks, today's sync and its repeat"),
        (
            "confluence-pages/",
            "every Confluence page as written: the objective pages with okrsync's Score, "
            "Health and Warnings, the review pages",
        ),
        ("notifications.jsonl", "every Teams card, Slack message and e-mail sent"),
        ("emails/", "each e-mail's HTML part, as the owner sees it"),
        ("notifications/", "the Teams channel, Slack and inbox as the receivers got them"),
        ("okrsync.toml", "the config used; run okrsync yourself with `okrsync sandbox serve`"),
    ):
        print(f"  {out / name}  ({what})")
    return result.exit_code if second_writes == 0 and second_sent == 0 else 1


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-21") from None


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "demo",
        help="sync a realistic company through local Notion and Confluence sandboxes",
        description="Start the Notion and Confluence sandboxes on loopback, seed a realistic "
        "company as it was eight weeks ago, play its weekly check-ins and syncs with the clock "
        "set to each week, sync today twice (the second run writes nothing) and write the "
        "review and the sandboxes' state to --out. Needs no account anywhere.",
    )
    parser.add_argument("--out", default="demo-output", help="output folder (default demo-output)")
    parser.add_argument("--today", type=_parse_date, help="pretend today is this date")
    add_language_option(parser, SOURCE_LANGUAGE, "the review pages and OKR page outputs")
    parser.add_argument(
        "--weeks",
        type=int,
        default=8,
        choices=range(0, 14),
        metavar="N",
        help="weekly syncs to play before today's (default 8, at most 13; 0: none)",
    )
    parser.set_defaults(func=_run)
