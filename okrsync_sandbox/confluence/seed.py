"""Lay out a canonical workspace the way people keep OKRs in Confluence.

The layout is the shipped one (docs/architecture.md, "The shipped layouts", Confluence): a
space `OKR` with a home page, a parent page "Objectives" holding one page per objective
(labelled `okr`) and a parent page "OKR Reviews" for okrsync's review pages. Each objective
page carries a Page Properties (`details`) macro with Owner, Team, Level, Quarter, Type,
Aligned to, Status and Notes, and a key-results table whose header row reads
`Key Result | Owner | Kind | Start | Current | Target | Unit | Confidence | Due`.

Pages deliberately differ in the ways real pages do (keys in `th` or `td`, `<strong>` and
`<p>` inside cells, wrapper `div`s, `colgroup`s, Cloud editor attributes, the header row in
`thead` or in the first `tbody` row, thousands separators), so a reader is exercised on all
of them. Every body is built from escaped text and passes the store's XML check.

Check-ins people wrote with a note (the workspace's check-ins signed by a person) go into a
"Check-ins" section on their objective page, one row each, the way a team keeps them by hand:
`Date | Key result | Value | Confidence | Note | Who` (German headings when the sandbox's
`language` is "de"), the date and the person written the ways people write them (a date macro or
typed, a mention or a name).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Mapping
from functools import partial
from html import escape
from typing import TYPE_CHECKING, Final

from okrsync.mapping.shipped import shipped_mapping
from okrsync.model import CheckIn, KeyResult, Objective, Person, Workspace
from okrsync.sandbox import SeedResult

from ..seed_names import KIND_NAMES
from .store import User

if TYPE_CHECKING:
    from . import ConfluenceSandbox

SPACE_KEY: Final = "OKR"
SPACE_NAME: Final = "OKRs"
OKR_LABEL: Final = "okr"
USER_ENV: Final = "OKRSYNC_SANDBOX_CONFLUENCE_USER"
TOKEN_ENV: Final = "OKRSYNC_SANDBOX_CONFLUENCE_TOKEN"  # noqa: S105 - the name of a variable
MAPPING: Final = shipped_mapping("confluence-okr-pages.yaml")
KR_HEADER: Final = (
    "Key Result",
    "Owner",
    "Kind",
    "Start",
    "Current",
    "Target",
    "Unit",
    "Confidence",
    "Due",
)
STATUS_COLOURS: Final = {
    "on track": "Green",
    "done": "Blue",
    "complete": "Blue",
    "at risk": "Yellow",
    "off track": "Red",
    "blocked": "Red",
}
CHECK_IN_HEADERS: Final = {
    "en": ("Date", "Key result", "Value", "Confidence", "Note", "Who"),
    "de": ("Datum", "Schlüsselergebnis", "Wert", "Zuversicht", "Notiz", "Wer"),
}
"""The header row of the people's Check-ins table, in the language the wiki's teams write."""
OUTPUTS_MACRO: Final = '<ac:parameter ac:name="id">okrsync-outputs</ac:parameter>'
"""How okrsync's own Page Properties macro on an objective page (its Score, Health and Warnings)
is recognised: its `id` parameter."""
_MACRO_TAG: Final = re.compile(r"<ac:structured-macro\b[^>]*?(/?)>|</ac:structured-macro>")
CURRENCIES: Final = frozenset({"$", "€", "£"})
_XML_FORBIDDEN: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
VARIANTS: Final = 4


def text(value: str) -> str:
    """Workspace text as storage-format text: XML-forbidden characters dropped, then escaped."""
    return escape(_XML_FORBIDDEN.sub("", value), quote=True)


def slug(title: str) -> str:
    """The slug in a key result's canonical id `<page id>#kr-<slug>`."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "untitled"


def account_id_for(person_id: str) -> str:
    """A stable Cloud-style account id for a canonical person id."""
    return f"712020:{uuid.uuid5(uuid.NAMESPACE_URL, 'okrsync-person:' + person_id)}"


def user_key_for(person_id: str) -> str:
    """A stable Data Center-style user key (32 hex digits) for a canonical person id."""
    return hashlib.sha256(person_id.encode()).hexdigest()[:32]


