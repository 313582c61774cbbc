"""A mixed OKR wiki: one Confluence space kept the way people really keep it (issue 11).

Thirteen objective pages under one parent, all labelled `okr`, read by ONE source with ONE
mapping (the shipped `confluence-okr-pages.yaml`, which lists the German keys as aliases, and
`key_results = "auto"`):

- eleven pages follow the team template, in the seed's four markup variants (keys in `th`, in
  `td` with `<strong>`, in `th` with `<p><strong>`, in plain `td`); two of them write their keys
  with a trailing colon, one with a no-break space before it;
- one department writes its page in German: "Verantwortlich", "Quartal", "Schlüsselergebnis",
  "Istwert", numbers like "71,5 %" and "1.234,5 €";
- one objective keeps its key results as child pages (each with its own Page Properties);
- a page of meeting notes carries the same `okr` label;
- people write check-ins with notes in a "Check-ins" table on their objective page: the German
  page in German ("Datum | Schlüsselergebnis | Wert | Zuversicht | Notiz | Wer", "1.234,5 €",
  "6. November 2026"), the child-page objective naming its key results by links to their pages.

`mixed_wiki_workspace()` is the canonical truth the pages are written from, so a test can
check that okrsync reads every score right.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Final

from okrsync.model import CheckIn, Cycle, KeyResult, Objective, Person, Workspace
from okrsync.sandbox import SeedResult

from .seed import (
    OKR_LABEL,
    SPACE_KEY,
    SPACE_NAME,
    VARIANTS,
    _add_people,
    _page_once,
    _PageWriter,
    format_number,
    slug,
    space_seed_result,
    text,
)

if TYPE_CHECKING:
    from . import ConfluenceSandbox

CYCLE: Final = Cycle(id="2026-Q4", name="Q4 2026", start=date(2026, 10, 1), end=date(2026, 12, 31))
GERMAN_OBJECTIVE: Final = "o-logistik"
CHILD_PAGE_OBJECTIVE: Final = "o-success"
MEETING_NOTES_TITLE: Final = "OKR weekly sync 2026-11-02"
GERMAN_KEYS: Final = {
    "Owner": "Verantwortlich",
    "Team": "Team",
    "Level": "Ebene",
    "Quarter": "Quartal",
    "Type": "Typ",
    "Aligned to": "Ausgerichtet auf",
    "Status": "Status",
    "Notes": "Notizen",
}
GERMAN_KR_HEADER: Final = (
    "Schlüsselergebnis",
    "Verantwortlich",
    "Art",
    "Startwert",
    "Istwert",
    "Zielwert",
    "Einheit",
    "Zuversicht",
    "Fällig",
)
GERMAN_WORDS: Final = {
    "committed": "Verbindlich",
    "aspirational": "Ambitioniert",
    "company": "Unternehmen",
    "department": "Abteilung",
    "team": "Team",
    "increase": "Steigern",
    "decrease": "Senken",
}
MEETING_NOTES_BODY: Final = (
    "<p>Weekly OKR sync. Attendees: the team leads.</p>"
    "<h2>Agenda</h2><ul><li>Check-ins</li><li>Blockers</li></ul>"
    "<table><tbody><tr><th>Topic</th><th>Decision</th></tr>"
    "<tr><td>Churn</td><td>Interview five lost customers</td></tr></tbody></table>"
)
GERMAN_MONTHS: Final = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)
CHILD_PAGE_KEYS: Final = ("Owner", "Kind", "Start", "Current", "Target", "Unit", "Confidence")


def _team_objective(
    key: str, title: str, team: str, owner: str, kind: str = "aspirational"
) -> Objective:
    return Objective(
        id=f"o-{key}",
        title=title,
        level="team",
        team=team,
        owners=(owner,),
        cycle=CYCLE.id,
        parents=("o-company",),
        kind=kind,
        status="On track",
    )


def mixed_wiki_workspace() -> Workspace:
    """The canonical OKRs the mixed wiki is written from (one cycle, Q4 2026)."""
    people = (
        Person(id="p-ana", name="Ana Lima", email="ana@example.com"),
        Person(id="p-ben", name="Ben Okafor", email="ben@example.com"),
        Person(id="p-chen", name="Chen Wei", email="chen@example.com"),
        Person(id="p-dora", name="Dora Schmidt", email="dora@example.com"),
        Person(id="p-eli", name="Eli Novak", email="eli@example.com"),
    )
    company = Objective(
        id="o-company",
        title="Become the SME OKR tool of choice",
        level="company",
        owners=("p-ana",),
        cycle=CYCLE.id,
        kind="aspirational",
        status="On track",
    )
    teams = [
        _team_objective("sales", "Grow revenue in DACH", "Sales", "p-ben", "committed"),
        _team_objective("marketing", "Fill the pipeline", "Marketing", "p-ana"),
        _team_objective("product", "Ship a delightful onboarding", "Product", "p-chen"),
        _team_objective("eng", "Release every week", "Engineering", "p-chen", "committed"),
        _team_objective("support", "Answer every ticket within a day", "Support", "p-eli"),
        _team_objective("finance", "Close the books faster", "Finance", "p-dora", "committed"),
        _team_objective("people", "Hire the team we need", "People", "p-ana"),
        _team_objective("ops", "Keep the platform up", "Operations", "p-eli", "committed"),
        _team_objective("design", "One design language", "Design", "p-chen"),
        _team_objective("data", "Trustworthy numbers", "Data", "p-ben"),
        Objective(
            id=GERMAN_OBJECTIVE,
            title="Lieferkette stabilisieren",
            level="department",
            team="Logistik",
            owners=("p-dora",),
            cycle=CYCLE.id,
            parents=("o-company",),
            kind="committed",
            status="On track",
        ),
        _team_objective(
            CHILD_PAGE_OBJECTIVE.removeprefix("o-"),
            "Delight new customers",
            "Customer Success",
            "p-eli",
        ),
    ]
    stamp = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    figures: dict[str, list[tuple[str, float, float, float, str | None, str]]] = {
        "o-company": [
            ("Raise NPS from 20 to 45", 20, 31, 45, None, "increase"),
            ("Cut churn to 3%", 6, 5, 3, "%", "decrease"),
        ],
        "o-sales": [("New ARR of €500K", 0, 180_000, 500_000, "€", "increase")],
        "o-marketing": [
            ("Qualified leads per month", 200, 1_450, 2_000, None, "increase"),
            ("Cost per lead", 90, 70, 60, "€", "decrease"),
        ],
        "o-product": [("Activation rate", 27, 33.5, 40, "%", "increase")],
        "o-eng": [("Releases per month", 1, 3, 4, None, "increase")],
        "o-support": [("First response hours", 9, 5, 4, "h", "decrease")],
        "o-finance": [("Days to close", 12, 8, 5, None, "decrease")],
        "o-people": [("Engineers hired", 0, 4, 6, None, "increase")],
        "o-ops": [("Uptime", 99.5, 99.9, 99.95, "%", "increase")],
        "o-design": [("Screens on the new design", 0, 25, 80, None, "increase")],
        "o-data": [("Dashboards with an owner", 10, 30, 40, None, "increase")],
        GERMAN_OBJECTIVE: [
            ("Liefertreue", 60, 71.5, 80, "%", "increase"),
            ("Frachtkosten pro Sendung", 1_500, 1_234.5, 1_000, "€", "decrease"),
        ],
        CHILD_PAGE_OBJECTIVE: [
            ("NPS of new customers to 50", 30, 42, 50, None, "increase"),
            ("Onboarding calls booked", 0, 120, 200, None, "increase"),
        ],
    }
    objectives = (company, *teams)
    owners = {o.id: o.owners for o in objectives}
    key_results = tuple(
        KeyResult(
            id=f"{objective}-kr{index}",
            objective=objective,
            title=title,
            kind=kind,
            start=start,
            current=current,
            target=target,
            unit=unit,
            owners=owners[objective],
            confidence=0.7,
            due=CYCLE.end,
            updated_at=stamp,
        )
        for objective, rows in figures.items()
        for index, (title, start, current, target, unit, kind) in enumerate(rows, start=1)
    )
    check_ins = (
        CheckIn(
            key_result=f"{GERMAN_OBJECTIVE}-kr2",
            at=datetime(2026, 11, 6, tzinfo=UTC),
            value=1_310.5,
            confidence=0.65,
            note="Neuer Spediteur ab Dezember, Kosten sinken langsamer als geplant.",
            who="Dora Schmidt",
        ),
        CheckIn(
            key_result=f"{GERMAN_OBJECTIVE}-kr1",
            at=datetime(2026, 11, 20, tzinfo=UTC),
            value=71.5,
            confidence=0.75,
            note="Zwei Lager stabil, das dritte zieht nach.",
            who="Dora Schmidt",
        ),
        CheckIn(
            key_result=f"{CHILD_PAGE_OBJECTIVE}-kr1",
            at=datetime(2026, 11, 19, tzinfo=UTC),
            value=42,
            confidence=0.7,
            note="Welcome calls moved the score; detractors are all from one onboarding cohort.",
            who="Eli Novak",
        ),
    )
    return Workspace(
        cycles=(CYCLE,),
        objectives=objectives,
        key_results=key_results,
        people=people,
        check_ins=check_ins,
    )


class _WikiPageWriter(_PageWriter):
    """The template's page, its Page Properties keys written with a trailing colon (`colon`)
    or a no-break space and colon (`nbsp`) when asked."""

    def __init__(self, *args: object, key_suffix: str = "") -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.key_suffix = key_suffix
        self._in_properties = False

    def key_cell(self, key: str) -> str:
        cell = super().key_cell(key)
        if self._in_properties and self.key_suffix:
            escaped = text(key)
            return cell.replace(f">{escaped}<", f">{escaped}{self.key_suffix}<", 1)
        return cell

    def properties(self, objective: Objective) -> str:
        self._in_properties = True
        try:
            return super().properties(objective)
        finally:
            self._in_properties = False


def german_number(value: float | None, unit: str | None) -> str:
    """A number the way a German page writes it: "71,5 %", "1.234,5 €", "1.500 €"."""
    if value is None:
        return ""
    whole = f"{value:,.2f}".rstrip("0").rstrip(".")
    shown = whole.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return f"{shown} {unit}" if unit else shown


class _GermanPageWriter(_PageWriter):
    """The same template, written by the German department in German."""

    def properties(self, objective: Objective) -> str:
        body = super().properties(objective)
        for english, german in GERMAN_KEYS.items():
            body = body.replace(f">{text(english)}<", f">{text(german)}<", 1)
        for english, german in (
            (objective.kind.capitalize(), GERMAN_WORDS[objective.kind]),
            (objective.level.capitalize(), GERMAN_WORDS[objective.level]),
        ):
            body = body.replace(f"<td>{english}</td>", f"<td>{german}</td>", 1)
        return body

    def kr_row(self, kr: KeyResult) -> str:
        cells = [
            text(kr.title),
            self.mentions(kr.owners),
            GERMAN_WORDS.get(kr.kind or "", ""),
            german_number(kr.start, kr.unit),
            german_number(kr.current, kr.unit),
            german_number(kr.target, kr.unit),
            text(kr.unit or ""),
            german_number(None if kr.confidence is None else kr.confidence * 10, None),
            f'<time datetime="{kr.due.isoformat()}" />' if kr.due else "",
        ]
        return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"

    def key_results(self, key_results: list[KeyResult]) -> str:
        rows = "".join(self.kr_row(kr) for kr in key_results)
        header = "".join(f"<th>{text(h)}</th>" for h in GERMAN_KR_HEADER)
        return f"<table><tbody><tr>{header}</tr>{rows}</tbody></table>"

    def check_in_date(self, check_in: CheckIn) -> str:
        day = check_in.at.date()
        if day.day >= 10:
            return f"{day.day:02d}.{day.month:02d}.{day.year}"
        return f"{day.day}. {GERMAN_MONTHS[day.month - 1]} {day.year}"

    def check_in_row(self, check_in: CheckIn, kr: KeyResult) -> str:
        confidence = check_in.confidence
        cells = [
            self.check_in_date(check_in),
            text(kr.title),
            german_number(check_in.value, kr.unit),
            german_number(None if confidence is None else confidence * 10, None),
            text(check_in.note),
            text(check_in.who),
        ]
        return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


class _ChildPageWriter(_PageWriter):
    """An objective page without a key-result table: its key results are child pages."""

    def body(self, objective: Objective, key_results: list[KeyResult], outputs: str = "") -> str:
        return (
            self.properties(objective)
            + outputs
            + "<h2>Key results</h2><p>Each key result has its own page below this one.</p>"
            + self.check_ins(key_results)
        )

    def check_in_row(self, check_in: CheckIn, kr: KeyResult) -> str:
        """A row naming its key result by a link to the key result's page."""
        row = super().check_in_row(check_in, kr)
        link = f'<ac:link><ri:page ri:content-title="{text(kr.title)}" /></ac:link>'
        return row.replace(f">{text(kr.title)}<", f">{link}<", 1)

    def child_body(self, kr: KeyResult) -> str:
        values = {
            "Owner": self.mentions(kr.owners),
            "Kind": (kr.kind or "").replace("_", " ").capitalize(),
            "Start": format_number(kr.start, kr.unit),
            "Current": format_number(kr.current, kr.unit),
            "Target": format_number(kr.target, kr.unit),
            "Unit": text(kr.unit or ""),
            "Confidence": "" if kr.confidence is None else format_number(kr.confidence * 10, None),
        }
        rows = "".join(f"<tr><th>{k}</th><td>{values[k]}</td></tr>" for k in CHILD_PAGE_KEYS)
        return (
            '<ac:structured-macro ac:name="details" ac:schema-version="1"><ac:rich-text-body>'
            f"<table><tbody>{rows}</tbody></table></ac:rich-text-body></ac:structured-macro>"
        )


