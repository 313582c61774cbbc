"""The rule catalogue: checks with stable codes that coach OKRs like a linter.

Public API: `catalogue()`, `get_rule(code)`, `check(workspace, evaluation, settings)`,
`make_finding(code, subject, message=None, **params)` for other stages (the mapping engine),
`filter_findings` to put those findings through the same settings, `fails` for exit codes,
`parse_suppressions(text)` for `okrsync: ignore ...` notes, `render_rules_markdown()`, and
`finding_message` / `finding_hint` / `describe_rule` / `family_title` for a reader's language.
"""

from okrsync.model import finding_sort_key
from okrsync.rules.catalogue import FAMILIES, Family, Hit, NoThresholds, Rule, Thresholds
from okrsync.rules.docs import render_rule_markdown, render_rules_markdown
from okrsync.rules.engine import check, fails, filter_findings, make_finding
from okrsync.rules.registry import catalogue, get_rule, is_known_selector, select_rules
from okrsync.rules.settings import FailOn, RuleSettings
from okrsync.rules.suppressions import parse_suppressions
from okrsync.rules.wording import (
    describe_rule,
    family_title,
    finding_hint,
    finding_message,
    finding_record,
    rule_title,
)

__all__ = [
    "FAMILIES",
    "FailOn",
    "Family",
    "Hit",
    "NoThresholds",
    "Rule",
    "RuleSettings",
    "Thresholds",
    "catalogue",
    "check",
    "describe_rule",
    "fails",
    "family_title",
    "filter_findings",
    "finding_hint",
    "finding_message",
    "finding_record",
    "finding_sort_key",
    "get_rule",
    "is_known_selector",
    "make_finding",
    "parse_suppressions",
    "render_rule_markdown",
    "render_rules_markdown",
    "rule_title",
    "select_rules",
]
