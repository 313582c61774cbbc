"""Render a review as one self-contained HTML document with inline CSS.

Written for the OKR Master reading it in a browser or attaching it to a mail: headline figures,
a table of objectives with coloured health labels, each objective's key results with progress
bars, the alignment tree as nested lists, and the findings by severity with their fix hints.

Every piece of workspace text passes through `esc` (`html.escape` with quotes), the one choke
point, so a title like ``<script>`` is shown as text and never becomes markup. Numbers that go
into attributes are formatted by this module, never taken from the workspace.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from okrsync.charts.draw import chart_html, sparkline_html
from okrsync.charts.labels import chart_labels
from okrsync.charts.review_charts import CycleCharts, charts_by_review
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
    health_colour,
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

STYLE = """
:root { --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --paper: #ffffff; --wash: #f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--wash); color: var(--ink);
  font: 15px/1.5 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
section.review { background: var(--paper); border: 1px solid var(--line); border-radius: 8px;
  padding: 24px 28px; margin-bottom: 32px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 28px 0 10px; border-bottom: 1px solid var(--line);
  padding-bottom: 4px; }
h3 { font-size: 16px; margin: 22px 0 6px; }
.meta, .muted { color: var(--muted); font-size: 13px; }
.figures { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; padding: 0;
  list-style: none; }
.figures li { background: var(--wash); border: 1px solid var(--line); border-radius: 6px;
  padding: 8px 12px; flex: 1 1 0; min-width: 90px; }
.figures .value { display: block; font-size: 22px; font-weight: 600; }
.figures .label { font-size: 12px; color: var(--muted); text-transform: uppercase; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 12px; font-size: 14px; }
th, td { text-align: left; padding: 6px 6px; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { background: var(--wash); font-weight: 600; font-size: 13px; hyphens: manual; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.change { font-size: 13px; font-variant-numeric: tabular-nums; min-width: 7em; }
.health { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
  font-weight: 600; white-space: nowrap; }
.c-green { background: #e3f9e5; color: #0e5814; }
.c-yellow { background: #fff3c4; color: #7a4b00; }
.c-red { background: #ffe3e3; color: #a61b1b; }
.c-grey { background: #e4e7eb; color: #3e4c59; }
.miss { color: #a61b1b; font-weight: 600; }
.meeting { border: 2px solid #3e7bfa; border-radius: 8px; padding: 4px 18px 12px;
  margin: 18px 0 8px; background: #f7faff; }
.meeting h2 { margin-top: 14px; border-bottom-color: #c5d6fb; }
.meeting .lagging { color: var(--muted); font-size: 13px; }
.decisions li { border-bottom: 1px dotted var(--muted); min-height: 26px; list-style: none; }
.decisions { padding-left: 0; }
.masks { color: #a61b1b; font-weight: 600; }
table.compact { width: auto; min-width: 60%; }
.tag { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 4px;
  font-size: 11px; font-weight: 700; text-transform: uppercase; background: #ffe3e3;
  color: #a61b1b; }
.notes li { margin: 4px 0; }
.progress { white-space: nowrap; }
.bar { width: 80px; height: 8px; background: #e4e7eb; border-radius: 4px; overflow: hidden;
  display: inline-block; vertical-align: middle; margin-right: 6px; }
.bar span { display: block; height: 100%; background: #3e7bfa; }
.objective { border-left: 4px solid var(--line); padding-left: 14px; margin: 18px 0; }
.tree, .tree ul { list-style: none; padding-left: 18px; margin: 2px 0; }
.tree { padding-left: 0; }
.tree li { margin: 3px 0; }
.tree ul { border-left: 1px dashed var(--line); }
.level { font-size: 11px; color: var(--muted); text-transform: uppercase; margin-right: 4px; }
.findings { list-style: none; padding-left: 0; }
.findings li { margin: 6px 0; }
.sev { display: inline-block; min-width: 64px; font-size: 11px; font-weight: 700;
  text-transform: uppercase; }
.sev-error { color: #a61b1b; } .sev-warning { color: #8d2b0b; } .sev-info { color: #3e4c59; }
.code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px;
  background: var(--wash); padding: 1px 4px; border-radius: 3px; }
.hint { display: block; color: var(--muted); font-size: 13px; margin-left: 68px; }
nav ul { padding-left: 18px; }
figure.chart { margin: 12px 0; max-width: 800px; }
figure.chart svg { width: 100%; height: auto; }
.sparkline svg { vertical-align: middle; }
"""


def esc(text: object) -> str:
    """The one escaping choke point: any value as HTML text, quotes included."""
    return html.escape(str(text), quote=True)


def health_badge(health: str, miss: bool = False, t: Translator = ENGLISH) -> str:
    """A coloured label for a health value; a committed miss says so, in red."""
    colour = health_colour(health, miss)
    return f'<span class="health c-{esc(colour)}">{esc(health_text(health, miss, t))}</span>'


def progress_bar(score: float | None, progress: float | None, t: Translator = ENGLISH) -> str:
    """A bar filled to the score, with the unclamped progress as a percentage beside it."""
    if score is None:
        return DASH
    width = f"{max(0.0, min(1.0, score)) * 100:.0f}"
    return f'<span class="bar"><span style="width:{width}%"></span></span>' + esc(
        percent_text(progress, t)
    )


def _score(grade: float | None, unscored: str | None, t: Translator) -> str:
    if grade is None and unscored:
        label = unscored_label(unscored, t)
        return f'{DASH} <span class="muted">({esc(label)})</span>'
    return esc(grade_text(grade, t))


def _finding_item(finding: Finding, names: Mapping[str, str], t: Translator) -> str:
    subject = names.get(finding.subject) or t.gettext(UNKNOWN_SUBJECT)
    hint_text = finding_hint(finding, t)
    fix = t.gettext("Fix:")
    hint = f'<span class="hint">{esc(fix)} {esc(hint_text)}</span>' if hint_text else ""
    severity = severity_word(finding.severity, t)
    return (
        f'<li><span class="sev sev-{esc(finding.severity)}">{esc(severity)}</span>'
        f'<span class="code">{esc(finding.code)}</span> <strong>{esc(subject)}</strong>: '
        f"{esc(finding_message(finding, t))}{hint}</li>"
    )


def _head(labels: Sequence[str]) -> str:
    return "".join(f"<th>{esc(label)}</th>" for label in labels)


def _objectives_table(rows: Sequence[ObjectiveRow], suffix: str, t: Translator) -> str:
    head = _head(columns("objectives", t))
    body = []
    for row in rows:
        result = row.result
        link = f'<a href="#{esc(_anchor(row.objective.id, suffix))}">{esc(row.objective.title)}</a>'
        body.append(
            "<tr>"
            f"<td>{link}</td>"
            f"<td>{esc(level_label(row.objective.level, t))}</td>"
            f"<td>{esc(owners_text(row.owners))}</td>"
            f'<td class="num">{_score(result.grade, result.unscored, t)}</td>'
            f"<td>{health_badge(result.health, result.miss, t)}</td>"
            f'<td class="num">{esc(expected_text(result.expected, t))}</td>'
            f"<td{_masks_class(row)}>{esc(children_text(row.children, t) or DASH)}</td>"
            f'<td class="change">{esc(dated_change_text(row.trend.week, t))}</td>'
            f'<td class="num">{esc(forecast_text(row.trend, t))}</td>'
            "</tr>"
        )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _key_results_table(
    rows: Sequence[KeyResultRow], t: Translator, charts: CycleCharts | None = None
) -> str:
    head = _head(columns("key_results", t))
    body = []
    for row in rows:
        kr, result = row.key_result, row.result
        band = ""
        if result.band_share is not None:
            share = percent_text(result.band_share, t)
            in_band = t.gettext("in band {share} of the time").format(share=share)
            band = f'<br><span class="muted">{esc(in_band)}</span>'
        body.append(
            "<tr>"
            f"<td>{esc(kr.title)}</td>"
            f"<td>{esc(owners_text(row.owners))}</td>"
            f"<td>{esc(kind_label(result.kind, t))}</td>"
            f'<td class="num">{esc(value_text(kr.start, kr.unit, t))}</td>'
            f'<td class="num">{esc(value_text(kr.current, kr.unit, t))}</td>'
            f'<td class="num">{esc(value_text(kr.target, kr.unit, t))}</td>'
            f'<td class="progress">{progress_bar(result.score, result.progress, t)}{band}'
            f"{_sparkline(kr.id, charts, t)}</td>"
            f'<td class="num">{_score(result.grade, result.unscored, t)}</td>'
            f"<td>{health_badge(result.health, False, t)}</td>"
            f'<td class="change">{esc(dated_change_text(row.trend.week, t))}</td>'
            f"<td>{esc(confidence_text(row.trend, t))}</td>"
            f'<td class="num">{esc(forecast_text(row.trend, t))}</td>'
            "</tr>"
        )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _sparkline(kr_id: str, charts: CycleCharts | None, t: Translator) -> str:
    """A key result's sparkline under its progress bar (drawn by okrsync.charts, which
    escapes its text); nothing without a trend. In the progress cell, not a column of its
    own: the table is as wide as a laptop screen already."""
    series = charts.key_results.get(kr_id) if charts is not None else None
    line = sparkline_html(series, chart_labels(t)) if series is not None else ""
    return f"<br>{line}" if line else ""


def _masks_class(row: ObjectiveRow) -> str:
    return ' class="masks"' if row.children is not None and row.children.masks else ""


def _muted(text: str) -> str:
    return f'<p class="muted">{esc(text)}</p>'


def _meeting(review: CycleReview, suffix: str, t: Translator) -> str:
    """Needs attention, missing check-ins and room for decisions: the top of a review."""
    parts = [
        f'<div class="meeting" id="{esc("meeting" + suffix)}">',
        f"<h2>{esc(t.gettext('Needs attention'))}</h2>",
    ]
    if review.attention:
        head = _head(columns("attention", t))
        committed = esc(t.gettext("committed"))
        rows = []
        for item in review.attention:
            note = f' <span class="tag">{committed}</span>' if item.committed_miss else ""
            lagging = esc("; ".join(item.lagging)) or DASH
            rows.append(
                "<tr>"
                f'<td><a href="#{esc(_anchor(item.objective_id, suffix))}">{esc(item.title)}</a>'
                f"{note}</td>"
                f"<td>{esc(owners_text(item.owners))}</td>"
                f'<td class="num">{esc(pace_text(item.grade, item.expected, t))}</td>'
                f"<td>{health_badge(item.health, item.miss, t)}</td>"
                f'<td class="lagging">{lagging}</td>'
                "</tr>"
            )
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    else:
        parts.append(_muted(t.gettext("Nothing is behind pace.")))
    parts.append(f"<h2>{esc(what_changed_heading(review, t))}</h2>")
    if review.what_changed:
        head = _head(what_changed_header(t))
        rows = [
            "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in what_changed_cells(item, t)) + "</tr>"
            for item in review.what_changed
        ]
        parts.append(
            f'<table class="compact what-changed"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
    else:
        parts.append(_muted(what_changed_empty(t)))
    parts.append(f"<h2>{esc(t.gettext('Missing check-ins'))}</h2>")
    if review.missing_check_ins:
        head = _head(
            (
                t.gettext("Owner"),
                t.gettext("Key results"),
                t.gettext("Oldest check-in"),
                t.gettext("Which"),
            )
        )
        rows = [
            "<tr>"
            f"<td>{esc(m.owner)}</td>"
            f'<td class="num">{m.count}</td>'
            f"<td>{esc(check_in_text(m.oldest, review.at, t))}</td>"
            f'<td class="lagging">{esc("; ".join(m.key_results))}</td>'
            "</tr>"
            for m in review.missing_check_ins
        ]
        parts.append(
            f'<table class="compact"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
    else:
        parts.append(_muted(t.gettext("Every running key result was checked in recently.")))
    parts += [
        f"<h2>{esc(t.gettext('Decisions'))}</h2>",
        '<ul class="decisions"><li></li><li></li><li></li></ul>',
        "</div>",
    ]
    return "".join(parts)


def _planning_notes(review: CycleReview, t: Translator) -> str:
    if not review.planning_notes:
        return ""
    items = "".join(
        f'<li><span class="code">{esc(n.code)}</span> {esc(n.summary)}: {n.count} '
        f"({esc(', '.join(n.subjects))})</li>"
        for n in review.planning_notes
    )
    advice = t.gettext(
        "Advice on how these OKRs are written, shown in full during the first weeks of the "
        "cycle; worth taking into the next planning."
    )
    return (
        f'<h2>{esc(t.gettext("Planning notes"))}</h2>{_muted(advice)}<ul class="notes">{items}</ul>'
    )


def _anchor(objective_id: str, suffix: str) -> str:
    """The id of an objective's block: unique within one document (see `render_cycle_review`)."""
    return "obj-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in objective_id) + suffix


def _objective_block(
    row: ObjectiveRow,
    names: Mapping[str, str],
    suffix: str,
    t: Translator,
    charts: CycleCharts | None = None,
) -> str:
    objective, result = row.objective, row.result
    facts = [esc(t.gettext("Owner: {owners}").format(owners=owners_text(row.owners)))]
    if objective.team:
        facts.append(esc(t.gettext("Team: {team}").format(team=objective.team)))
    score = t.gettext("Score {score}").format(score="\x00")
    facts += [
        esc(level_label(objective.kind, t)),
        esc(score).replace("\x00", _score(result.grade, result.unscored, t)),
    ]
    facts.append(health_badge(result.health, result.miss, t))
    if row.children is not None:
        aligned_children = t.gettext("Aligned objectives: {children}").format(
            children=children_text(row.children, t)
        )
        facts.append(f"<span{_masks_class(row)}>{esc(aligned_children)}</span>")
    if objective.parents:
        nameless = t.gettext(UNKNOWN_SUBJECT)
        aligned = ", ".join(names.get(p, nameless) for p in objective.parents)
        facts.append(esc(t.gettext("Aligned to: {parents}").format(parents=aligned)))
    if row.trend.cycle is not None:
        cycle_change = dated_change_text(row.trend.cycle, t)
        facts.append(esc(t.gettext("Cycle: {change}").format(change=cycle_change)))
    if row.trend.forecast is not None:
        forecast = t.gettext("Forecast {score}").format(score=forecast_text(row.trend, t))
        facts.append(esc(forecast))
    parts = [
        f'<div class="objective" id="{esc(_anchor(objective.id, suffix))}">',
        f"<h3>{esc(objective.title)}</h3>",
        f'<p class="meta">{" · ".join(facts)}</p>',
    ]
    if result.miss:
        missed = t.gettext("Committed and missed: add a note on what happened.")
        parts.append(f'<p class="miss">{esc(missed)}</p>')
    if objective.description:
        parts.append(f"<p>{esc(objective.description)}</p>")
    chart = charts.objectives.get(objective.id) if charts is not None else None
    if chart is not None:
        # progress over time against the expected pace; okrsync.charts escapes its text
        scope = _anchor(objective.id, suffix)
        parts.append(chart_html(chart.series, "objective", chart_labels(t), scope=scope))
    if row.key_results:
        parts.append(_key_results_table(row.key_results, t, charts))
    else:
        parts.append(_muted(t.gettext("No key results.")))
    notes = list(row.findings) + [f for kr in row.key_results for f in kr.findings]
    if notes:
        items = "".join(_finding_item(f, names, t) for f in notes)
        parts.append(f'<ul class="findings">{items}</ul>')
    parts.append("</div>")
    return "".join(parts)


def _tree(nodes: Sequence[AlignmentNode], t: Translator) -> str:
    items = []
    loop = esc(t.gettext("alignment loop, not repeated"))
    for node in nodes:
        if node.cycle_edge:
            items.append(f'<li>{esc(node.title)} <span class="muted">({loop})</span></li>')
            continue
        children = f"<ul>{_tree(node.children, t)}</ul>" if node.children else ""
        items.append(
            f'<li><span class="level">{esc(level_label(node.level, t))}</span>'
            f"{esc(node.title)} <strong>{esc(grade_text(node.grade, t))}</strong> "
            f"{health_badge(node.health, False, t)}{children}</li>"
        )
    return "".join(items)


def _figure(value: str, label: str) -> str:
    return (
        f'<li><span class="value">{esc(value)}</span><span class="label">{esc(label)}</span></li>'
    )


def render_cycle_review(
    review: CycleReview,
    *,
    lead: bool = True,
    t: Translator = ENGLISH,
    charts: CycleCharts | None = None,
) -> str:
    """One cycle review as an HTML `<section>`, in the language of `t`.

    The lead review of a document gets the short anchors `#objectives`, `#alignment` and
    `#findings`; the others get them suffixed with their title key, so ids stay unique.
    With `charts`, the burn-up follows the headline, each objective shows its progress chart
    and each key result its sparkline (inline SVG).
    """
    suffix = "" if lead else f"-{review.title_key}"
    names = review.names
    head = review.headline
    meta = [t.gettext("As of {date}").format(date=date_text(review.at, t))]
    if review.cycle is not None:
        cycle = review.cycle
        meta.append(
            t.gettext("{cycle}: {period}").format(
                cycle=cycle_title(cycle, t), period=period_text(cycle.start, cycle.end, t)
            )
        )
    if review.source:
        meta.append(t.gettext("source {source}").format(source=review.source))
    meta.append(t.gettext("generated {moment}").format(moment=moment_text(review.generated_at, t)))
    figures = [
        _figure(grade_text(head.mean_score, t), t.gettext("mean score")),
        _figure(str(head.objectives), t.ngettext("objective", "objectives", head.objectives)),
        _figure(str(head.key_results), t.ngettext("key result", "key results", head.key_results)),
        _figure(percent_text(head.elapsed_share, t), t.gettext("of cycle elapsed")),
        _figure(percent_text(head.aligned_share, t), t.gettext("aligned")),
        *(
            _figure(str(head.findings_by_severity.get(s, 0)), severity_heading(s, t).lower())
            for s in SEVERITIES
        ),
    ]
    health = " ".join(
        f"{health_badge(h, False, t)} {n}" for h, n in head.health_counts.items()
    ) or esc(DASH)
    health_line = esc(t.gettext("Health: {counts}").format(counts="\x00")).replace("\x00", health)
    parts = [
        f'<section class="review" id="{esc(review.title_key)}">',
        f"<h1>{esc(review_title(review, t))}</h1>",
        f'<p class="meta">{esc(" · ".join(meta))}</p>',
        f'<ul class="figures">{"".join(figures)}</ul>',
        f"<p>{health_line}</p>",
        chart_html(charts.burn_up.series, "cycle", chart_labels(t), scope="burn-up" + suffix)
        if charts is not None
        else "",
        _meeting(review, suffix, t),
        f'<h2 id="{esc("objectives" + suffix)}">{esc(t.gettext("Objectives"))}</h2>',
    ]
    if review.objectives:
        parts.append(_objectives_table(review.objectives, suffix, t))
        parts += [_objective_block(row, names, suffix, t, charts) for row in review.objectives]
    else:
        parts.append(_muted(t.gettext("No objectives.")))
    parts += [
        f'<h2 id="{esc("alignment" + suffix)}">{esc(t.gettext("Alignment"))}</h2>',
        f'<ul class="tree">{_tree(review.alignment, t)}</ul>',
        f'<div class="findings-all" id="{esc("findings" + suffix)}">',
        f"<h2>{esc(t.gettext('Findings'))}</h2>",
    ]
    if not any(review.findings.values()):
        parts.append(_muted(t.gettext("No findings.")))
    for severity in SEVERITIES:
        found = review.findings.get(severity, ())
        if found:
            items = "".join(_finding_item(f, names, t) for f in found)
            parts.append(f"<h3>{esc(severity_heading(severity, t))} ({len(found)})</h3>")
            parts.append(f'<ul class="findings">{items}</ul>')
    parts += ["</div>", _planning_notes(review, t), "</section>"]
    return "\n".join(parts)


def render_html(review: Review, *, per_team: bool = False, t: Translator = ENGLISH) -> str:
    """The whole review as one HTML document: a contents list, then each cycle review, in the
    language of `t` (also its `lang` attribute), with its charts drawn from the value history
    the review holds."""
    cycle_reviews = build_cycle_reviews(review, per_team=per_team, t=t)
    reviews = reading_order(cycle_reviews, review.evaluation)
    title = t.gettext("OKR Review")
    if review.source:
        title = t.gettext("OKR Review - {source}").format(source=review.source)
    charts = charts_by_review(review, reviews)
    body = [
        render_cycle_review(r, lead=i == 0, t=t, charts=charts[r.title_key])
        for i, r in enumerate(reviews)
    ]
    if len(reviews) > 1:
        links = "".join(
            f'<li><a href="#{esc(r.title_key)}">{esc(review_title(r, t))}</a></li>' for r in reviews
        )
        contents = esc(t.gettext("Contents"))
        body.insert(0, f"<nav><strong>{contents}</strong><ul>{links}</ul></nav>")
    if not reviews:
        empty = esc(t.gettext("No objectives in this workspace."))
        body = [f'<section class="review"><p>{empty}</p></section>']
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{esc(t.locale)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )
