"""Render a review as Markdown (CommonMark with GitHub tables): one section per cycle review.

Every piece of workspace text goes through `escape` (and `cell` inside tables), so titles,
names and messages can never open a table cell, a link, emphasis or an HTML tag.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from okrsync.model import SEVERITIES, Finding
from okrsync.render.figures import (
    DASH,
    KIND_LABELS,
    SEVERITY_HEADINGS,
    UNSCORED_LABELS,
    WHAT_CHANGED_HEADER,
    check_in_text,
    children_text,
    confidence_text,
    cycle_title,
    dated_change_text,
    forecast_text,
    grade_text,
    health_label,
    health_text,
    pace_text,
    percent_text,
    reading_order,
    review_title,
    value_text,
    what_changed_cells,
    what_changed_empty,
    what_changed_heading,
)
from okrsync.review import AlignmentNode, CycleReview, KeyResultRow, ObjectiveRow, Review
from okrsync.review_build import UNKNOWN_SUBJECT, build_cycle_reviews

# CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones that can
# start markup in running text or in a table cell.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!~&])")


def escape(text: str) -> str:
    """Workspace text made inert in Markdown: markup characters escaped, line breaks flattened."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def cell(text: str) -> str:
    """Table-cell text: escaped (pipes included) and never empty, so columns stay aligned."""
    return escape(text) or " "


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A GitHub table; cells must already be escaped with `cell`."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _finding_line(finding: Finding, names: Mapping[str, str]) -> str:
    subject = names.get(finding.subject, UNKNOWN_SUBJECT)
    line = f"- **{finding.severity}** {escape(finding.code)} · {escape(subject)}: "
    line += escape(finding.message)
    if finding.hint:
        line += f" *Fix:* {escape(finding.hint)}"
    return line


def _score_text(grade: float | None, unscored: str | None) -> str:
    if grade is None and unscored:
        return f"{DASH} ({UNSCORED_LABELS.get(unscored, unscored)})"
    return grade_text(grade)


def _objectives_table(rows: Sequence[ObjectiveRow]) -> list[str]:
    header = ["Objective", "Level", "Owner", "Score", "Health", "Expected", "Children", "Change"]
    header += ["Forecast"]
    body = [
        [
            cell(row.objective.title),
            cell(row.objective.level.capitalize()),
            cell(", ".join(row.owners) or DASH),
            cell(_score_text(row.result.grade, row.result.unscored)),
            cell(health_text(row.result.health, row.result.miss)),
            cell(f"{row.result.expected:.2f}" if row.result.expected is not None else DASH),
            cell(children_text(row.children) or DASH),
            cell(dated_change_text(row.trend.week)),
            cell(forecast_text(row.trend)),
        ]
        for row in rows
    ]
    return table(header, body)


def _key_results_table(rows: Sequence[KeyResultRow]) -> list[str]:
    header = ["Key result", "Owner", "Kind", "Start", "Current", "Target", "Progress", "Score"]
    header += ["Health", "Change", "Confidence", "Forecast"]
    body: list[list[str]] = []
    for row in rows:
        kr, result = row.key_result, row.result
        kind = KIND_LABELS.get(result.kind or "", DASH)
        progress = percent_text(result.progress)
        if result.band_share is not None:
            progress += f" (in band {percent_text(result.band_share)} of the time)"
        body.append(
            [
                cell(kr.title),
                cell(", ".join(row.owners) or DASH),
                cell(kind),
                cell(value_text(kr.start, kr.unit)),
                cell(value_text(kr.current, kr.unit)),
                cell(value_text(kr.target, kr.unit)),
                cell(progress),
                cell(_score_text(result.grade, result.unscored)),
                cell(health_label(result.health)),
                cell(dated_change_text(row.trend.week)),
                cell(confidence_text(row.trend)),
                cell(forecast_text(row.trend)),
            ]
        )
    return table(header, body)


def _objective_section(row: ObjectiveRow, names: Mapping[str, str]) -> list[str]:
    objective, result = row.objective, row.result
    lines = [
        f"### {escape(objective.title)}",
        "",
    ]
    facts = [
        f"Owner: {escape(', '.join(row.owners) or DASH)}",
        f"{objective.kind.capitalize()}",
        f"Score {grade_text(result.grade)}",
        health_text(result.health, result.miss),
    ]
    if objective.team:
        facts.insert(1, f"Team: {escape(objective.team)}")
    if row.children is not None:
        facts.append(f"Aligned objectives: {escape(children_text(row.children))}")
    if row.trend.cycle is not None:
        facts.append(f"Cycle: {escape(dated_change_text(row.trend.cycle))}")
    if row.trend.forecast is not None:
        facts.append(f"Forecast {forecast_text(row.trend)}")
    if objective.parents:
        aligned = ", ".join(names.get(p, UNKNOWN_SUBJECT) for p in objective.parents)
        facts.append(f"Aligned to: {escape(aligned)}")
    if result.miss:
        facts.append("**Committed and missed: add a note**")
    lines += [" · ".join(facts), ""]
    if objective.description:
        lines += [escape(objective.description), ""]
    if row.key_results:
        lines += [*_key_results_table(row.key_results), ""]
    else:
        lines += ["No key results.", ""]
    notes = list(row.findings) + [f for kr in row.key_results for f in kr.findings]
    if notes:
        lines += [_finding_line(f, names) for f in notes] + [""]
    return lines


