"""Evaluate a workspace into a Review without any connector: score, check, bundle.

Used by `okrsync report --input` and by anything that has a canonical workspace in hand.
"""

from __future__ import annotations

from datetime import date, datetime

from okrsync.evaluation import ScoringSettings
from okrsync.model import Finding, Workspace
from okrsync.review import Review
from okrsync.rules import RuleSettings, check
from okrsync.trends import evaluate_over_time


def review_workspace(
    workspace: Workspace,
    *,
    at: date,
    generated_at: datetime,
    scoring: ScoringSettings | None = None,
    rules: RuleSettings | None = None,
    extra_findings: tuple[Finding, ...] = (),
    previous_scores: dict[str, float] | None = None,
    source: str = "",
) -> Review:
    """Score `workspace` at `at`, run the rule catalogue, and bundle everything as a Review."""
    settings = rules or RuleSettings()
    evaluation = evaluate_over_time(workspace, at, scoring or ScoringSettings())
    findings = check(workspace, evaluation, settings)
    return Review(
        **settings.review_options(),
        workspace=workspace,
        evaluation=evaluation,
        findings=(*extra_findings, *findings),
        generated_at=generated_at,
        previous_scores=previous_scores or {},
        source=source,
    )
