"""The review page body for one CycleReview, and okrsync's managed macro on OKR pages.

The body is built with `storage_write` (one escaping choke point) and ends with a notes section
for people: a heading, an info panel saying it is kept, and everything after the anchor macro
`okrsync-notes-begin` (new pages get a prompt and an `okrsync-notes-end` anchor there).
Regeneration puts back whatever the stored page holds after the begin marker byte for byte.
The content hash covers what okrsync rendered with the notes region empty, so neither people's
notes nor Confluence's own rewriting of macro ids and attributes count as a change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from lxml import etree

from okrsync.charts.review_charts import CycleCharts
from okrsync.connector import Writeback, content_hash
from okrsync.evaluation import HEALTHS, Health
from okrsync.i18n import N_, Translator, languages, translator
from okrsync.i18n.format import format_amount
from okrsync.i18n.message import NC_
from okrsync.mapping.schema import OutputMap
from okrsync.model import Finding, Severity
from okrsync.render.figures import (
    ENGLISH,
    check_in_cells,
    check_in_text,
    check_ins_heading,
    children_text,
    columns,
    confidence_text,
    date_text,
    dated_change_text,
    fixed,
    forecast_text,
    health_colour,
    health_text,
    level_label,
    owners_text,
    pace_text,
    page_title,
    percent_text,
    severity_heading,
    what_changed_cells,
    what_changed_empty,
    what_changed_header,
    what_changed_heading,
)
from okrsync.review import AlignmentNode, CycleReview, KeyResultRow, ObjectiveRow
from okrsync.review_build import UNKNOWN_SUBJECT
from okrsync.review_noise import finding_hint, finding_message
from okrsync_confluence import storage_write as sw
from okrsync_confluence.page_spans import element_spans, top_level_of
from okrsync_confluence.storage_read import slug

NOTES_BEGIN = "okrsync-notes-begin"
NOTES_END = "okrsync-notes-end"
NOTES_HEADING = N_("Notes (kept by okrsync)")
MANAGED_MACRO_ID = "okrsync-outputs"
REVIEW_MACRO_ID = "okrsync-review"
REVIEW_LABEL = "okr-review"
_SLOT = "<okrsync-slot/>"
NOTES_PROMPT = N_(
    "Add your notes here: decisions, context, follow-ups. okrsync keeps everything in this "
    "section when it regenerates the page."
)

CHART_WIDTH = 800
"""Pixels: the charts' own width (okrsync.charts.draw), shown unscaled."""
SEVERITY_PANEL: dict[Severity, str] = {"error": "warning", "warning": "note", "info": "info"}
"""The panel each severity's findings are listed in."""


@dataclass(frozen=True)
class RenderedReview:
    """A review page as okrsync renders it, with the notes region left open."""

    title: str
    before_notes: str
    after_notes: str
    labels: tuple[str, ...]
    title_key: str
    default_notes: str = ""
    """What a new page's notes section starts with (the prompt, in the page's language)."""

    def body(self, notes: str | None = None) -> str:
        """The full body with `notes` (storage format kept verbatim) or the default prompt."""
        default = self.default_notes or DEFAULT_NOTES
        body = self.before_notes + (default if notes is None else notes) + self.after_notes
        sw.verify(body, check_safety=False)
        return body

    @property
    def content_hash(self) -> str:
        """Hash of what okrsync rendered: title, labels and the body with empty notes."""
        return content_hash(
            {
                "title": self.title,
                "labels": list(self.labels),
                "before": self.before_notes,
                "after": self.after_notes,
            }
        )


def health_label(
    health: Health | str, miss: bool = False, t: Translator = ENGLISH
) -> tuple[str, str]:
    """The lozenge title and colour for a health value; a committed miss says so, in red."""
    return (health_text(health, miss, t), health_colour(health, miss).capitalize())


