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

from lxml import etree

from okrsync.connector import Writeback, content_hash
from okrsync.evaluation import Health
from okrsync.i18n.format import format_amount, share
from okrsync.model import Finding, Severity
from okrsync.render.figures import (
    HEALTH_LABELS,
    WHAT_CHANGED_HEADER,
    check_in_text,
    children_text,
    confidence_text,
    dated_change_text,
    forecast_text,
    health_colour,
    health_text,
    pace_text,
    what_changed_cells,
    what_changed_empty,
    what_changed_heading,
)
from okrsync.review import AlignmentNode, CycleReview, KeyResultRow, ObjectiveRow
from okrsync.review_build import UNKNOWN_SUBJECT
from okrsync_confluence import storage_write as sw
from okrsync_confluence.page_spans import element_spans, top_level_of
from okrsync_confluence.storage_read import slug

NOTES_BEGIN = "okrsync-notes-begin"
NOTES_END = "okrsync-notes-end"
NOTES_HEADING = "Notes (kept by okrsync)"
MANAGED_MACRO_ID = "okrsync-outputs"
REVIEW_MACRO_ID = "okrsync-review"
REVIEW_LABEL = "okr-review"
_SLOT = "<okrsync-slot/>"
NOTES_PROMPT = (
    "Add your notes here: decisions, context, follow-ups. okrsync keeps everything in this "
    "section when it regenerates the page."
)

HEALTH_LOZENGE: dict[str, tuple[str, str]] = {
    health: (HEALTH_LABELS[health], health_colour(health).capitalize()) for health in HEALTH_LABELS
}
"""Each health's lozenge: the label and colour every review format uses (Confluence spelling)."""
SEVERITY_PANEL: dict[Severity, tuple[str, str]] = {
    "error": ("warning", "Errors"),
    "warning": ("note", "Warnings"),
    "info": ("info", "Info"),
}


@dataclass(frozen=True)
class RenderedReview:
    """A review page as okrsync renders it, with the notes region left open."""

    title: str
    before_notes: str
    after_notes: str
    labels: tuple[str, ...]
    title_key: str

    def body(self, notes: str | None = None) -> str:
        """The full body with `notes` (storage format kept verbatim) or the default prompt."""
        body = self.before_notes + (DEFAULT_NOTES if notes is None else notes) + self.after_notes
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


def health_label(health: Health | str, miss: bool = False) -> tuple[str, str]:
    """The lozenge title and colour for a health value; a committed miss says so, in red."""
    return (health_text(health, miss), health_colour(health, miss).capitalize())


def lozenge_colour(title: str) -> str:
    """The colour of a lozenge okrsync wrote, from its title ("Green (miss)" is red)."""
    for health, (label, colour) in HEALTH_LOZENGE.items():
        if title == label:
            return colour
        if title == health_text(health, True):
            return health_colour(health, True).capitalize()
    return "Grey"


def format_grade(value: float | None) -> str:
    """A score on the 0.0-1.0 scale as shown to people; 'n/a' when unscored."""
    return "n/a" if value is None else f"{value:.1f}"


def _number(value: float | None, unit: str | None) -> str:
    return format_amount(value, unit)


def _percent(value: float | None) -> str:
    return share(value)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def review_title(review: CycleReview, writeback: Writeback) -> str:
    """The page title from the configured pattern ({cycle}, {team})."""
    cycle = review.cycle.name if review.cycle else "without cycle"
    pattern = writeback.team_review_title if review.team else writeback.review_title
    return pattern.replace("{cycle}", cycle).replace("{team}", review.team or "")


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


def _headline(root: etree._Element, review: CycleReview) -> None:
    head = review.headline
    sw.el(root, "h2", "Headline")
    para = sw.el(root, "p")
    sw.el(
        para,
        "strong",
        f"{_count(head.objectives, 'objective')}, {_count(head.key_results, 'key result')}",
    )
    sw.append_text(para, f". Mean score {format_grade(head.mean_score)}")
    if head.elapsed_share is not None:
        sw.append_text(para, f"; {_percent(head.elapsed_share)} of the cycle elapsed")
    if head.aligned_share is not None:
        sw.append_text(para, f"; {_percent(head.aligned_share)} of objectives aligned")
    sw.append_text(para, f". Scores as of {review.at.isoformat()}.")
    counts = sw.el(root, "p")
    for health, count in head.health_counts.items():
        if count:
            title, colour = health_label(health)
            sw.status(counts, f"{title}: {count}", colour)
            sw.append_text(counts, " ")