def _tree_lines(nodes: Sequence[AlignmentNode], depth: int = 0) -> list[str]:
    lines: list[str] = []
    for node in nodes:
        indent = "  " * depth
        if node.cycle_edge:
            lines.append(f"{indent}- {escape(node.title)} (alignment loop, not repeated)")
            continue
        label = f"{grade_text(node.grade)}, {health_label(node.health)}"
        lines.append(f"{indent}- {escape(node.title)} ({node.level}; {label})")
        lines += _tree_lines(node.children, depth + 1)
    return lines


def _meeting(review: CycleReview) -> list[str]:
    """Needs attention, missing check-ins and room for decisions: the top of a review."""
    lines = ["## Needs attention", ""]
    if review.attention:
        rows = [
            [
                cell(item.title + (" (committed)" if item.committed_miss else "")),
                cell(", ".join(item.owners) or DASH),
                cell(pace_text(item.grade, item.expected)),
                cell(health_text(item.health, item.miss)),
                cell("; ".join(item.lagging) or DASH),
            ]
            for item in review.attention
        ]
        lines += table(["Objective", "Owner", "Score", "Health", "Behind most"], rows)
    else:
        lines.append("Nothing is behind pace.")
    lines += ["", f"## {escape(what_changed_heading(review))}", ""]
    if review.what_changed:
        changed = [[cell(c) for c in what_changed_cells(item)] for item in review.what_changed]
        lines += table(list(WHAT_CHANGED_HEADER), changed)
    else:
        lines.append(what_changed_empty())
    lines += ["", "## Missing check-ins", ""]
    if review.missing_check_ins:
        rows = [
            [cell(m.owner), str(m.count), cell(check_in_text(m.oldest, review.at))]
            for m in review.missing_check_ins
        ]
        lines += table(["Owner", "Key results", "Oldest check-in"], rows)
    else:
        lines.append("Every running key result was checked in recently.")
    lines += ["", "## Decisions", "", "- ", "- ", "- ", ""]
    return lines


def _planning_notes(review: CycleReview) -> list[str]:
    if not review.planning_notes:
        return []
    lines = [
        "## Planning notes",
        "",
        "Advice on how these OKRs are written, shown in full during the first weeks of the "
        "cycle; worth taking into the next planning.",
        "",
    ]
    lines += [
        f"- {escape(n.code)} {escape(n.summary)}: {n.count} ({escape(', '.join(n.subjects))})"
        for n in review.planning_notes
    ]
    return [*lines, ""]


def render_cycle_review(review: CycleReview) -> str:
    """One cycle review (one page) as Markdown."""
    names = review.names
    head = review.headline
    lines = [f"# {escape(review_title(review))}", ""]
    meta = [f"As of {review.at.isoformat()}"]
    if review.source:
        meta.append(f"source {escape(review.source)}")
    meta.append(f"generated {review.generated_at.strftime('%Y-%m-%d %H:%M %Z').strip()}")
    lines += [" · ".join(meta), ""]
    if review.cycle is not None:
        cycle = review.cycle
        elapsed = percent_text(head.elapsed_share)
        lines.append(
            f"- **Cycle:** {escape(cycle_title(cycle))}, {cycle.start} to {cycle.end} "
            f"({elapsed} elapsed)"
        )
    lines += [
        f"- **Objectives:** {head.objectives} · **Key results:** {head.key_results} · "
        f"**Mean score:** {grade_text(head.mean_score)} · "
        f"**Aligned:** {percent_text(head.aligned_share)}",
        "- **Health:** "
        + (", ".join(f"{health_label(h)} {n}" for h, n in head.health_counts.items()) or DASH),
        "- **Findings:** "
        + ", ".join(
            f"{SEVERITY_HEADINGS[s]} {head.findings_by_severity.get(s, 0)}" for s in SEVERITIES
        ),
        "",
        *_meeting(review),
        "## Objectives",
        "",
    ]
    if review.objectives:
        lines += [*_objectives_table(review.objectives), ""]
        for row in review.objectives:
            lines += _objective_section(row, names)
    else:
        lines += ["No objectives.", ""]
    lines += ["## Alignment", ""]
    lines += [*(_tree_lines(review.alignment) or ["No objectives."]), ""]
    lines += ["## Findings", ""]
    if not any(review.findings.values()):
        lines += ["No findings.", ""]
    for severity in SEVERITIES:
        found = review.findings.get(severity, ())
        if found:
            lines += [f"### {SEVERITY_HEADINGS[severity]} ({len(found)})", ""]
            lines += [_finding_line(f, names) for f in found] + [""]
    lines += _planning_notes(review)
    return "\n".join(lines).rstrip() + "\n"


def render_markdown(review: Review, *, per_team: bool = False) -> str:
    """The whole review as one Markdown document: each cycle (and team) review in turn.

    Running cycles come first (see `figures.reading_order`).
    """
    reviews = reading_order(build_cycle_reviews(review, per_team=per_team), review.evaluation)
    parts = [render_cycle_review(r) for r in reviews]
    if not parts:
        return "# OKR Review\n\nNo objectives in this workspace.\n"
    return "\n---\n\n".join(parts)