def lozenge_colour(title: str) -> str:
    """The colour of a lozenge okrsync wrote, from its title ("Green (miss)" is red), in any
    language okrsync speaks."""
    for language in languages():
        t = translator(language)
        for health in HEALTHS:
            for miss in (False, True):
                label, colour = health_label(health, miss, t)
                if title == label:
                    return colour
    return "Grey"


def format_grade(value: float | None, t: Translator = ENGLISH) -> str:
    """A score on the 0.0-1.0 scale as shown to people; 'n/a' when unscored."""
    return t.gettext("n/a") if value is None else fixed(value, 1, t)


def _number(value: float | None, unit: str | None, t: Translator) -> str:
    return format_amount(value, unit, locale=t.locale)


def review_title(review: CycleReview, writeback: Writeback, t: Translator = ENGLISH) -> str:
    """The page title from the configured pattern ({cycle}, {team}), in the language of `t`."""
    return page_title(review, writeback.review_title, writeback.team_review_title, t)


def review_labels(review: CycleReview) -> tuple[str, ...]:
    """okr-review, the cycle's name ("q3-2026", its id when unnamed), the team on team pages.

    Labels are shown to people, so they use the name: a cycle's id may be an opaque page id.
    """
    labels = [REVIEW_LABEL]
    cycle = review.cycle
    if cycle is not None and slug(cycle.name or cycle.id):
        labels.append(slug(cycle.name or cycle.id))
    if review.team and slug(review.team):
        labels.append("team-" + slug(review.team))
    return tuple(dict.fromkeys(labels))


def _headline(root: etree._Element, review: CycleReview, t: Translator) -> None:
    head = review.headline
    sw.el(root, "h2", t.gettext("Headline"))
    para = sw.el(root, "p")
    objectives = t.ngettext("{count} objective", "{count} objectives", head.objectives)
    key_results = t.ngettext("{count} key result", "{count} key results", head.key_results)
    sw.el(
        para,
        "strong",
        objectives.format(count=head.objectives)
        + ", "
        + key_results.format(count=head.key_results),
    )
    sentence = [t.gettext("Mean score {score}").format(score=format_grade(head.mean_score, t))]
    if head.elapsed_share is not None:
        sentence.append(
            t.gettext("{share} of the cycle elapsed").format(
                share=percent_text(head.elapsed_share, t)
            )
        )
    if head.aligned_share is not None:
        sentence.append(
            t.gettext("{share} of objectives aligned").format(
                share=percent_text(head.aligned_share, t)
            )
        )
    as_of = t.gettext("Scores as of {date}.").format(date=date_text(review.at, t))
    sw.append_text(para, ". " + "; ".join(sentence) + ". " + as_of)
    counts = sw.el(root, "p")
    for health, count in head.health_counts.items():
        if count:
            title, colour = health_label(health, False, t)
            sw.status(counts, f"{title}: {count}", colour)
            sw.append_text(counts, " ")


def _figures(root: etree._Element, review: CycleReview, t: Translator) -> None:
    """The headline figures as a Page Properties macro, for Confluence's reports across pages.

    Kept near the end of the page: the meeting view is what people read first.
    """
    head = review.headline
    sw.el(root, "h2", t.gettext("Figures"))
    rows: list[tuple[object, object]] = [
        (t.gettext("Cycle"), review.cycle.name if review.cycle else "–"),
    ]
    if review.team:
        rows.append((t.gettext("Team"), review.team))
    rows += [
        (t.gettext("Objectives"), head.objectives),
        (t.gettext("Key results"), head.key_results),
        (t.gettext("Mean score"), format_grade(head.mean_score, t)),
        (t.gettext("Cycle elapsed"), percent_text(head.elapsed_share, t)),
        (t.gettext("Aligned"), percent_text(head.aligned_share, t)),
    ]
    for health, count in head.health_counts.items():
        rows.append((health_label(health, False, t)[0], count))
    for severity in ("error", "warning", "info"):
        rows.append((severity_heading(severity, t), head.findings_by_severity.get(severity, 0)))
    sw.details(root, rows, macro_id=REVIEW_MACRO_ID)


def _objectives_table(
    root: etree._Element, rows: Sequence[ObjectiveRow], urls: Mapping[str, str], t: Translator
) -> None:
    sw.el(root, "h2", t.gettext("Objectives"))
    if not rows:
        sw.el(root, "p", t.gettext("No objectives in this cycle."))
        return
    tbody = sw.table(
        root,
        columns("objectives_page", t),
    )
    for row in rows:
        tr = sw.el(tbody, "tr")
        sw.link(sw.el(tr, "td"), urls.get(row.objective.id), row.objective.title)
        sw.el(tr, "td", owners_text(row.owners))
        sw.el(tr, "td", format_grade(row.result.grade, t))
        title, colour = health_label(row.result.health, row.result.miss, t)
        sw.status(sw.el(tr, "td"), title, colour)
        children = sw.el(tr, "td")
        if row.children is not None and row.children.masks:
            sw.status(children, t.gettext("Children behind"), "Red")
            sw.append_text(children, " ")
        sw.append_text(children, children_text(row.children, t).removeprefix("⚠ ") or "–")
        sw.el(tr, "td", dated_change_text(row.trend.week, t) or "–")
        sw.el(tr, "td", forecast_text(row.trend, t))


def _key_results(
    root: etree._Element,
    rows: Sequence[ObjectiveRow],
    t: Translator,
    charts: CycleCharts | None = None,
) -> None:
    if not rows:
        return
    sw.el(root, "h2", t.gettext("Key results by objective"))
    header = columns("key_results_page", t)
    for row in rows:
        body = sw.expand(root, f"{row.objective.title} ({format_grade(row.result.grade, t)})")
        chart = charts.objectives.get(row.objective.id) if charts is not None else None
        if chart is not None:
            sw.attached_image(sw.el(body, "p"), chart.filename, CHART_WIDTH)
        if not row.key_results:
            sw.el(body, "p", t.gettext("No key results."))
            continue
        tbody = sw.table(body, header)
        for kr in row.key_results:
            _kr_row(tbody, kr, t)
        if row.check_ins:
            # The readable check-in log: what okrsync observed and what people wrote.
            sw.el(body, "h4", check_ins_heading(t))
            log = sw.table(body, columns("check_ins", t))
            for line in row.check_ins:
                tr = sw.el(log, "tr")
                for text in check_in_cells(line, t):
                    sw.el(tr, "td", text)


def _kr_row(tbody: etree._Element, row: KeyResultRow, t: Translator) -> None:
    kr = row.key_result
    tr = sw.el(tbody, "tr")
    sw.el(tr, "td", kr.title)
    sw.el(tr, "td", owners_text(row.owners))
    sw.el(tr, "td", _number(kr.start, kr.unit, t))
    sw.el(tr, "td", _number(kr.current, kr.unit, t))
    sw.el(tr, "td", _number(kr.target, kr.unit, t))
    sw.el(tr, "td", percent_text(row.result.progress, t))
    title, colour = health_label(row.result.health, False, t)
    sw.status(sw.el(tr, "td"), title, colour)
    sw.el(tr, "td", dated_change_text(row.trend.week, t) or "–")
    sw.el(tr, "td", confidence_text(row.trend, t))
    sw.el(tr, "td", forecast_text(row.trend, t))


def _what_changed(root: etree._Element, review: CycleReview, t: Translator) -> None:
    """The week's largest moves with the check-in notes: the readable check-in table."""
    sw.el(root, "h2", what_changed_heading(review, t))
    if not review.what_changed:
        sw.el(root, "p", what_changed_empty(t))
        return
    tbody = sw.table(root, what_changed_header(t))
    for item in review.what_changed:
        tr = sw.el(tbody, "tr")
        for text in what_changed_cells(item, t):
            sw.el(tr, "td", text)


def _alignment(root: etree._Element, nodes: Sequence[AlignmentNode], t: Translator) -> None:
    sw.el(root, "h2", t.gettext("Alignment"))
    if not nodes:
        sw.el(root, "p", t.gettext("No objectives to align."))
        return
    _alignment_list(root, nodes, t)


def _alignment_list(parent: etree._Element, nodes: Sequence[AlignmentNode], t: Translator) -> None:
    ul = sw.el(parent, "ul")
    for node in nodes:
        li = sw.el(ul, "li")
        sw.el(li, "strong", node.title)
        level = level_label(node.level, t)
        sw.append_text(li, f" ({level}, {format_grade(node.grade, t)}) ")
        title, colour = health_label(node.health, False, t)
        sw.status(li, title, colour)
        if node.cycle_edge:
            sw.append_text(li, " " + t.gettext("(alignment loop: already shown above)"))
        elif node.children:
            _alignment_list(li, node.children, t)


def _meeting(
    root: etree._Element, review: CycleReview, urls: Mapping[str, str], t: Translator
) -> None:
    """Needs attention, missing check-ins and where decisions go: the top of the page."""
    sw.el(root, "h2", t.gettext("Needs attention"))
    if review.attention:
        tbody = sw.table(
            root,
            columns("attention", t),
        )
        for item in review.attention:
            tr = sw.el(tbody, "tr")
            cell = sw.el(tr, "td")
            sw.link(cell, urls.get(item.objective_id), item.title)
            if item.committed_miss:
                sw.append_text(cell, " ")
                sw.status(cell, t.pgettext("objective kind", "Committed"), "Red")
            sw.el(tr, "td", owners_text(item.owners))
            sw.el(tr, "td", pace_text(item.grade, item.expected, t))
            title, colour = health_label(item.health, item.miss, t)
            sw.status(sw.el(tr, "td"), title, colour)
            sw.el(tr, "td", "; ".join(item.lagging) or "–")
    else:
        sw.el(root, "p", t.gettext("Nothing is behind pace."))
    _what_changed(root, review, t)
    sw.el(root, "h2", t.gettext("Missing check-ins"))
    if review.missing_check_ins:
        tbody = sw.table(
            root, (t.gettext("Owner"), t.gettext("Key results"), t.gettext("Oldest check-in"))
        )
        for missing in review.missing_check_ins:
            tr = sw.el(tbody, "tr")
            sw.el(tr, "td", missing.owner)
            sw.el(tr, "td", str(missing.count))
            sw.el(tr, "td", check_in_text(missing.oldest, review.at, t))
    else:
        sw.el(root, "p", t.gettext("Every running key result was checked in recently."))
    sw.el(root, "h2", t.gettext("Decisions"))
    _with_notes_heading(
        sw.el(root, "p"),
        t.gettext(
            "Record the meeting's decisions in the {notes} section at the bottom of this page: "
            "okrsync keeps it."
        ),
        t,
    )


def _with_notes_heading(para: etree._Element, sentence: str, t: Translator) -> None:
    """`sentence` in `para` with its {notes} placeholder as the notes heading in italics."""
    before, _, after = sentence.partition("{notes}")
    sw.append_text(para, before)
    sw.el(para, "em", t.gettext(NOTES_HEADING))
    sw.append_text(para, after)


def _planning_notes(root: etree._Element, review: CycleReview, t: Translator) -> None:
    if not review.planning_notes:
        return
    sw.el(root, "h2", t.gettext("Planning notes"))
    sw.el(
        root,
        "p",
        t.gettext(
            "Advice on how these OKRs are written, shown in full during the first weeks of the "
            "cycle; worth taking into the next planning."
        ),
    )
    ul = sw.el(root, "ul")
    for note in review.planning_notes:
        li = sw.el(ul, "li")
        sw.el(li, "strong", note.code)
        sw.append_text(li, f" {note.summary}: {note.count} ({', '.join(note.subjects)})")


