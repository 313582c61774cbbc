"""`okrsync rules [CODE] [--format text|json] [--language LANG]`: the rule catalogue."""

from __future__ import annotations

import argparse
import json

from okrsync.cli.language_option import add_language_option
from okrsync.i18n import SOURCE_LANGUAGE, Translator, translator
from okrsync.rules import Rule, catalogue, describe_rule, family_title, get_rule, rule_title


def _summary_row(rule: Rule, t: Translator) -> dict[str, object]:
    return {
        "code": rule.code,
        "name": rule.name,
        "title": rule_title(rule, t),
        "family": rule.family,
        "severity": rule.severity,
        "summary": t.gettext(rule.summary),
    }


def _describe(rule: Rule, t: Translator) -> str:
    words = describe_rule(rule, t)
    lines = [
        f"{rule.code} {rule.name} ({rule.family}, {rule.severity})",
        "",
        words["title"],
        words["summary"],
        "",
        words["explanation"],
    ]
    thresholds = rule.default_thresholds().model_dump()
    if thresholds:
        lines += [
            "",
            "Thresholds (set in okrsync.toml under [rules.thresholds." + rule.code + "]):",
        ]
        lines += [f"  {key} = {value!r}" for key, value in thresholds.items()]
    lines += ["", f"Fix: {words['hint']}"]
    return "\n".join(lines)


def _run(args: argparse.Namespace) -> int:
    t = translator(args.language)
    if args.code:
        rule = get_rule(args.code)
        if args.format == "json":
            row = _summary_row(rule, t) | {
                "explanation": t.gettext(rule.explanation),
                "hint": t.gettext(rule.hint),
                "thresholds": rule.default_thresholds().model_dump(),
            }
            print(json.dumps(row, indent=2, default=str, ensure_ascii=False))
        else:
            print(_describe(rule, t))
        return 0
    rules = catalogue()
    if args.format == "json":
        print(json.dumps([_summary_row(r, t) for r in rules], indent=2, ensure_ascii=False))
        return 0
    width = max(len(r.name) for r in rules)
    family = None
    for rule in rules:
        if rule.family != family:
            family = rule.family
            heading = family if t.language == SOURCE_LANGUAGE else family_title(family, t)
            print(f"\n{heading}")
        print(
            f"  {rule.code:<7} {rule.severity:<8} {rule.name:<{width}}  {t.gettext(rule.summary)}"
        )
    print(f"\n{len(rules)} rules. `okrsync rules CODE` explains one.")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "rules",
        help="list the OKR-practice rules, or explain one",
        description="List the rule catalogue, or print one rule's full explanation.",
    )
    parser.add_argument("code", nargs="?", help="a rule code, e.g. KR002")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    add_language_option(parser, SOURCE_LANGUAGE, "the rules' texts")
    parser.set_defaults(func=_run)
