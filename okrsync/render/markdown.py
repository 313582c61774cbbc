"""Render a review as Markdown (CommonMark with GitHub tables): one section per cycle review.

Every piece of workspace text goes through `escape` (and `cell` inside tables), so titles,
names and messages can never open a table cell, a link, emphasis or an HTML tag.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from okrsync.i18n import Translator
from okrsync.model import SEVERITIES, Finding
from okrsync.render.figures import (
    DASH,
    ENGLISH,
    check_in_text,
    children_text,
    columns,
    confidence_text,
    cycle_title,
    date_text,
    dated_change_text,
    expected_text,
    forecast_text,
    grade_text,
    health_label,
    health_text,
    kind_label,
    level_label,
    moment_text,
    owners_text,
    pace_text,
    percent_text,
    period_text,
    reading_order,
    review_title,
    severity_heading,
    severity_word,
    unscored_label,
    value_text,
    what_changed_cells,
    what_changed_empty,
    what_changed_header,
    what_changed_heading,
)
from okrsync.review import AlignmentNode, CycleReview, KeyResultRow, ObjectiveRow, Review
from okrsync.review_build import UNKNOWN_SUBJECT, build_cycle_reviews
from okrsync.review_noise import finding_hint, finding_message

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


def _finding_line(finding: Finding, names: Mapping[str, str], t: Translator) -> str:
    subject = names.get(finding.subject) or t.gettext(UNKNOWN_SUBJECT)
    severity = severity_word(finding.severity, t)
    line = f"- **{severity}** {escape(finding.code)} · {escape(subject)}: "
    line += escape(finding_message(finding, t))
    hint = finding_hint(finding, t)
    if hint:
        fix = t.gettext("Fix:")
        line += f" *{fix}* {escape(hint)}"
    return line


def _score_text(grade: float | None, unscored: str | None, t: Translator) -> str:
    if grade is None and unscored:
        return f"{DASH} ({unscored_label(unscored, t)})"
    return grade_text(grade, t)


def _objectives_table(rows: Sequence[ObjectiveRow], t: Translator) -> list[str]:
    header = list(columns("objectives", t))
    body = [
        [
            cell(row.objective.title),
            cell(level_label(row.objective.level, t)),
            cell(owners_text(row.owners)),
            cell(_score_text(row.result.grade, row.result.unscored, t)),
            cell(health_text(row.result.health, row.result.miss, t)),
            cell(expected_text(row.result.expected, t)),
            cell(children_text(row.children, t) or DASH),
            cell(dated_change_text(row.trend.week, t)),
            cell(forecast_text(row.trend, t)),
        ]
        for row in rows
    ]
    return table(header, body)


def _key_results_table(rows: Sequence[KeyResultRow], t: Translator) -> list[str]:
    header = list(columns("key_results", t))
    body: list[list[str]] = []
    for row in rows:
        kr, result = row.key_result, row.result
        progress = percent_text(result.progress, t)
        if result.band_share is not None:
            progress += " " + t.gettext("(in band {share} of the time)").format(
                share=percent_text(result.band_share, t)
            )
        body.append(
            [
                cell(kr.title),
                cell(owners_text(row.owners)),
                cell(kind_label(result.kind, t)),
                cell(value_text(kr.start, kr.unit, t)),
                cell(value_text(kr.current, kr.unit, t)),
                cell(value_text(kr.target, kr.unit, t)),
                cell(progress),
                cell(_score_text(result.grade, result.unscored, t)),
                cell(health_label(result.health, t)),
                cell(dated_change_text(row.trend.week, t)),
                cell(confidence_text(row.trend, t)),
                cell(forecast_text(row.trend, t)),
            ]
        )
    return table(header, body)


def _objective_section(row: ObjectiveRow, names: Mapping[str, str], t: Translator) -> list[str]:
    objective, result = row.objective, row.result
    lines = [
        f"### {escape(objective.title)}",
        "",
    ]
    facts = [
        t.gettext("Owner: {owners}").format(owners=escape(owners_text(row.owners))),
        level_label(objective.kind, t),
        t.gettext("Score {score}").format(score=grade_text(result.grade, t)),
        health_text(result.health, result.miss, t),
    ]
    if objective.team:
        facts.insert(1, t.gettext("Team: {team}").format(team=escape(objective.team)))
    if row.children is not None:
        facts.append(
            t.gettext("Aligned objectives: {children}").format(
                children=escape(children_text(row.children, t))
            )
        )
    if row.trend.cycle is not None:
        cycle_change = escape(dated_change_text(row.trend.cycle, t))
        facts.append(t.gettext("Cycle: {change}").format(change=cycle_change))
    if row.trend.forecast is not None:
        facts.append(t.gettext("Forecast {score}").format(score=forecast_text(row.trend, t)))
    if objective.parents:
        nameless = t.gettext(UNKNOWN_SUBJECT)
        aligned = ", ".join(names.get(p, nameless) for p in objective.parents)
        facts.append(t.gettext("Aligned to: {parents}").format(parents=escape(aligned)))
    if result.miss:
        missed = t.gettext("Committed and missed: add a note")
        facts.append(f"**{missed}**")
    lines += [" · ".join(facts), ""]
    if objective.description:
        lines += [escape(objective.description), ""]
    if row.key_results:
        lines += [*_key_results_table(row.key_results, t), ""]
    else:
        lines += [t.gettext("No key results."), ""]
    notes = list(row.findings) + [f for kr in row.key_results for f in kr.findings]
    if notes:
        lines += [_finding_line(f, names, t) for f in notes] + [""]
    return lines


def _tree_lines(nodes: Sequence[AlignmentNode], t: Translator, depth: int = 0) -> list[str]:
    lines: list[str] = []
    for node in nodes:
        indent = "  " * depth
        if node.cycle_edge:
            loop = t.gettext("alignment loop, not repeated")
            lines.append(f"{indent}- {escape(node.title)} ({loop})")
            continue
        label = f"{grade_text(node.grade, t)}, {health_label(node.health, t)}"
        lines.append(f"{indent}- {escape(node.title)} ({level_label(node.level, t)}; {label})")
        lines += _tree_lines(node.children, t, depth + 1)
    return lines


def _meeting(review: CycleReview, t: Translator) -> list[str]:
    """Needs attention, missing check-ins and room for decisions: the top of a review."""
    lines = ["## " + t.gettext("Needs attention"), ""]
    if review.attention:
        committed = t.gettext("(committed)")
        rows = [
            [
                cell(item.title + (f" {committed}" if item.committed_miss else "")),
                cell(owners_text(item.owners)),
                cell(pace_text(item.grade, item.expected, t)),
                cell(health_text(item.health, item.miss, t)),
                cell("; ".join(item.lagging) or DASH),
            ]
            for item in review.attention
        ]
        header = list(columns("attention", t))
        lines += table(header, rows)
    else:
        lines.append(t.gettext("Nothing is behind pace."))
    lines += ["", f"## {escape(what_changed_heading(review, t))}", ""]
    if review.what_changed:
        changed = [[cell(c) for c in what_changed_cells(item, t)] for item in review.what_changed]
        lines += table(list(what_changed_header(t)), changed)
    else:
        lines.append(what_changed_empty(t))
    lines += ["", "## " + t.gettext("Missing check-ins"), ""]
    if review.missing_check_ins:
        rows = [
            [cell(m.owner), str(m.count), cell(check_in_text(m.oldest, review.at, t))]
            for m in review.missing_check_ins
        ]
        header = [t.gettext("Owner"), t.gettext("Key results"), t.gettext("Oldest check-in")]
        lines += table(header, rows)
    else:
        lines.append(t.gettext("Every running key result was checked in recently."))
    lines += ["", "## " + t.gettext("Decisions"), "", "- ", "- ", "- ", ""]
    return lines


def _planning_notes(review: CycleReview, t: Translator) -> list[str]:
    if not review.planning_notes:
        return []
    lines = [
        "## " + t.gettext("Planning notes"),
        "",
        t.gettext(
            "Advice on how these OKRs are written, shown in full during the first weeks of the "
            "cycle; worth taking into the next planning."
        ),
        "",
    ]
    lines += [
        f"- {escape(n.code)} {escape(n.summary)}: {n.count} ({escape(', '.join(n.subjects))})"
        for n in review.planning_notes
    ]
    return [*lines, ""]


def render_cycle_review(review: CycleReview, t: Translator = ENGLISH) -> str:
    """One cycle review (one page) as Markdown, in the language of `t`."""
    names = review.names
    head = review.headline
    lines = [f"# {escape(review_title(review, t))}", ""]
    meta = [t.gettext("As of {date}").format(date=date_text(review.at, t))]
    if review.source:
        meta.append(t.gettext("source {source}").format(source=escape(review.source)))
    meta.append(t.gettext("generated {moment}").format(moment=moment_text(review.generated_at, t)))
    lines += [" · ".join(meta), ""]
    if review.cycle is not None:
        cycle = review.cycle
        lines.append(
            t.gettext("- **Cycle:** {cycle}, {period} ({elapsed} elapsed)").format(
                cycle=escape(cycle_title(cycle, t)),
                period=period_text(cycle.start, cycle.end, t),
                elapsed=percent_text(head.elapsed_share, t),
            )
        )
    health = ", ".join(f"{health_label(h, t)} {n}" for h, n in head.health_counts.items())
    findings = ", ".join(
        f"{severity_heading(s, t)} {head.findings_by_severity.get(s, 0)}" for s in SEVERITIES
    )
    lines += [
        t.gettext(
            "- **Objectives:** {objectives} · **Key results:** {key_results} · "
            "**Mean score:** {mean} · **Aligned:** {aligned}"
        ).format(
            objectives=head.objectives,
            key_results=head.key_results,
            mean=grade_text(head.mean_score, t),
            aligned=percent_text(head.aligned_share, t),
        ),
        t.gettext("- **Health:** {counts}").format(counts=health or DASH),
        t.gettext("- **Findings:** {counts}").format(counts=findings),
        "",
        *_meeting(review, t),
        "## " + t.gettext("Objectives"),
        "",
    ]
    if review.objectives:
        lines += [*_objectives_table(review.objectives, t), ""]
        for row in review.objectives:
            lines += _objective_section(row, names, t)
    else:
        lines += [t.gettext("No objectives."), ""]
    lines += ["## " + t.gettext("Alignment"), ""]
    lines += [*(_tree_lines(review.alignment, t) or [t.gettext("No objectives.")]), ""]
    lines += ["## " + t.gettext("Findings"), ""]
    if not any(review.findings.values()):
        lines += [t.gettext("No findings."), ""]
    for severity in SEVERITIES:
        found = review.findings.get(severity, ())
        if found:
            lines += [f"### {severity_heading(severity, t)} ({len(found)})", ""]
            lines += [_finding_line(f, names, t) for f in found] + [""]
    lines += _planning_notes(review, t)
    return "\n".join(lines).rstrip() + "\n"


def render_markdown(review: Review, *, per_team: bool = False, t: Translator = ENGLISH) -> str:
    """The whole review as one Markdown document: each cycle (and team) review in turn, in
    the language of `t`.

    Running cycles come first (see `figures.reading_order`).
    """
    cycle_reviews = build_cycle_reviews(review, per_team=per_team, t=t)
    reviews = reading_order(cycle_reviews, review.evaluation)
    parts = [render_cycle_review(r, t) for r in reviews]
    if not parts:
        title, empty = t.gettext("OKR Review"), t.gettext("No objectives in this workspace.")
        return f"# {title}\n\n{empty}\n"
    return "\n---\n\n".join(parts)