def _findings(
    root: etree._Element,
    findings: Mapping[Severity, Sequence[Finding]],
    titles: Mapping[str, str],
    t: Translator,
) -> None:
    sw.el(root, "h2", t.gettext("Findings"))
    if not any(findings.values()):
        sw.el(root, "p", t.gettext("No findings."))
        return
    nameless = t.gettext(UNKNOWN_SUBJECT)
    fix = t.gettext("Fix:")
    for severity in ("error", "warning", "info"):
        items = findings.get(severity, ())
        if not items:
            continue
        heading = severity_heading(severity, t)
        body = sw.panel(root, SEVERITY_PANEL[severity], f"{heading} ({len(items)})")
        ul = sw.el(body, "ul")
        for finding in items:
            li = sw.el(ul, "li")
            sw.el(li, "strong", finding.code)
            about = titles.get(finding.subject) or nameless
            sw.append_text(li, f" {about}: {finding_message(finding, t)}")
            hint = finding_hint(finding, t)
            if hint:
                sw.el(li, "br")
                sw.el(li, "em", f"{fix} {hint}")


def _notes_section(root: etree._Element, t: Translator) -> None:
    sw.el(root, "h2", t.gettext(NOTES_HEADING))
    info = sw.panel(root, "info")
    sw.el(
        info,
        "p",
        t.gettext(
            "This section is kept by okrsync: everything below this box stays exactly as you "
            "wrote it when the rest of the page is regenerated. Edits above it are overwritten."
        ),
    )
    sw.anchor(root, NOTES_BEGIN)
    sw.el(root, "okrsync-slot")


def render_review(
    review: CycleReview,
    *,
    title: str,
    urls: Mapping[str, str] | None = None,
    t: Translator = ENGLISH,
    charts: CycleCharts | None = None,
) -> RenderedReview:
    """Render a CycleReview in the language of `t`; `urls` maps objective ids to their page
    URLs for links. With `charts`, the burn-up follows the headline and each objective's
    progress chart opens its key results, as images attached to the page (uploaded by the
    writer with the page)."""
    urls = urls or {
        row.objective.id: row.objective.source.url
        for row in review.objectives
        if row.objective.source is not None and row.objective.source.url
    }
    root = sw.new_root()
    intro = sw.panel(root, "info")
    intro_p = sw.el(intro, "p")
    if review.source:
        generated = t.gettext("This page is generated by okrsync from {source}.").format(
            source=review.source
        )
    else:
        generated = t.gettext("This page is generated by okrsync.")
    as_of = t.gettext("Figures as of {date}.").format(date=date_text(review.at, t))
    sw.append_text(intro_p, f"{generated} {as_of} ")
    _with_notes_heading(
        intro_p,
        t.gettext(
            "Write your notes in the {notes} section at the bottom; the rest is regenerated."
        ),
        t,
    )
    _headline(root, review, t)
    if charts is not None:
        sw.attached_image(sw.el(root, "p"), charts.burn_up.filename, CHART_WIDTH)
    _meeting(root, review, urls, t)
    _objectives_table(root, review.objectives, urls, t)
    _key_results(root, review.objectives, t, charts)
    _alignment(root, review.alignment, t)
    _findings(root, review.findings, review.names, t)
    _planning_notes(root, review, t)
    _figures(root, review, t)
    _notes_section(root, t)
    body = sw.serialize(root)
    before, slot, after = body.partition(_SLOT)
    if not slot:
        raise sw.StorageBuildError("notes slot missing from the rendered review")
    return RenderedReview(
        title=title,
        before_notes=before,
        after_notes=after,
        labels=review_labels(review),
        title_key=review.title_key,
        default_notes=default_notes(t),
    )


def default_notes(t: Translator = ENGLISH) -> str:
    """What a new page's notes section holds: the prompt and a Decisions list."""
    root = sw.new_root()
    sw.el(root, "p", t.gettext(NOTES_PROMPT))
    sw.el(root, "h3", t.gettext("Decisions"))
    sw.el(sw.el(root, "ul"), "li", "")
    sw.anchor(root, NOTES_END)
    return sw.serialize(root)