def format_number(value: float | None, unit: str | None, *, separators: bool = False) -> str:
    """A number as people type it: 27% or $500K or 1,200, empty when missing."""
    if value is None:
        return ""
    if unit in CURRENCIES:
        for threshold, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")):
            if abs(value) >= threshold and (value / threshold * 10).is_integer():
                return f"{unit}{_plain(value / threshold)}{suffix}"
        return f"{unit}{_plain(value, separators=separators)}"
    shown = _plain(value, separators=separators)
    return f"{shown}%" if unit == "%" else shown


def _plain(value: float, *, separators: bool = False) -> str:
    if float(value).is_integer():
        return f"{int(value):,}" if separators else str(int(value))
    return f"{value:,.6g}" if separators else f"{value:.6g}"


def noted_check_ins(workspace: Workspace) -> dict[str, list[CheckIn]]:
    """The check-ins a person wrote a note on, per key result, in the workspace's order: what
    the objective pages' "Check-ins" tables show (found once for all the pages of a seed)."""
    noted: dict[str, list[CheckIn]] = {}
    for check_in in workspace.check_ins:
        if check_in.who and check_in.note:
            noted.setdefault(check_in.key_result, []).append(check_in)
    return noted


class _PageWriter:
    """Builds the storage body of one objective page in one of the variants."""

    def __init__(
        self,
        workspace: Workspace,
        deployment: str,
        titles: dict[str, str],
        variant: int,
        language: str = "en",
        *,
        noted: Mapping[str, list[CheckIn]] | None = None,
    ) -> None:
        self.workspace = workspace
        self.language = language
        self.deployment = deployment
        self.titles = titles
        self.variant = variant
        self.people = workspace.person_by_id()
        self.person_named = {p.name: p.id for p in workspace.people if p.name}
        self.cycles = workspace.cycle_by_id()
        self.noted = noted_check_ins(workspace) if noted is None else noted

    def mention(self, person_id: str) -> str:
        if self.deployment == "cloud":
            return (
                f'<ac:link><ri:user ri:account-id="{text(account_id_for(person_id))}" /></ac:link>'
            )
        return f'<ac:link><ri:user ri:userkey="{text(user_key_for(person_id))}" /></ac:link>'

    def mentions(self, person_ids: tuple[str, ...]) -> str:
        joined = ", ".join(self.mention(p) for p in person_ids)
        return f"<p>{joined}</p>" if self.variant == 1 and joined else joined

    def page_link(self, objective_id: str) -> str:
        title = self.titles.get(objective_id, objective_id)
        if self.variant == 2:
            return (
                f'<ac:link><ri:page ri:space-key="{SPACE_KEY}" ri:content-title="{text(title)}" />'
                f"<ac:plain-text-link-body><![CDATA[{_cdata(title)}]]></ac:plain-text-link-body>"
                "</ac:link>"
            )
        return f'<ac:link><ri:page ri:content-title="{text(title)}" /></ac:link>'

    def lozenge(self, status: str | None) -> str:
        if not status:
            return ""
        colour = STATUS_COLOURS.get(status.strip().lower(), "Grey")
        subtle = '<ac:parameter ac:name="subtle">true</ac:parameter>' if self.variant == 3 else ""
        return (
            '<ac:structured-macro ac:name="status" ac:schema-version="1">'
            f'<ac:parameter ac:name="colour">{colour}</ac:parameter>'
            f'<ac:parameter ac:name="title">{text(status)}</ac:parameter>{subtle}'
            "</ac:structured-macro>"
        )

    def key_cell(self, key: str) -> str:
        return [
            f"<th>{text(key)}</th>",
            f"<td><strong>{text(key)}</strong></td>",
            f"<th><p><strong>{text(key)}</strong></p></th>",
            f"<td>{text(key)}</td>",
        ][self.variant]

    def value_cell(self, value: str) -> str:
        if self.variant == 2:
            return f"<td><p>{value}</p></td>"
        return f"<td>{value}</td>"

    def table(self, rows: str, columns: int, widths: tuple[int, ...] = ()) -> str:
        colgroup = ""
        if self.variant in (1, 2):
            cols = widths or tuple(120 for _ in range(columns))
            colgroup = (
                "<colgroup>"
                + "".join(f'<col style="width: {w}.0px;" />' for w in cols)
                + "</colgroup>"
            )
        attributes = (
            ' data-layout="default" ac:local-id="' + self._local_id(rows) + '"'
            if self.variant == 2
            else ""
        )
        table = f"<table{attributes}>{colgroup}<tbody>{rows}</tbody></table>"
        if self.variant == 1:
            return f'<div class="table-wrap">{table}</div>'
        return table

    def _local_id(self, seed: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_OID, seed))

    def properties(self, objective: Objective) -> str:
        cycle = self.cycles.get(objective.cycle or "")
        notes = ""
        if objective.ignore_rules:
            notes = text("okrsync: ignore " + " ".join(objective.ignore_rules))
        pairs = [
            ("Owner", self.mentions(objective.owners)),
            ("Team", text(objective.team or "")),
            ("Level", objective.level.capitalize()),
            ("Quarter", text(cycle.name if cycle else "")),
            ("Type", objective.kind.capitalize()),
            ("Aligned to", ", ".join(self.page_link(p) for p in objective.parents)),
            ("Status", self.lozenge(objective.status)),
            ("Notes", notes),
        ]
        rows = "".join(f"<tr>{self.key_cell(k)}{self.value_cell(v)}</tr>" for k, v in pairs)
        attributes = ' ac:schema-version="1"'
        if self.variant == 2:
            attributes += f' ac:macro-id="{self._local_id(objective.id)}"'
        parameter = '<ac:parameter ac:name="id">okr</ac:parameter>' if self.variant == 3 else ""
        return (
            f'<ac:structured-macro ac:name="details"{attributes}>{parameter}'
            f"<ac:rich-text-body>{self.table(rows, 2, (180, 420))}</ac:rich-text-body>"
            "</ac:structured-macro>"
        )

    def kr_row(self, kr: KeyResult) -> str:
        separators = self.variant == 2
        confidence = "" if kr.confidence is None else _plain(round(kr.confidence * 10, 1))
        due = f'<time datetime="{kr.due.isoformat()}" />' if kr.due else ""
        cells = [
            text(kr.title),
            self.mentions(kr.owners),
            KIND_NAMES.get(kr.kind or "", ""),
            format_number(kr.start, kr.unit, separators=separators),
            format_number(kr.current, kr.unit, separators=separators),
            format_number(kr.target, kr.unit, separators=separators),
            text(kr.unit or ""),
            confidence,
            due,
        ]
        return "<tr>" + "".join(self.value_cell(c) for c in cells) + "</tr>"

    def key_results(self, key_results: list[KeyResult]) -> str:
        rows = "".join(self.kr_row(kr) for kr in key_results)
        if self.variant == 0:
            header = "".join(f"<th>{h}</th>" for h in KR_HEADER)
            return f"<table><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table>"
        header = "<tr>" + "".join(self.key_cell(h) for h in KR_HEADER) + "</tr>"
        return self.table(header + rows, len(KR_HEADER))

    def check_in_date(self, check_in: CheckIn) -> str:
        day = check_in.at.date()
        typed = f"{day.day:02d}.{day.month:02d}.{day.year}"
        return [
            f'<time datetime="{day.isoformat()}" />',
            typed if self.language == "de" else f"{day.day} {day.strftime('%b')} {day.year}",
            day.isoformat(),
            typed,
        ][self.variant]

    def check_in_row(self, check_in: CheckIn, kr: KeyResult) -> str:
        person = self.person_named.get(check_in.who)
        who = self.mention(person) if person and self.variant in (0, 2) else text(check_in.who)
        confidence = check_in.confidence
        cells = [
            self.check_in_date(check_in),
            text(kr.title),
            format_number(check_in.value, kr.unit, separators=self.variant == 2),
            "" if confidence is None else _plain(round(confidence * 10, 1)),
            text(check_in.note),
            who,
        ]
        return "<tr>" + "".join(self.value_cell(c) for c in cells) + "</tr>"

    def check_ins(self, key_results: list[KeyResult]) -> str:
        """The "Check-ins" section: the notes people wrote on this page's key results."""
        by_id = {kr.id: kr for kr in key_results}
        noted = [(c, kr) for kr_id, kr in by_id.items() for c in self.noted.get(kr_id, ())]
        noted.sort(key=lambda pair: (pair[0].at, pair[0].key_result))
        rows = "".join(self.check_in_row(c, kr) for c, kr in noted)
        if not rows:
            return ""
        names = CHECK_IN_HEADERS.get(self.language, CHECK_IN_HEADERS["en"])
        header = "<tr>" + "".join(self.key_cell(h) for h in names) + "</tr>"
        return "<h2>Check-ins</h2>" + self.table(header + rows, len(names))

    def body(self, objective: Objective, key_results: list[KeyResult], outputs: str = "") -> str:
        """The page as its people write it; `outputs` (okrsync's macro, as stored) stays right
        below the page's Page Properties, where okrsync put it."""
        parts = []
        if self.variant == 3:
            parts.append(
                '<ac:structured-macro ac:name="info" ac:schema-version="1"><ac:rich-text-body>'
                "<p>This page is read by okrsync. Keep the tables below in shape.</p>"
                "</ac:rich-text-body></ac:structured-macro>"
            )
        if objective.description:
            parts.append(f"<p>{text(objective.description)}</p>")
        parts.append(self.properties(objective))
        parts.append(outputs)
        parts.append("<h2>Key results</h2>")
        parts.append(self.key_results(key_results))
        parts.append(self.check_ins(key_results))
        if self.variant == 3:
            parts.append(
                '<ac:structured-macro ac:name="expand" ac:schema-version="1">'
                '<ac:parameter ac:name="title">Meeting notes</ac:parameter><ac:rich-text-body>'
                "<ac:task-list><ac:task><ac:task-id>1</ac:task-id>"
                "<ac:task-status>incomplete</ac:task-status>"
                "<ac:task-body>Review the key results at the next check-in</ac:task-body>"
                "</ac:task></ac:task-list></ac:rich-text-body></ac:structured-macro>"
            )
        return "".join(parts)


