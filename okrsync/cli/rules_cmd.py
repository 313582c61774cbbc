"""`okrsync rules [CODE] [--format text|json]`: the rule catalogue."""

from __future__ import annotations

import argparse
import json

from okrsync.rules import Rule, catalogue, get_rule


def _summary_row(rule: Rule) -> dict[str, object]:
    return {
        "code": rule.code,
        "name": rule.name,
        "family": rule.family,
        "severity": rule.severity,
        "summary": rule.summary,
    }


def _describe(rule: Rule) -> str:
    lines = [
        f"{rule.code} {rule.name} ({rule.family}, {rule.severity})",
        "",
        rule.summary,
        "",
        rule.explanation,
    ]
    thresholds = rule.default_thresholds().model_dump()
    if thresholds:
        lines += [
            "",
            "Thresholds (set in okrsync.toml under [rules.thresholds." + rule.code + "]):",
        ]
        lines += [f"  {key} = {value!r}" for key, value in thresholds.items()]
    lines += ["", f"Fix: {rule.hint}"]
    return "\n".join(lines)


def _run(args: argparse.Namespace) -> int:
    if args.code:
        rule = get_rule(args.code)
        if args.format == "json":
            row = _summary_row(rule) | {
                "explanation": rule.explanation,
                "hint": rule.hint,
                "thresholds": rule.default_thresholds().model_dump(),
            }
            print(json.dumps(row, indent=2, default=str))
        else:
            print(_describe(rule))
        return 0
    rules = catalogue()
    if args.format == "json":
        print(json.dumps([_summary_row(r) for r in rules], indent=2))
        return 0
    width = max(len(r.name) for r in rules)
    family = None
    for rule in rules:
        if rule.family != family:
            family = rule.family
            print(f"\n{family}")
        print(f"  {rule.code:<7} {rule.severity:<8} {rule.name:<{width}}  {rule.summary}")
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
    parser.set_defaults(func=_run)
