"""The pure middle of a run: records, history and previous scores in, the review out.

`build_review` maps each source's records, adds okrsync's value history, scores, checks the
rules and assembles the `Review`, without touching the state store or the network. The shell
(`okrsync.sync.run`) feeds it what it pulled and what the store holds, then stores what it
returns (new history rows, current scores); `lint` and `--dry-run` simply store nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from okrsync.evaluation import Evaluation, ScoringSettings
from okrsync.history import (
    StoredScore,
    current_scores,
    merged_history,
    new_observations,
    observations,
    previous_scores,
    unrecorded,
)
from okrsync.mapping.schema import Mapping as MappingFile
from okrsync.model import CheckIn, Finding, Workspace
from okrsync.organisation import combine, qualified
from okrsync.records import SourceRecord
from okrsync.review import Review
from okrsync.sync.merge import unmapped_ids
from okrsync.trends import evaluate_over_time


@dataclass(frozen=True, slots=True)
class SourceInput:
    """One source as the builder needs it: its mapping, merged records and stored history."""

    name: str
    connector: str
    mapping: MappingFile
    records: Sequence[SourceRecord]
    history: Sequence[CheckIn] = ()
    stored_scores: Mapping[str, StoredScore] | None = None


@dataclass(frozen=True, slots=True)
class SourceOutput:
    """What the builder found for one source, and what the shell stores for it."""

    name: str
    workspace: Workspace
    mapping_findings: tuple[Finding, ...]
    dropped: tuple[str, ...]
    new_history: tuple[CheckIn, ...]
    scores: dict[str, float | None]
    unrecorded: tuple[CheckIn, ...] = ()
    """Check-ins okrsync knows that the source's workspace does not hold yet (its own ids)."""


@dataclass(frozen=True, slots=True)
class ReviewBuild:
    """The review and, per source, what went into it."""

    review: Review
    sources: dict[str, SourceOutput]

    @property
    def workspace(self) -> Workspace:
        return self.review.workspace

    @property
    def evaluation(self) -> Evaluation:
        return self.review.evaluation

    @property
    def findings(self) -> list[Finding]:
        return list(self.review.findings)


def rule_settings(rules: Any) -> Any:
    """The config's `[rules]` as okrsync.rules.RuleSettings."""
    from okrsync.rules import RuleSettings

    if isinstance(rules, RuleSettings):
        return rules
    return RuleSettings.model_validate(rules or {})


def build_review(
    sources: Sequence[SourceInput],
    *,
    scoring: ScoringSettings,
    rules: Any,
    now: datetime,
    name: str,
) -> ReviewBuild:
    """Map, add history, score, check and assemble the review of `sources` at `now` (pure)."""
    from okrsync.mapping.apply import apply_mapping
    from okrsync.rules import check, filter_findings

    mapped: list[tuple[SourceInput, Workspace, tuple[Finding, ...], tuple[CheckIn, ...]]] = []
    missing: dict[str, list[CheckIn]] = {}
    for src in sources:
        result = apply_mapping(src.mapping, src.records, connector=src.connector)
        workspace: Workspace = result.workspace
        # The workspace's own check-ins (a check-ins database, a check-in log) and the store's
        # history are one history: after the store is lost, the workspace's rebuilds it, and a
        # value already there is not observed again.
        recorded = workspace.check_ins
        known = merged_history(recorded, src.history)
        added = tuple(new_observations(known, observations(workspace, now)))
        workspace = workspace.model_copy(update={"check_ins": tuple(merged_history(known, added))})
        missing[src.name] = unrecorded(recorded, [*src.history, *added])
        mapped.append((src, workspace, tuple(result.findings), added))
    workspace, renamed = combine([(src.name, w) for src, w, _, _ in mapped])
    evaluation = evaluate_over_time(workspace, now.date(), scoring)
    settings = rule_settings(rules)
    mapping_findings = [f for _, _, found, _ in mapped for f in found]
    findings = [
        *filter_findings(mapping_findings, settings, workspace),
        *check(workspace, evaluation, settings),
    ]
    scores = current_scores(evaluation)
    previous: dict[str, float] = {}
    outputs: dict[str, SourceOutput] = {}
    to_record: list[CheckIn] = []
    for src, own, found, added in mapped:
        # The store keeps a source's scores under its own ids; the organisation may have
        # qualified them (see okrsync.organisation).
        ids = {o.id for o in own.objectives} | {k.id for k in own.key_results}
        org_id = {i: qualified(src.name, i) if src.name in renamed else i for i in ids}
        own_scores = {i: scores[org_id[i]] for i in ids if org_id[i] in scores}
        previous.update(
            (org_id.get(k, k), v)
            for k, v in previous_scores(src.stored_scores or {}, own_scores).items()
        )
        to_record += (
            c.model_copy(update={"key_result": org_id.get(c.key_result, c.key_result)})
            for c in missing[src.name]
        )
        outputs[src.name] = SourceOutput(
            name=src.name,
            workspace=own,
            mapping_findings=found,
            dropped=tuple(unmapped_ids(found)),
            new_history=added,
            scores=own_scores,
            unrecorded=tuple(missing[src.name]),
        )
    review = Review(
        **settings.review_options(),
        workspace=workspace,
        evaluation=evaluation,
        findings=tuple(findings),
        generated_at=now,
        previous_scores=previous,
        unrecorded_check_ins=tuple(to_record),
        source=name,
        source_records=tuple(r for src in sources for r in src.records),
    )
    return ReviewBuild(review=review, sources=outputs)