def okrsync_outputs(body: str) -> str:
    """okrsync's outputs macro in a stored page body, byte for byte ('' when the page has
    none): a person editing an objective page in Confluence's editor keeps it as it is."""
    marker = body.find(OUTPUTS_MACRO)
    start = body.rfind("<ac:structured-macro", 0, marker)
    if marker < 0 or start < 0:
        return ""
    depth = 0
    for tag in _MACRO_TAG.finditer(body, start):
        if tag.group(0).startswith("</"):
            depth -= 1
        elif not tag.group(1):
            depth += 1
        if depth == 0:
            return body[start : tag.end()]
    return ""


def _cdata(value: str) -> str:
    return _XML_FORBIDDEN.sub("", value).replace("]]>", "]]]]><![CDATA[>")


def _ordered(objectives: tuple[Objective, ...]) -> list[Objective]:
    levels = {"company": 0, "department": 1, "team": 2, "individual": 3}
    return sorted(objectives, key=lambda o: levels.get(o.level, 4))


def _unique_titles(objectives: list[Objective]) -> dict[str, str]:
    titles: dict[str, str] = {}
    seen: dict[str, int] = {}
    for objective in objectives:
        title = _XML_FORBIDDEN.sub("", objective.title).strip() or objective.id
        count = seen.get(title.lower(), 0) + 1
        seen[title.lower()] = count
        titles[objective.id] = title if count == 1 else f"{title} ({count})"
    return titles


