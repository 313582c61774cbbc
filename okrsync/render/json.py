"""Render a review as the JSON report of `okrsync report --format json`.

The shape (documented in issue 2 and relied on by scripts):

- `at`, `generated_at`, `source`;
- `cycles`: id, name, start, end, phase, elapsed_share;
- `objectives`: id, title, cycle, level, team, kind, owners, parents, score, progress, grade,
  health, expected, gap, bar, miss, counted_key_results, rolled_up_children, unscored, change;
- `key_results`: id, objective, title, kind, unit, start, current, target, weight, progress,
  score, grade, attainment_over, band_share, health, expected, gap, unscored, change;
- `findings`: code, severity, subject, message, hint, family, name;
- `summary`: counts of objectives, key results, health values and findings by severity.

Numbers are rounded to `DECIMALS` places to drop float noise (0.30000000000000004 -> 0.3);
grades are exact multiples of the grade step. Non-finite numbers become null, so the output is
always valid JSON.
"""

from __future__ import annotations

import math
from typing import Any, Final

from okrsync.evaluation import HEALTHS
from okrsync.model import SEVERITIES, finding_sort_key
from okrsync.review import Review
from okrsync.review_build import score_change

DECIMALS: Final = 4


def number(value: float | None) -> float | None:
    """A float fit for the report: rounded to `DECIMALS`, None for missing or non-finite."""
    if value is None or not math.isfinite(value):
        return None
    rounded = round(value, DECIMALS)
    return 0.0 if rounded == 0 else rounded


def render_json(review: Review) -> dict[str, Any]:
    """The JSON report of a review as a plain dict (`json.dumps` it to print)."""
    workspace, evaluation = review.workspace, review.evaluation
    objectives: list[dict[str, Any]] = []
    for objective in workspace.objective_by_id().values():
        result = evaluation.objectives.get(objective.id)
        if result is None:
            continue
        objectives.append(
            {
                "id": objective.id,
                "title": objective.title,
                "cycle": objective.cycle,
                "level": objective.level,
                "team": objective.team,
                "kind": objective.kind,
                "owners": list(objective.owners),
                "parents": list(objective.parents),
                "score": number(result.score),
                "progress": number(result.progress),
                "grade": number(result.grade),
                "health": result.health,
                "expected": number(result.expected),
                "gap": number(result.gap),
                "bar": number(result.bar),
                "miss": result.miss,
                "counted_key_results": result.counted_key_results,
                "rolled_up_children": list(result.rolled_up_children),
                "unscored": result.unscored,
                "change": number(score_change(result.score, objective.id, review.previous_scores)),
            }
        )
    key_results: list[dict[str, Any]] = []
    for kr in workspace.key_results:
        kr_result = evaluation.key_results.get(kr.id)
        if kr_result is None:
            continue
        key_results.append(
            {
                "id": kr.id,
                "objective": kr.objective,
                "title": kr.title,
                "kind": kr_result.kind,
                "unit": kr.unit,
                "start": number(kr.start),
                "current": number(kr.current),
                "target": number(kr.target),
                "weight": number(kr.weight),
                "progress": number(kr_result.progress),
                "score": number(kr_result.score),
                "grade": number(kr_result.grade),
                "attainment_over": number(kr_result.attainment_over),
                "band_share": number(kr_result.band_share),
                "health": kr_result.health,
                "expected": number(kr_result.expected),
                "gap": number(kr_result.gap),
                "unscored": kr_result.unscored,
                "change": number(score_change(kr_result.score, kr.id, review.previous_scores)),
            }
        )
    findings = [
        {
            "code": f.code,
            "severity": f.severity,
            "subject": f.subject,
            "message": f.message,
            "hint": f.hint,
            "family": f.family,
            "name": f.name,
        }
        for f in sorted(review.findings, key=finding_sort_key)
    ]
    cycles = []
    for cycle in sorted(workspace.cycles, key=lambda c: (c.start, c.id)):
        status = evaluation.cycles.get(cycle.id)
        cycles.append(
            {
                "id": cycle.id,
                "name": cycle.name,
                "start": cycle.start.isoformat(),
                "end": cycle.end.isoformat(),
                "phase": status.phase if status is not None else "unknown",
                "elapsed_share": number(status.elapsed_share) if status is not None else None,
            }
        )
    health_counts = {h: sum(1 for o in objectives if o["health"] == h) for h in HEALTHS}
    return {
        "at": evaluation.at.isoformat(),
        "generated_at": review.generated_at.isoformat(),
        "source": review.source,
        "settings": evaluation.settings.model_dump(mode="json"),
        "summary": {
            "objectives": len(objectives),
            "key_results": len(key_results),
            "health": {h: n for h, n in health_counts.items() if n},
            "findings": {s: sum(1 for f in findings if f["severity"] == s) for s in SEVERITIES},
        },
        "cycles": cycles,
        "objectives": objectives,
        "key_results": key_results,
        "findings": findings,
    }