def seed_mixed_wiki(sandbox: ConfluenceSandbox, workspace: Workspace | None = None) -> SeedResult:
    """Write the mixed wiki into a fresh space and return what ONE source needs to read it.

    `ids` maps each canonical objective and key result id to its page id (key results in a
    table: `<page id>#kr-<slug>`), and "meeting-notes" to the meeting-notes page.
    """
    workspace = workspace or mixed_wiki_workspace()
    sandbox.start()
    store = sandbox.store
    ids = _add_people(sandbox, workspace.people)
    titles = {o.id: o.title for o in workspace.objectives}
    by_objective = workspace.key_results_by_objective()
    with store.locked():
        if SPACE_KEY not in store.spaces:
            sandbox.create_space(SPACE_KEY, SPACE_NAME)
        home_id = store.space(SPACE_KEY).homepage_id
        parent = _page_once(sandbox, "Objectives", "<p>One page per objective.</p>", home_id)
        reviews = _page_once(sandbox, "OKR Reviews", "<p>okrsync's reviews.</p>", home_id)
        english = 0
        for objective in workspace.objectives:
            key_results = by_objective.get(objective.id, [])
            args = (workspace, sandbox.deployment, titles, english % VARIANTS)
            writer: _PageWriter
            if objective.id == GERMAN_OBJECTIVE:
                writer = _GermanPageWriter(workspace, sandbox.deployment, titles, 0, "de")
            elif objective.id == CHILD_PAGE_OBJECTIVE:
                writer = _ChildPageWriter(*args)
            else:
                suffix = {5: ":", 6: ":", 7: "\xa0:"}.get(english, "")
                writer = _WikiPageWriter(*args, key_suffix=suffix)
                english += 1
            page = sandbox.create_page(
                SPACE_KEY,
                objective.title,
                writer.body(objective, key_results),
                parent,
                labels=(OKR_LABEL,),
            )
            ids[objective.id] = page.id
            for kr in key_results:
                if isinstance(writer, _ChildPageWriter):
                    child = sandbox.create_page(SPACE_KEY, kr.title, writer.child_body(kr), page.id)
                    ids[kr.id] = child.id
                else:
                    ids[kr.id] = f"{page.id}#kr-{slug(kr.title)}"
        notes = sandbox.create_page(
            SPACE_KEY, MEETING_NOTES_TITLE, MEETING_NOTES_BODY, parent, labels=(OKR_LABEL,)
        )
        ids["meeting-notes"] = notes.id
    return space_seed_result(
        sandbox,
        ids,
        objectives={"label": OKR_LABEL},
        key_results="auto",
        review_parent=reviews,
    )