def _add_people(sandbox: ConfluenceSandbox, people: tuple[Person, ...]) -> dict[str, str]:
    ids: dict[str, str] = {}
    for person in people:
        account_id = account_id_for(person.id)
        if account_id not in sandbox.store.users:
            sandbox.store.add_user(
                User(
                    account_id=account_id,
                    display_name=person.name or person.id,
                    email=person.email,
                    username=slug(person.name or person.id).replace("-", "."),
                    user_key=user_key_for(person.id),
                )
            )
        ids[person.id] = account_id if sandbox.deployment == "cloud" else user_key_for(person.id)
    return ids


HOME_BODY: Final = (
    "<p>Our objectives and key results live under <strong>Objectives</strong>, one page per "
    "objective. okrsync writes its reviews under <strong>OKR Reviews</strong>.</p>"
)
OBJECTIVES_BODY: Final = (
    "<p>One page per objective, labelled <code>okr</code>.</p>"
    # The team's overview: every property of every objective page (no `headings`, so okrsync's
    # Score, Health and Warnings join as columns once it writes them), set to full width in the
    # editor (Cloud's `data-layout`) because a dozen columns do not fit the page's width.
    '<ac:structured-macro ac:name="detailssummary" ac:schema-version="2" '
    'data-layout="full-width">'
    '<ac:parameter ac:name="cql">label = &quot;okr&quot; and space = currentSpace()</ac:parameter>'
    "</ac:structured-macro>"
)
REVIEWS_BODY: Final = "<p>okrsync writes one review page per cycle here.</p>"
RITUALS_BODY: Final = (
    "<p>How we run OKRs: draft in the last two weeks of the quarter, check in weekly, grade at "
    "the end. This page has no <code>okr</code> label, so okrsync does not read it.</p>"
)


