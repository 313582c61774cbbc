"""Running the catalogue: `check()` turns a workspace and its evaluation into findings.

Everything here is pure and deterministic: the same workspace, evaluation and settings give
the same list, sorted by severity (errors first), then code, subject and message. Mapping
findings from other stages go through `filter_findings` so that select, ignore, severity
overrides and per-OKR suppressions treat them exactly like the rules' own findings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from okrsync.evaluation import Evaluation
from okrsync.gc_pause import collector_paused
from okrsync.i18n.message import english
from okrsync.model import (
    SEVERITY_RANK,
    Finding,
    KeyResult,
    Objective,
    Severity,
    Workspace,
    finding_sort_key,
)
from okrsync.rules.catalogue import Checker, Rule
from okrsync.rules.context import build_context
from okrsync.rules.registry import catalogue, get_rule, rules_by_code, select_rules
from okrsync.rules.settings import FailOn, RuleSettings

_DEFAULT_SETTINGS: Final = RuleSettings()


def suppressed_codes(workspace: Workspace) -> dict[str, frozenset[str]]:
    """Objective or key result id -> the codes its `ignore_rules` silence (unknown ones skipped)."""
    silenced: dict[str, frozenset[str]] = {}
    records: list[Objective | KeyResult] = [*workspace.objectives, *workspace.key_results]
    for record in records:
        if record.ignore_rules:
            codes = {r.code for s in record.ignore_rules for r in select_rules(s)}
            silenced[record.id] = silenced.get(record.id, frozenset()) | codes
    return silenced


def _keep(finding: Finding, silenced: Mapping[str, frozenset[str]]) -> bool:
    codes = silenced.get(finding.subject)
    return codes is None or finding.code not in codes


def check(
    workspace: Workspace,
    evaluation: Evaluation,
    settings: RuleSettings = _DEFAULT_SETTINGS,
) -> list[Finding]:
    """Run every enabled rule over the workspace; findings sorted, suppressions applied.

    Linear in the size of the workspace except for near-duplicate titles, which are compared
    only within one cycle and team (or owner), so it scales to 100 000 key results.
    """
    with collector_paused():
        return _check(workspace, evaluation, settings)


def _check(workspace: Workspace, evaluation: Evaluation, settings: RuleSettings) -> list[Finding]:
    ctx = build_context(workspace, evaluation)
    silenced = suppressed_codes(workspace)
    enabled = settings.enabled_codes()
    runs: list[tuple[int, str, Rule, Checker, Severity]] = []
    for rule in catalogue():
        if rule.check is not None and rule.code in enabled:
            severity = settings.severity_of(rule)
            runs.append((SEVERITY_RANK[severity], rule.code, rule, rule.check, severity))
    # The listing order without a sort key per finding: the rules by severity and code, then
    # each rule's findings by their own order, which (code and severity being the same) is by
    # subject and message. Hits become findings at once, so none outlives its rule.
    runs.sort(key=lambda run: run[:2])
    findings: list[Finding] = []
    new_tuple = tuple.__new__
    for _, code, rule, checker, severity in runs:
        hint, family, name = rule.hint, rule.family, rule.name
        # tuple.__new__ builds the named tuple without its Python-level constructor: half the
        # cost, for a quarter of a million findings at 100 000 key results; a hit is unpacked
        # by position (a Hit is a tuple), not read field by field.
        made = [
            new_tuple(
                Finding,
                (code, severity, subject, message, hint, family, name, cycle, message_id, params),
            )
            for subject, message, cycle, message_id, params in checker(
                ctx, settings.thresholds_for(rule)
            )
        ]
        if silenced:
            made = [f for f in made if code not in silenced.get(f.subject, ())]
        made.sort()
        findings += made
    return findings


def filter_findings(
    findings: Iterable[Finding],
    settings: RuleSettings = _DEFAULT_SETTINGS,
    workspace: Workspace | None = None,
) -> list[Finding]:
    """Apply settings (and, given a workspace, its suppressions) to findings made elsewhere.

    Findings with a code outside the catalogue are kept unchanged: they are not ours to drop.
    """
    known = rules_by_code()
    silenced = suppressed_codes(workspace) if workspace is not None else {}
    enabled = settings.enabled_codes()
    kept: list[Finding] = []
    for finding in findings:
        rule = known.get(finding.code)
        if rule is not None:
            if rule.code not in enabled:
                continue
            severity = settings.severity_of(rule)
            if severity != finding.severity:
                finding = finding._replace(severity=severity)
        if _keep(finding, silenced):
            kept.append(finding)
    kept.sort(key=finding_sort_key)
    return kept


def fails(findings: Iterable[Finding], fail_on: FailOn) -> bool:
    """True when any finding is at least as severe as `fail_on` (never: always False)."""
    if fail_on == "never":
        return False
    limit = SEVERITY_RANK[fail_on]
    return any(SEVERITY_RANK[f.severity] <= limit for f in findings)


def make_finding(code: str, subject: str, message: str | None = None, **params: Any) -> Finding:
    """A finding for a catalogue rule, with severity, hint, family and name filled in.

    Without `message`, the rule's message template is filled from `params` (for DATA001:
    collection, field, value, expected); if a parameter is missing, the rule's summary is used
    with the given parameters appended, so a finding is never lost to a formatting slip.
    Unknown codes raise ConfigError naming the closest codes.
    """
    rule = get_rule(code)
    message_id, values = "", ()
    if message is None:
        template = rule.message or rule.summary
        try:
            message, values = english(template, params)
            message_id = template
        except (KeyError, IndexError, ValueError):
            extra = ", ".join(f"{k}={v!r}" for k, v in sorted(params.items()))
            message = f"{rule.summary} ({extra})" if extra else rule.summary
    return Finding(
        code=rule.code,
        severity=rule.severity,
        subject=subject,
        message=message,
        hint=rule.hint,
        family=rule.family,
        name=rule.name,
        message_id=message_id,
        params=values,
    )