DEFAULT_NOTES = default_notes()


def extract_notes(body: str) -> str | None:
    """The stored notes region byte for byte, or None when the begin marker is gone.

    The region runs from the begin anchor to the end of the page: okrsync renders nothing
    after it, so text people type below the end anchor (which new pages get as a visual end)
    is kept too. Raises StorageFormatError when the stored body is not well-formed (nothing is
    then overwritten).
    """
    spans = element_spans(body)
    begin = next(
        (s for s in spans if s.macro == "anchor" and s.params.get("") == NOTES_BEGIN), None
    )
    if begin is None:
        return None
    raw = body.encode("utf-8")
    return raw[top_level_of(spans, begin).end :].decode("utf-8")


# --- the managed Page Properties macro on OKR pages ---------------------------------------

OWN_OUTPUT_NAMES: Final = {
    "score": NC_("okr page output", "Score"),
    # TRANSLATORS: the row of okrsync's health lozenge on an OKR page. Not the page's own
    # "Status" (people keep that one on the same page): a traffic light, in German "Ampel".
    "health": NC_("okr page output", "Health"),
    "warnings": NC_("okr page output", "Warnings"),
    "last_synced": NC_("okr page output", "Last synced"),
}
"""okrsync's own names of its outputs (the mapping's defaults), said in the page's language."""


def page_outputs(outputs: OutputMap, t: Translator = ENGLISH) -> OutputMap:
    """The output names as okrsync writes them into its macro: its own names (Score, Health,
    Warnings, Last synced) in the language of `t`, a name the mapping chose as given."""
    said = {
        output: t.pgettext(phrase.context or "", phrase.text)
        for output, phrase in OWN_OUTPUT_NAMES.items()
        if getattr(outputs, output) == phrase.text
    }
    return outputs.model_copy(update=said) if said else outputs


def render_managed_macro(
    values: Sequence[tuple[str, str]], health_key: str | None, health_colour: str | None = None
) -> str:
    """okrsync's own details macro (id parameter `okrsync-outputs`) with the output values.

    The health row is drawn as a lozenge so it reads like the rest of the page, in
    `health_colour` (Confluence's spelling, "Green"; from its title when not given: a mapped
    option's name says nothing about its colour); warnings are one paragraph per line.
    """
    root = sw.new_root()
    _, body = sw.macro(root, "details", (("id", MANAGED_MACRO_ID),), rich_body=True)
    assert body is not None
    tbody = sw.el(sw.el(body, "table"), "tbody")
    for key, value in values:
        tr = sw.el(tbody, "tr")
        sw.el(tr, "th", key)
        td = sw.el(tr, "td")
        if key == health_key and value:
            sw.status(td, value, health_colour or lozenge_colour(value))
        elif "\n" in value:
            for line in value.split("\n"):
                sw.el(td, "p", line)
        else:
            td.text = sw.clean_text(value)
    return sw.serialize(root)


def replace_managed_macro(body: str, macro: str) -> str:
    """The body with okrsync's managed macro replaced where it is, all else byte for byte.

    A page without it gets it right below its own Page Properties (the first `details` macro),
    where a reader looks for the objective's facts (at the top of a page that has none): the
    end of the page, below the key results and check-ins, is where nobody sees it. Below, not
    above: the page's own keys stay the first of their name on the page."""
    spans = element_spans(body)
    details = [s for s in spans if s.macro == "details"]
    current = next((s for s in details if s.params.get("id") == MANAGED_MACRO_ID), None)
    raw = body.encode("utf-8")
    if current is not None:
        start, end = current.start, current.end
    else:
        start = end = details[0].end if details else 0
    new = (raw[:start] + macro.encode("utf-8") + raw[end:]).decode("utf-8")
    sw.verify(new, check_safety=False)
    return new