def seed_workspace(sandbox: ConfluenceSandbox, workspace: Workspace) -> SeedResult:
    """Create the OKR space for `workspace` and return what okrsync needs to read it."""
    sandbox.start()
    store = sandbox.store
    ids = _add_people(sandbox, workspace.people)
    for cycle in workspace.cycles:
        ids[cycle.id] = cycle.name
    with store.locked():
        if SPACE_KEY not in store.spaces:
            sandbox.create_space(SPACE_KEY, SPACE_NAME)
        space = store.space(SPACE_KEY)
        home_id = space.homepage_id
        if home_id is not None:
            home = store.pages[home_id]
            if home.body != HOME_BODY:
                store.update_page(home_id, version=home.version + 1, body=HOME_BODY)
        objectives_page = _page_once(sandbox, "Objectives", OBJECTIVES_BODY, home_id)
        reviews_page = _page_once(sandbox, "OKR Reviews", REVIEWS_BODY, home_id)
        _page_once(sandbox, "How we run OKRs", RITUALS_BODY, home_id)
        ordered = _ordered(workspace.objectives)
        titles = _unique_titles(ordered)
        by_objective = workspace.key_results_by_objective()
        noted = noted_check_ins(workspace)
        for index, objective in enumerate(ordered):
            writer = _PageWriter(
                workspace,
                sandbox.deployment,
                titles,
                index % VARIANTS,
                sandbox.language,
                noted=noted,
            )
            key_results = by_objective.get(objective.id, [])
            page_id = _write_objective_page(
                sandbox,
                titles[objective.id],
                partial(writer.body, objective, key_results),
                objectives_page,
            )
            ids[objective.id] = page_id
            edits = [kr.updated_at.timestamp() for kr in key_results if kr.updated_at]
            page = store.pages[page_id]
            if edits and page.version == 1:
                # The page was last edited at its latest check-in, so a seeded space can show
                # stale key results the way a real one does.
                page.current.when = max(edits)
                page.created_at = min(page.created_at, max(edits))
            for kr in key_results:
                ids[kr.id] = f"{page_id}#kr-{slug(kr.title)}"
    return space_seed_result(
        sandbox,
        ids,
        objectives={"cql": f"label = {OKR_LABEL} AND space = {SPACE_KEY}"},
        review_parent=reviews_page,
    )


def space_seed_result(
    sandbox: ConfluenceSandbox, ids: dict[str, str], **options: object
) -> SeedResult:
    """What okrsync needs to read the seeded `OKR` space: the sandbox's URL and credentials
    (by variable), the shipped mapping, and `options` (objectives locator, review parent...)."""
    return SeedResult(
        connector="confluence",
        options={
            "url": sandbox.url,
            "deployment": sandbox.deployment,
            "username_env": USER_ENV,
            "token_env": TOKEN_ENV,
            "space": SPACE_KEY,
            **options,
        },
        mapping=MAPPING,
        env={USER_ENV: sandbox.username, TOKEN_ENV: sandbox.token},
        ids=ids,
    )


def _write_objective_page(
    sandbox: ConfluenceSandbox, title: str, body_with: Callable[[str], str], parent_id: str
) -> str:
    """Create the objective's page, or on a second seed write a new version of it (when its
    body changed), keeping okrsync's outputs on it; `body_with(outputs)` is the body."""
    store = sandbox.store
    existing = store.find_by_title(SPACE_KEY, title)
    if not existing:
        return sandbox.create_page(
            SPACE_KEY, title, body_with(""), parent_id, labels=(OKR_LABEL,)
        ).id
    page = existing[0]
    body = body_with(okrsync_outputs(page.body))
    if page.body != body or page.parent_id != parent_id:
        store.update_page(page.id, version=page.version + 1, body=body, parent_id=parent_id)
    store.set_label(page.id, OKR_LABEL)
    return page.id


def _page_once(sandbox: ConfluenceSandbox, title: str, body: str, parent_id: str | None) -> str:
    existing = sandbox.store.find_by_title(SPACE_KEY, title)
    if existing:
        return existing[0].id
    return sandbox.create_page(SPACE_KEY, title, body, parent_id).id
