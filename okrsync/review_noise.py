"""The noise policy: which findings a review page and an OKR page show, and how many.

Findings are all kept for `okrsync lint`; pages read by people follow three rules:

- Health is the one place that says something is behind: the findings that only restate it
  (`HEALTH_RESTATING`) are folded into the health column and "Needs attention".
- Planning rules (how OKRs are written: too many objectives, task-like key results, KPIs kept
  as key results...) are shown in full during the first `planning_weeks` of a cycle, while the
  OKRs can still be rewritten; afterwards each rule is summarised once in the review's planning
  notes instead of repeated on every page. Errors are never summarised.
- The Warnings output on an OKR page shows at most `WARNING_LINES` lines, most severe first,
  the last one saying how many more the review lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Final

from okrsync.i18n import SOURCE_LANGUAGE, Translator, translator
from okrsync.model import Cycle, Finding, Workspace, finding_sort_key
from okrsync.rules.registry import rules_by_code
from okrsync.rules.wording import finding_hint as finding_hint  # the renderers' one import
from okrsync.rules.wording import finding_message as finding_message
from okrsync.rules.wording import rule_title as title_of_rule

HEALTH_RESTATING: Final = frozenset({"OBJ009", "OBJ010", "KR015"})
"""Objective off track / at risk and key result off track: the health column says it."""
PLANNING_RULES: Final = frozenset(
    {
        "OBJ001",
        "OBJ002",
        "OBJ003",
        "OBJ006",
        "OBJ007",
        "OBJ013",
        "KR002",
        "KR003",
        "KR011",
        "ALN001",
        "ALN002",
        "ALN007",
        "PF001",
        "PF002",
    }
)
"""Advice on how OKRs are written; worth acting on while a cycle is being planned."""
WARNING_LINES: Final = 3
ENGLISH: Final = translator(SOURCE_LANGUAGE)


def rule_title(finding: Finding, t: Translator = ENGLISH) -> str:
    """The short name of the rule behind a finding ("too many objectives", "zu viele Ziele")."""
    rule = rules_by_code().get(finding.code)
    if rule is not None:
        return title_of_rule(rule, t)
    return finding.name.replace("-", " ") if finding.name else finding.code


def planning_over(cycle: Cycle | None, at: date, weeks: int) -> bool:
    """True once `weeks` of the cycle have passed at `at` (planning findings are then notes)."""
    return cycle is not None and (at - cycle.start).days >= weeks * 7


def is_planning_note(finding: Finding, cycle: Cycle | None, at: date, weeks: int) -> bool:
    """A planning finding (not an error) past the cycle's planning weeks."""
    return (
        finding.code in PLANNING_RULES
        and finding.severity != "error"
        and planning_over(cycle, at, weeks)
    )


def subject_cycles(workspace: Workspace) -> dict[str, str]:
    """Objective and key result id -> the id of its cycle (when it has one)."""
    cycles: dict[str, str] = {o.id: o.cycle for o in workspace.objectives if o.cycle}
    for kr in workspace.key_results:
        cycle = cycles.get(kr.objective)
        if cycle is not None:
            cycles[kr.id] = cycle
    return cycles


def split_findings(
    findings: Iterable[Finding],
    cycle_of: Mapping[str, str],
    cycles: Mapping[str, Cycle],
    at: date,
    weeks: int,
) -> tuple[list[Finding], list[Finding]]:
    """(shown, planning notes) of a set of findings; health restatements are left out."""
    shown: list[Finding] = []
    notes: list[Finding] = []
    for finding in sorted(findings, key=finding_sort_key):
        if finding.code in HEALTH_RESTATING:
            continue
        cycle_id = finding.cycle or cycle_of.get(finding.subject)
        cycle = cycles.get(cycle_id) if cycle_id is not None else None
        (notes if is_planning_note(finding, cycle, at, weeks) else shown).append(finding)
    return shown, notes


def page_findings(
    workspace: Workspace, findings: Iterable[Finding], at: date, weeks: int
) -> dict[str, list[Finding]]:
    """Findings an OKR page shows, by subject id, each list most severe first."""
    shown, _ = split_findings(
        findings, subject_cycles(workspace), workspace.cycle_by_id(), at, weeks
    )
    grouped: dict[str, list[Finding]] = {}
    for finding in shown:
        grouped.setdefault(finding.subject, []).append(finding)
    return grouped


def warning_lines(
    findings: Sequence[Finding],
    *,
    limit: int = WARNING_LINES,
    prefix: str = "",
    t: Translator = ENGLISH,
) -> list[str]:
    """At most `limit` lines, most severe first; the last says how many more there are."""
    ranked = sorted(findings, key=finding_sort_key)
    lines = [f"{prefix}{f.code} {finding_message(f, t)}" for f in ranked]
    if len(lines) <= limit:
        return lines
    kept = lines[: limit - 1]
    more = len(lines) - len(kept)
    return [*kept, t.gettext("+{count} more, see the review").format(count=more)]