def _figures(root: etree._Element, review: CycleReview) -> None:
    """The headline figures as a Page Properties macro, for Confluence's reports across pages.

    Kept near the end of the page: the meeting view is what people read first.
    """
    head = review.headline
    sw.el(root, "h2", "Figures")
    rows: list[tuple[object, object]] = [
        ("Cycle", review.cycle.name if review.cycle else "–"),
    ]
    if review.team:
        rows.append(("Team", review.team))
    rows += [
        ("Objectives", head.objectives),
        ("Key results", head.key_results),
        ("Mean score", format_grade(head.mean_score)),
        ("Cycle elapsed", _percent(head.elapsed_share)),
        ("Aligned", _percent(head.aligned_share)),
    ]
    for health, count in head.health_counts.items():
        rows.append((health_label(health)[0], count))
    for severity in ("error", "warning", "info"):
        rows.append((SEVERITY_PANEL[severity][1], head.findings_by_severity.get(severity, 0)))
    sw.details(root, rows, macro_id=REVIEW_MACRO_ID)


def _objectives_table(
    root: etree._Element, rows: Sequence[ObjectiveRow], urls: Mapping[str, str]
) -> None:
    sw.el(root, "h2", "Objectives")
    if not rows:
        sw.el(root, "p", "No objectives in this cycle.")
        return
    tbody = sw.table(
        root,
        ("Objective", "Owner", "Score", "Health", "Aligned objectives", "Change", "Forecast"),
    )
    for row in rows:
        tr = sw.el(tbody, "tr")
        sw.link(sw.el(tr, "td"), urls.get(row.objective.id), row.objective.title)
        sw.el(tr, "td", ", ".join(row.owners) or "–")
        sw.el(tr, "td", format_grade(row.result.grade))
        title, colour = health_label(row.result.health, row.result.miss)
        sw.status(sw.el(tr, "td"), title, colour)
        children = sw.el(tr, "td")
        if row.children is not None and row.children.masks:
            sw.status(children, "Children behind", "Red")
            sw.append_text(children, " ")
        sw.append_text(children, children_text(row.children).removeprefix("⚠ ") or "–")
        sw.el(tr, "td", dated_change_text(row.trend.week) or "–")
        sw.el(tr, "td", forecast_text(row.trend))


def _key_results(root: etree._Element, rows: Sequence[ObjectiveRow]) -> None:
    if not rows:
        return
    sw.el(root, "h2", "Key results by objective")
    for row in rows:
        body = sw.expand(root, f"{row.objective.title} ({format_grade(row.result.grade)})")
        if not row.key_results:
            sw.el(body, "p", "No key results.")
            continue
        tbody = sw.table(
            body,
            (
                "Key result",
                "Owner",
                "Start",
                "Current",
                "Target",
                "Progress",
                "Health",
                "Change",
                "Confidence",
                "Forecast",
            ),
        )
        for kr in row.key_results:
            _kr_row(tbody, kr)


def _kr_row(tbody: etree._Element, row: KeyResultRow) -> None:
    kr = row.key_result
    tr = sw.el(tbody, "tr")
    sw.el(tr, "td", kr.title)
    sw.el(tr, "td", ", ".join(row.owners) or "–")
    sw.el(tr, "td", _number(kr.start, kr.unit))
    sw.el(tr, "td", _number(kr.current, kr.unit))
    sw.el(tr, "td", _number(kr.target, kr.unit))
    sw.el(tr, "td", _percent(row.result.progress))
    title, colour = health_label(row.result.health)
    sw.status(sw.el(tr, "td"), title, colour)
    sw.el(tr, "td", dated_change_text(row.trend.week) or "–")
    sw.el(tr, "td", confidence_text(row.trend))
    sw.el(tr, "td", forecast_text(row.trend))


def _what_changed(root: etree._Element, review: CycleReview) -> None:
    """The week's largest moves with the check-in notes: the readable check-in table."""
    sw.el(root, "h2", what_changed_heading(review))
    if not review.what_changed:
        sw.el(root, "p", what_changed_empty())
        return
    tbody = sw.table(root, WHAT_CHANGED_HEADER)
    for item in review.what_changed:
        tr = sw.el(tbody, "tr")
        for text in what_changed_cells(item):
            sw.el(tr, "td", text)


def _alignment(root: etree._Element, nodes: Sequence[AlignmentNode]) -> None:
    sw.el(root, "h2", "Alignment")
    if not nodes:
        sw.el(root, "p", "No objectives to align.")
        return
    _alignment_list(root, nodes)


def _alignment_list(parent: etree._Element, nodes: Sequence[AlignmentNode]) -> None:
    ul = sw.el(parent, "ul")
    for node in nodes:
        li = sw.el(ul, "li")
        sw.el(li, "strong", node.title)
        sw.append_text(li, f" ({node.level}, {format_grade(node.grade)}) ")
        title, colour = health_label(node.health)
        sw.status(li, title, colour)
        if node.cycle_edge:
            sw.append_text(li, " (alignment loop: already shown above)")
        elif node.children:
            _alignment_list(li, node.children)


def _meeting(root: etree._Element, review: CycleReview, urls: Mapping[str, str]) -> None:
    """Needs attention, missing check-ins and where decisions go: the top of the page."""
    sw.el(root, "h2", "Needs attention")
    if review.attention:
        tbody = sw.table(root, ("Objective", "Owner", "Score", "Health", "Behind most"))
        for item in review.attention:
            tr = sw.el(tbody, "tr")
            cell = sw.el(tr, "td")
            sw.link(cell, urls.get(item.objective_id), item.title)
            if item.committed_miss:
                sw.append_text(cell, " ")
                sw.status(cell, "Committed", "Red")
            sw.el(tr, "td", ", ".join(item.owners) or "–")
            sw.el(tr, "td", pace_text(item.grade, item.expected))
            title, colour = health_label(item.health, item.miss)
            sw.status(sw.el(tr, "td"), title, colour)
            sw.el(tr, "td", "; ".join(item.lagging) or "–")
    else:
        sw.el(root, "p", "Nothing is behind pace.")
    _what_changed(root, review)
    sw.el(root, "h2", "Missing check-ins")
    if review.missing_check_ins:
        tbody = sw.table(root, ("Owner", "Key results", "Oldest check-in"))
        for missing in review.missing_check_ins:
            tr = sw.el(tbody, "tr")
            sw.el(tr, "td", missing.owner)
            sw.el(tr, "td", str(missing.count))
            sw.el(tr, "td", check_in_text(missing.oldest, review.at))
    else:
        sw.el(root, "p", "Every running key result was checked in recently.")
    sw.el(root, "h2", "Decisions")
    para = sw.el(root, "p", "Record the meeting's decisions in the ")
    sw.el(para, "em", NOTES_HEADING)
    sw.append_text(para, " section at the bottom of this page: okrsync keeps it.")


def _planning_notes(root: etree._Element, review: CycleReview) -> None:
    if not review.planning_notes:
        return
    sw.el(root, "h2", "Planning notes")
    sw.el(
        root,
        "p",
        "Advice on how these OKRs are written, shown in full during the first weeks of the "
        "cycle; worth taking into the next planning.",
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
) -> None:
    sw.el(root, "h2", "Findings")
    if not any(findings.values()):
        sw.el(root, "p", "No findings.")
        return
    for severity in ("error", "warning", "info"):
        items = findings.get(severity, ())
        if not items:
            continue
        kind, heading = SEVERITY_PANEL[severity]
        body = sw.panel(root, kind, f"{heading} ({len(items)})")
        ul = sw.el(body, "ul")
        for finding in items:
            li = sw.el(ul, "li")
            sw.el(li, "strong", finding.code)
            sw.append_text(
                li, f" {titles.get(finding.subject, UNKNOWN_SUBJECT)}: {finding.message}"
            )
            if finding.hint:
                sw.el(li, "br")
                sw.el(li, "em", f"Fix: {finding.hint}")


def _notes_section(root: etree._Element) -> None:
    sw.el(root, "h2", NOTES_HEADING)
    info = sw.panel(root, "info")
    sw.el(
        info,
        "p",
        "This section is kept by okrsync: everything below this box stays exactly as you wrote "
        "it when the rest of the page is regenerated. Edits above it are overwritten.",
    )
    sw.anchor(root, NOTES_BEGIN)
    sw.el(root, "okrsync-slot")


def render_review(
    review: CycleReview, *, title: str, urls: Mapping[str, str] | None = None
) -> RenderedReview:
    """Render a CycleReview; `urls` maps objective ids to their page URLs for links."""
    urls = urls or {
        row.objective.id: row.objective.source.url
        for row in review.objectives
        if row.objective.source is not None and row.objective.source.url
    }
    root = sw.new_root()
    intro = sw.panel(root, "info")
    intro_p = sw.el(intro, "p", "This page is generated by okrsync")
    if review.source:
        sw.append_text(intro_p, f" from {review.source}")
    sw.append_text(intro_p, f". Figures as of {review.at.isoformat()}. Write your notes in the ")
    sw.el(intro_p, "em", NOTES_HEADING)
    sw.append_text(intro_p, " section at the bottom; the rest is regenerated.")
    _headline(root, review)
    _meeting(root, review, urls)
    _objectives_table(root, review.objectives, urls)
    _key_results(root, review.objectives)
    _alignment(root, review.alignment)
    _findings(root, review.findings, review.names)
    _planning_notes(root, review)
    _figures(root, review)
    _notes_section(root)
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
    )


def _default_notes() -> str:
    root = sw.new_root()
    sw.el(root, "p", NOTES_PROMPT)
    sw.el(root, "h3", "Decisions")
    sw.el(sw.el(root, "ul"), "li", "")
    sw.anchor(root, NOTES_END)
    return sw.serialize(root)


DEFAULT_NOTES = _default_notes()


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
    """The body with okrsync's managed macro replaced (or appended), all else byte for byte."""
    spans = element_spans(body)
    current = next(
        (s for s in spans if s.macro == "details" and s.params.get("id") == MANAGED_MACRO_ID),
        None,
    )
    raw = body.encode("utf-8")
    if current is None:
        new = body + macro
    else:
        new = (raw[: current.start] + macro.encode("utf-8") + raw[current.end :]).decode("utf-8")
    sw.verify(new, check_safety=False)
    return new
