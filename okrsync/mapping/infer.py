"""Draft a mapping file from a live schema (`okrsync mapping infer`).

The draft is a guess an admin reviews, not a silent decision: every guessed line carries a
comment saying what it was matched on, and every canonical field that could not be matched,
every select option that could not be placed and every collection that could not be told
apart gets a `# TODO:` comment. Names are matched in English and German (the two languages
our first users keep OKRs in), types decide between candidates, and relation targets decide
which database holds objectives, key results and cycles.

`missing_outputs()` lists the output properties (Score, Health, Warnings, Last synced) a live
schema lacks, for `okrsync mapping infer --apply`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from collections.abc import Mapping as AnyMapping
from typing import Final, NamedTuple

from okrsync.connector import FieldInfo, SourceSchema
from okrsync.mapping.keys import key_form
from okrsync.mapping.schema import (
    FIELD_KINDS,
    MAPPING_FORMAT_VERSION,
    OPTION_SETS,
    Mapping,
    OutputMap,
)
from okrsync.mapping.values import (
    CANONICAL_OPTIONS,
    ValueParseError,
    option_key,
    parse_number,
    parse_option,
)

# ---------------------------------------------------------------------------------------------
# Vocabulary

COLLECTION_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "objectives": ("objectives", "objective", "ziele", "ziel", "okrs", "okr", "goals", "goal"),
    "key_results": (
        "key results",
        "key result",
        "krs",
        "kr",
        "schlüsselergebnisse",
        "schlüsselergebnis",
        "kennzahlen",
        "kennzahl",
        "ergebnisse",
        "results",
    ),
    "cycles": (
        "quarters",
        "quarter",
        "quartale",
        "quartal",
        "cycles",
        "cycle",
        "zyklen",
        "zyklus",
        "periods",
        "period",
        "perioden",
        "periode",
        "zeiträume",
        "zeitraum",
    ),
    "people": ("people", "persons", "personen", "team members", "mitarbeiter", "members"),
}
"""Words in a database or page-set name that say which collection it holds."""

FIELD_WORDS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "objectives": {
        "title": ("objective", "ziel", "title", "titel", "name", "okr"),
        "description": ("description", "beschreibung", "details", "context", "kontext"),
        "owners": (
            "owner",
            "owners",
            "verantwortlich",
            "verantwortliche",
            "besitzer",
            "lead",
            "dri",
            "assignee",
            "zuständig",
        ),
        "team": ("team", "bereich", "abteilung", "department", "squad"),
        "level": ("level", "ebene", "stufe", "tier"),
        "cycle": ("quarter", "quartal", "cycle", "zyklus", "zeitraum", "period", "periode"),
        "kind": ("type", "typ", "art", "commitment", "objective type", "zieltyp"),
        "parents": (
            "aligned to",
            "ausgerichtet auf",
            "parent",
            "parent objective",
            "übergeordnet",
            "übergeordnetes ziel",
            "supports",
            "contributes to",
            "unterstützt",
        ),
        "status": ("status", "zustand", "stand"),
        "ignore_rules": ("notes", "notizen", "anmerkungen", "notiz", "comments", "kommentare"),
    },
    "key_results": {
        "title": (
            "key result",
            "schlüsselergebnis",
            "kennzahl",
            "kr",
            "title",
            "titel",
            "name",
        ),
        "objective": ("objective", "objectives", "ziel", "ziele", "parent", "okr"),
        "owners": (
            "owner",
            "owners",
            "verantwortlich",
            "verantwortliche",
            "besitzer",
            "lead",
            "assignee",
            "zuständig",
        ),
        "kind": ("kind", "type", "typ", "art", "measure", "messart", "richtung", "direction"),
        "start": (
            "start",
            "start value",
            "startwert",
            "ausgangswert",
            "baseline",
            "anfangswert",
            "basis",
            "from",
            "von",
        ),
        "current": (
            "current",
            "current value",
            "istwert",
            "ist",
            "ist wert",
            "aktuell",
            "aktueller wert",
            "actual",
            "value",
            "wert",
        ),
        "target": ("target", "target value", "zielwert", "soll", "sollwert", "goal", "to", "bis"),
        "unit": ("unit", "einheit", "maßeinheit"),
        "weight": ("weight", "gewichtung", "gewicht"),
        "confidence": ("confidence", "zuversicht", "konfidenz", "vertrauen", "sicherheit"),
        "due": ("due", "due date", "fällig", "fälligkeit", "deadline", "termin", "fällig am"),
        "done": ("done", "erledigt", "achieved", "erreicht", "completed", "abgeschlossen"),
        "ignore_rules": ("notes", "notizen", "anmerkungen", "notiz", "comments", "kommentare"),
    },
    "cycles": {
        "name": ("name", "quarter", "quartal", "cycle", "zyklus", "titel", "title"),
        "start": ("dates", "date", "zeitraum", "datum", "period", "start", "start date", "beginn"),
        "end": ("dates", "date", "zeitraum", "datum", "period", "end", "end date", "ende"),
    },
    "people": {
        "name": ("name", "person", "title", "titel"),
        "email": ("email", "e-mail", "mail"),
    },
}
"""Source field names (normalised) that suggest each canonical field, best first."""

PSEUDO_GUESSES: Final[dict[tuple[str, str], tuple[int, str]]] = {
    ("@title", "title"): (25, "the page title"),
    ("@title", "name"): (25, "the page title"),
    ("@page", "objective"): (45, "the page the row is on"),
}
"""Pseudo-fields (docs/architecture.md) that stand for a canonical field, with a score."""

MAJORITY_POINTS: Final = 15
"""Points a key on every sampled page gets over one on none (scaled by its page count)."""
WHOLE_NAME: Final = 20
"""A name score this high means the whole name is one of the words (not a word inside it)."""
OUTPUT_TYPE: Final = "okrsync_output"
"""The type a connector gives a key found only where okrsync writes its outputs."""
OUTPUT_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "score": ("score", "bewertung", "okr score", "punktzahl"),
    "health": ("health", "gesundheit", "ampel", "status"),
    "warnings": ("warnings", "hinweise", "warnungen"),
    "last_synced": ("last synced", "zuletzt synchronisiert", "letzte synchronisierung"),
}
"""Names (English and German) of output properties a workspace may already have."""
_OUTPUT_FAMILIES: Final[dict[str, frozenset[str]]] = {
    "score": frozenset({"number"}),
    "health": frozenset({"select"}),
    "warnings": frozenset({"text"}),
    "last_synced": frozenset({"date"}),
}
HEALTH_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "on_track": ("on track", "auf kurs", "im plan", "planmäßig", "im zeitplan", "läuft"),
    "at_risk": ("at risk", "gefährdet", "in gefahr", "behind", "hinter plan", "wackelt"),
    "off_track": ("off track", "nicht auf kurs", "kritisch", "nicht im plan", "im verzug"),
    "green": ("green", "grün", "achieved", "erreicht"),
    "yellow": ("yellow", "gelb", "partly achieved", "teilweise erreicht"),
    "red": ("red", "rot", "missed", "verfehlt", "nicht erreicht"),
    "not_started": ("not started", "nicht begonnen", "noch nicht begonnen", "offen"),
    "no_data": ("no data", "keine daten"),
}
"""Option names (English and German) a health select may already use, per health value."""
HEALTH_OPTIONS: Final = frozenset(
    word for health in ("on_track", "at_risk", "off_track") for word in HEALTH_WORDS[health]
)
"""Options that make a select named Status a health select."""
SAME_COLOUR: Final[dict[str, str]] = {
    "on_track": "green",
    "green": "on_track",
    "at_risk": "yellow",
    "yellow": "at_risk",
    "off_track": "red",
    "red": "off_track",
}
"""The health of the same colour in the other phase (during the cycle / after it)."""
OWN_HEALTH_LABELS: Final = frozenset(
    {"not started", "on track", "at risk", "off track", "green", "yellow", "red", "no data"}
    | {f"{c} (miss)" for c in ("green", "yellow", "red")}
)
"""The options of a Health select okrsync created itself (its English labels)."""
PROGRESS_WORDS: Final = ("progress", "fortschritt", "completion", "erfüllung", "zielerreichung")
OUTPUT_TYPES: Final[dict[str, str]] = {
    "score": "number",
    "health": "select",
    "warnings": "rich_text",
    "last_synced": "date",
}
"""The vendor type each output property is created with (Notion's names)."""

_TYPE_FAMILY: Final[dict[str, str]] = {
    "title": "title",
    "rich_text": "text",
    "text": "text",
    "string": "text",
    "url": "text",
    "email": "text",
    "phone_number": "text",
    "number": "number",
    "select": "select",
    "status": "select",
    "multi_select": "multi",
    "people": "people",
    "person": "people",
    "user": "people",
    "created_by": "people",
    "last_edited_by": "people",
    "relation": "relation",
    "page_link": "relation",
    "link": "relation",
    "date": "date",
    "created_time": "time",
    "last_edited_time": "time",
    "checkbox": "checkbox",
}
# Which type families fit each kind of canonical field; "any" (formula, rollup, table cells,
# unknown types) fits everything.
_FITS: Final[dict[str, frozenset[str]]] = {
    "text": frozenset({"title", "text", "select", "multi", "any"}),
    "number": frozenset({"number", "text", "any"}),
    "option": frozenset({"select", "text", "multi", "any"}),
    "bool": frozenset({"checkbox", "select", "text", "any"}),
    "date": frozenset({"date", "text", "any"}),
    "date_start": frozenset({"date", "text", "any"}),
    "date_end": frozenset({"date", "text", "any"}),
    "datetime": frozenset({"date", "time", "text", "any"}),
    "people": frozenset({"people", "text", "any"}),
    "ids": frozenset({"relation", "text", "multi", "any"}),
    "ref": frozenset({"relation", "text", "any"}),
    "cycle": frozenset({"relation", "select", "text", "multi", "date", "any"}),
    "confidence": frozenset({"number", "select", "text", "any"}),
    "suppressions": frozenset({"text", "multi", "any"}),
}
_PREFERRED: Final[dict[str, str]] = {
    "number": "number",
    "option": "select",
    "bool": "checkbox",
    "date": "date",
    "date_start": "date",
    "date_end": "date",
    "people": "people",
    "ids": "relation",
    "ref": "relation",
    "confidence": "number",
}
_OUTPUT_NAMES: Final = frozenset(
    {"score", "health", "warnings", "last synced", "okrsync", "bewertung", "gesundheit"}
)


def normalise(name: str) -> str:
    """A field or database name as compared with the vocabulary above."""
    text = re.sub(r"[_:?()\[\]*#]+", " ", name.casefold())
    return " ".join(text.replace("-", " ").split())


def family(field: FieldInfo) -> str:
    """The type family of a vendor type ("any" when unknown or computed)."""
    return _TYPE_FAMILY.get(field.type, "any")


def name_score(name: str, words: Iterable[str]) -> int:
    """How well `name` matches `words`: up to 30 for the whole name, up to 10 for a word in it.

    Earlier words in the list score higher, so "Target Value" beats "Value" for `target`.
    """
    norm = normalise(name)
    best = 0
    for rank, word in enumerate(words):
        if norm == word:
            best = max(best, 30 - rank)
        elif len(word) > 2 and re.search(rf"\b{re.escape(word)}\b", norm):
            best = max(best, 10 - min(rank, 9))
    return best


# ---------------------------------------------------------------------------------------------
# Choosing collections


class Choice(NamedTuple):
    """A locator chosen for a collection and why; `where` (field, option) for a shared one."""

    locator: str
    reason: str
    where: tuple[str, str] | None = None


def discriminator(fields: Iterable[FieldInfo]) -> tuple[str, str, str] | None:
    """(field, objective option, key-result option) when one database holds both kinds.

    Found as a select whose options name both, such as Type: Objective / Key Result or
    Typ: Ziel / Schlüsselergebnis.
    """
    for field in fields:
        if family(field) not in ("select", "multi") or len(field.options) < 2:
            continue
        kinds: dict[str, str] = {}
        for option in field.options:
            for collection in ("key_results", "objectives"):
                if (
                    collection not in kinds
                    and name_score(option, COLLECTION_WORDS[collection]) >= 20
                ):
                    kinds[collection] = option
                    break
        if len(kinds) == 2:
            return field.name, kinds["objectives"], kinds["key_results"]
    return None


def _locator_name(schema: SourceSchema, locator: str) -> str:
    return schema.titles.get(locator, locator)


def _relation_targets(schema: SourceSchema) -> dict[str, list[tuple[str, FieldInfo]]]:
    """Locator -> the (source locator, field) pairs whose relations point at it."""
    targets: dict[str, list[tuple[str, FieldInfo]]] = {}
    titles = {v: k for k, v in schema.titles.items()}
    for locator, fields in schema.collections.items():
        for field in fields:
            if field.target is None:
                continue
            target = (
                field.target if field.target in schema.collections else titles.get(field.target)
            )
            if target is not None:
                targets.setdefault(target, []).append((locator, field))
    return targets


def collection_scores(schema: SourceSchema) -> dict[str, dict[str, int]]:
    """How strongly each locator looks like each collection (names, titles, fields, relations)."""
    scores: dict[str, dict[str, int]] = {}
    targets = _relation_targets(schema)
    for locator, fields in schema.collections.items():
        name = _locator_name(schema, locator)
        score = {c: name_score(name, words) for c, words in COLLECTION_WORDS.items()}
        if locator != name:
            for c, words in COLLECTION_WORDS.items():
                score[c] = max(score[c], name_score(locator, words))
        for field in fields:
            fam = family(field)
            if fam == "title":
                for c in ("objectives", "key_results"):
                    score[c] += name_score(field.name, FIELD_WORDS[c]["title"][:3]) // 2
            if fam in ("number", "any") and any(
                name_score(field.name, FIELD_WORDS["key_results"][f]) >= 20
                for f in ("target", "current", "start")
            ):
                score["key_results"] += 8
            if fam == "date" and len(fields) <= 4:
                score["cycles"] += 4
        for _source, field in targets.get(locator, []):
            for c in ("objectives", "key_results", "cycles"):
                if name_score(field.name, COLLECTION_WORDS[c]) >= 20:
                    score[c] += 15
        scores[locator] = score
    return scores


def choose_collections(schema: SourceSchema) -> dict[str, Choice]:
    """Assign each collection the best-scoring locator, each locator at most once."""
    scores = collection_scores(schema)
    pairs = sorted(
        ((s, loc, c) for loc, by in scores.items() for c, s in by.items() if s > 0),
        key=lambda p: (-p[0], p[1], p[2]),
    )
    chosen: dict[str, Choice] = {}
    used: set[str] = set()
    for score, locator, collection in pairs:
        if collection in chosen or locator in used:
            continue
        chosen[collection] = Choice(locator, f"name and fields (score {score})")
        used.add(locator)
    for locator, fields in schema.collections.items():
        found = discriminator(fields)
        if found is None:
            continue
        holders = {chosen[c].locator for c in ("objectives", "key_results") if c in chosen}
        if holders - {locator}:
            continue  # objectives or key results clearly live elsewhere
        field, objective_option, key_result_option = found
        reason = f'one database for both, told apart by "{field}"'
        chosen["objectives"] = Choice(locator, reason, (field, objective_option))
        chosen["key_results"] = Choice(locator, reason, (field, key_result_option))
        break
    if "objectives" not in chosen:
        rest = [loc for loc in schema.collections if loc not in used]
        if rest:
            chosen["objectives"] = Choice(rest[0], "TODO: could not tell; the first unused one")
    return chosen


# ---------------------------------------------------------------------------------------------
# Choosing fields


class Guess(NamedTuple):
    """A source field guessed for a canonical field, with the words to explain it."""

    field: FieldInfo
    reason: str


def _fits(kind: str, field: FieldInfo) -> bool:
    return family(field) in _FITS[kind]


def guess_fields(
    collection: str,
    fields: tuple[FieldInfo, ...],
    relation_to: AnyMapping[str, str] | None = None,
    exclude: Iterable[str] = (),
) -> dict[str, Guess]:
    """Guess the source field of each canonical field of `collection`.

    `relation_to` maps a collection name to its chosen locator, so a relation pointing at the
    objectives locator is the key result's objective even when it is called something else.
    Fields named in `exclude` (a `where` discriminator) are never guessed.
    """
    relation_to = relation_to or {}
    skip = set(exclude)
    candidates = [
        f
        for f in fields
        if normalise(f.name) not in _OUTPUT_NAMES and f.name not in skip and f.type != OUTPUT_TYPE
    ]
    most = max((f.pages or 0 for f in candidates), default=0)
    kinds = FIELD_KINDS[collection]
    scored: list[tuple[int, str, FieldInfo, str]] = []
    for canonical, kind in kinds.items():
        words = FIELD_WORDS.get(collection, {}).get(canonical, ())
        for field in candidates:
            if not _fits(kind, field):
                continue
            pseudo = PSEUDO_GUESSES.get((field.name, canonical))
            if field.name.startswith("@") and pseudo is None:
                continue  # pseudo-fields only stand for what they are
            score = name_score(field.name, words)
            reason = f'name "{field.name}"'
            if canonical in ("title", "name") and family(field) == "title":
                score, reason = 100, "the title property"
            elif pseudo is not None:
                score, reason = pseudo
            target_collection = _target_collection(field, relation_to)
            if kind in ("ref", "ids", "cycle") and target_collection is not None:
                wanted = {
                    ("key_results", "objective"): "objectives",
                    ("objectives", "parents"): "objectives",
                    ("objectives", "cycle"): "cycles",
                    ("check_ins", "key_result"): "key_results",
                }.get((collection, canonical))
                if wanted == target_collection:
                    score += 40 if canonical != "parents" else 5
                    reason = f'relation "{field.name}" to {target_collection}'
                elif score:
                    score -= 15
            if score <= 0:
                continue
            if field.pages is not None and most:
                # The majority layout first: a key on 12 of 13 pages beats one on a single page.
                score += round(MAJORITY_POINTS * field.pages / most)
            if _PREFERRED.get(kind) == family(field):
                score += 2
            if kind == "option" and field.options:
                score += _option_bonus(collection, canonical, field)
            scored.append((score, canonical, field, reason))
    scored.sort(key=lambda s: (-s[0], s[1], s[2].name))
    guesses: dict[str, Guess] = {}
    used: set[str] = set()
    shared = {"start", "end"}  # a cycle's start and end may read the same date range
    for _score, canonical, field, reason in scored:
        if canonical in guesses:
            continue
        if field.name in used and not (collection == "cycles" and canonical in shared):
            continue
        guesses[canonical] = Guess(field, reason)
        used.add(field.name)
    return guesses


def guess_aliases(
    collection: str,
    fields: tuple[FieldInfo, ...],
    guesses: AnyMapping[str, Guess],
    exclude: Iterable[str] = (),
) -> dict[str, list[FieldInfo]]:
    """Keys some sampled pages use instead of a guessed field: canonical field -> aliases.

    Only for sampled pages (fields with a page count): a key left unused whose whole name
    means a guessed canonical field ("Verantwortlich" next to "Owner") becomes its alias, so
    one mapping reads every page.
    """
    used = {g.field.name for g in guesses.values()} | set(exclude)
    kinds = FIELD_KINDS[collection]
    aliases: dict[str, list[FieldInfo]] = {}
    for field in fields:
        if (
            field.pages is None
            or field.name in used
            or field.name.startswith("@")
            or field.type == OUTPUT_TYPE
            or normalise(field.name) in _OUTPUT_NAMES
        ):
            continue
        best = max(
            (
                (name_score(field.name, FIELD_WORDS[collection].get(c, ())), c)
                for c in guesses
                if _fits(kinds[c], field) or family(guesses[c].field) == "title"
            ),
            default=(0, ""),
        )
        if best[0] >= WHOLE_NAME:
            aliases.setdefault(best[1], []).append(field)
    return aliases


def _target_collection(field: FieldInfo, relation_to: AnyMapping[str, str]) -> str | None:
    if field.target is None:
        return None
    for collection in ("objectives", "key_results", "cycles", "people", "check_ins"):
        if relation_to.get(collection) == field.target:
            return collection
    return None


def _option_bonus(collection: str, canonical: str, field: FieldInfo) -> int:
    """Points for select options that read as the canonical options; minus if none do."""
    options_set = OPTION_SETS.get((collection, canonical))
    if options_set is None:
        return 0
    known = sum(1 for o in field.options if _option(o, options_set) is not None)
    return 10 * known if known else -5


def _option(option: str, options_set: str) -> str | None:
    try:
        return parse_option(option, options_set)
    except ValueParseError:
        return None


# ---------------------------------------------------------------------------------------------
# Writing the draft


def _q(text: str) -> str:
    """A YAML scalar for `text`: JSON's double-quoted strings are valid YAML."""
    return json.dumps(text, ensure_ascii=False)


_WHAT: Final[dict[str, str]] = {
    "owners": "the owner(s)",
    "cycle": 'the quarter or cycle (a relation, or text like "Q3 2025")',
    "level": "the level (company, department, team, individual)",
    "kind": "the type (committed or aspirational; for key results increase, decrease, ...)",
    "start": "the start value (baseline)",
    "current": "the current value",
    "target": "the target value",
    "parents": "the objectives this one aligns to",
    "team": "the team",
    "objective": "the relation to the objective",
    "title": "the title",
    "name": "the name",
}
_IMPORTANT: Final[dict[str, tuple[str, ...]]] = {
    "objectives": ("owners", "cycle", "level", "parents"),
    "key_results": ("start", "current", "target", "owners"),
    "cycles": ("start", "end"),
    "people": (),
    "check_ins": (),
}


def _names(field: FieldInfo, aliases: list[FieldInfo]) -> str:
    """The YAML for a source field and its aliases: "Owner" or ["Owner", "Verantwortlich"]."""
    if not aliases:
        return _q(field.name)
    return json.dumps([field.name, *(a.name for a in aliases)], ensure_ascii=False)


def _reason(guess: Guess, aliases: list[FieldInfo]) -> str:
    """Why a field was guessed, with the page counts of it and its aliases when sampled."""
    reason = guess.reason
    if guess.field.pages is not None:
        reason += f" ({_pages(guess.field.pages)})"
    for alias in aliases:
        reason += (
            f"; {_pages(alias.pages or 0)} use{'s' if alias.pages == 1 else ''} {_q(alias.name)}"
        )
    return reason


def _pages(count: int) -> str:
    return f"{count} page{'' if count == 1 else 's'}"


def _field_lines(
    collection: str,
    canonical: str,
    guess: Guess,
    samples: bool,
    aliases: list[FieldInfo] | None = None,
) -> list[str]:
    """The YAML lines (6-space indent) mapping one canonical field."""
    aliases = aliases or []
    field = guess.field
    names = _names(field, aliases)
    reason = _reason(guess, aliases)
    pad = "      "
    kind = FIELD_KINDS[collection][canonical]
    options_set = OPTION_SETS.get((collection, canonical))
    if options_set is not None and field.options:
        lines = [f"{pad}{canonical}:  # {reason}", f"{pad}  field: {names}"]
        lines.append(f"{pad}  values:")
        choices = " | ".join(CANONICAL_OPTIONS[options_set])
        options = dict.fromkeys([*field.options, *(o for a in aliases for o in a.samples)])
        for option in options:
            mapped = _option(option, options_set)
            if mapped is None:
                lines.append(f"{pad}    # TODO: map {_q(option)} to one of {choices}")
            else:
                lines.append(f"{pad}    {_q(option)}: {mapped}")
        return lines
    if kind == "confidence":
        scale = _confidence_scale(field)
        if scale:
            return [
                f"{pad}{canonical}:  # {reason}; samples look like a 1-10 rating",
                f"{pad}  field: {names}",
                f"{pad}  parse: {scale}",
            ]
        return [
            f"{pad}{canonical}: {names}  # {reason}"
            + ("" if samples else "; if rated 1-10, use `parse: scale_10`"),
        ]
    if collection == "cycles" and canonical in ("start", "end") and family(field) == "date":
        part = "its start" if canonical == "start" else "its end"
        return [f"{pad}{canonical}: {names}  # {reason}; a date range gives {part}"]
    return [f"{pad}{canonical}: {names}  # {reason}"]


def _confidence_scale(field: FieldInfo) -> str | None:
    numbers = []
    for sample in field.samples:
        try:
            number = parse_number(sample)
        except ValueParseError:
            continue
        if number.unit != "%":
            numbers.append(number.value)
    if numbers and max(numbers) > 1 and max(numbers) <= 10:
        return "scale_10"
    return None


def _progress_lines(fields: tuple[FieldInfo, ...], guesses: dict[str, Guess]) -> list[str]:
    """A key-results database with only a progress column: read it as current of 0..100%."""
    if any(c in guesses for c in ("current", "target")):
        return []
    for field in fields:
        if name_score(field.name, PROGRESS_WORDS) and family(field) in ("number", "text", "any"):
            pad = "      "
            return [
                f"{pad}# {_q(field.name)} looks like progress in percent: read it as the current",
                f"{pad}# value of a 0-100% key result.",
                f"{pad}# TODO: if it holds 45 (not 0.45) for 45%, change `parse: percent` to"
                f" `parse: number`.",
                f"{pad}current:",
                f"{pad}  field: {_q(field.name)}",
                f"{pad}  parse: percent",
                f"{pad}start:",
                f"{pad}  value: 0",
                f"{pad}target:",
                f"{pad}  value: 100",
                f"{pad}unit:",
                f'{pad}  value: "%"',
            ]
    return []


def infer_mapping(schema: SourceSchema) -> str:
    """A commented draft mapping (YAML) for `schema`; review the `# TODO:` lines before use.

    The draft loads as a valid mapping whenever objectives (and key results, if present) were
    found; where a required field could not be found it names a placeholder source field
    starting with "TODO" so that the gap shows up at once in `okrsync mapping validate` and as
    a finding when run.
    """
    chosen = choose_collections(schema)
    relation_to = {c: choice.locator for c, choice in chosen.items()}
    out = [
        f"# Draft okrsync mapping, inferred from the live schema of a {schema.connector} source.",
        "# Every line says what it was matched on. Review it, resolve each `# TODO:`, then run",
        "# `okrsync mapping validate <this file>`. Format: docs/mapping.md; editors can check",
        "# this file against mappings/mapping.schema.json.",
        *_layout_lines(schema),
        f"version: {MAPPING_FORMAT_VERSION}",
        f"connector: {_q(schema.connector)}",
        *_locale_lines(schema),
        "",
        "collections:",
    ]
    outputs: dict[str, dict[str, tuple[str, str]]] = {}
    health_selects: dict[str, tuple[str, ...]] = {}
    if not schema.collections:
        out.append("  # TODO: the source described no collections; check access and options.")
    for collection in ("objectives", "key_results", "cycles", "people"):
        choice = chosen.get(collection)
        if choice is None:
            if collection == "objectives":
                out += [
                    "  objectives:",
                    "    fields:",
                    '      title: "@title"  # TODO: no collection looked like objectives',
                ]
            continue
        fields = schema.collections[choice.locator]
        name = _locator_name(schema, choice.locator)
        out.append(f"  {collection}:")
        comment = f"  # {name}: {choice.reason}" if not choice.reason.startswith("TODO") else ""
        if choice.reason.startswith("TODO"):
            out.append(f"    # {choice.reason}")
        out.append(f"    source: {_q(choice.locator)}{comment}")
        if choice.where is not None:
            out.append(
                f"    where: {{field: {_q(choice.where[0])}, equals: [{_q(choice.where[1])}]}}"
            )
        out.append("    fields:")
        exclude = [choice.where[0]] if choice.where else []
        guesses = guess_fields(collection, fields, relation_to, exclude)
        if collection in ("objectives", "key_results"):
            outputs[collection] = recognise_outputs(schema.connector, fields, guesses)
            health_name = outputs[collection]["health"][0]
            health_selects[collection] = next(
                (f.options for f in fields if f.name == health_name), ()
            )
        if choice.where is not None and "parents" in guesses:
            parent = guesses["parents"]
            guesses["parents"] = parent._replace(
                reason=f"{parent.reason}; TODO: in a shared database this relation may link key "
                "results to their objective rather than objectives to their parents"
            )
        has_samples = any(f.samples for f in fields)
        aliases = guess_aliases(collection, fields, guesses, exclude)
        for canonical in FIELD_KINDS[collection]:
            guess = guesses.get(canonical)
            if guess is not None:
                out += _field_lines(
                    collection, canonical, guess, has_samples, aliases.get(canonical)
                )
        progress = _progress_lines(fields, guesses) if collection == "key_results" else []
        out += progress
        covered = {"current", "start", "target"} if progress else set()
        out += _todo_lines(collection, guesses, covered)
        used = {g.field.name for g in guesses.values()}
        used |= {a.name for found in aliases.values() for a in found}
        used |= {f.name for f in fields if progress and _q(f.name) in progress[0]}
        used |= {name for name, _why in outputs.get(collection, {}).values()}
        unused = [
            f.name
            for f in fields
            if f.name not in used
            and f.name not in exclude
            and f.type != OUTPUT_TYPE
            and not f.name.startswith("@")
        ]
        if unused:
            out.append(f"      # Not mapped: {', '.join(_q(u) for u in unused)}")
        out.append("")
    for locator in schema.collections:
        if locator not in relation_to.values():
            out.append(
                f"  # Not used: {_q(_locator_name(schema, locator))} (could not tell what it "
                f"holds). TODO: add it as a collection if it holds OKR data."
            )
    if schema.connector == "confluence":
        out += _confluence_check_in_lines(schema)
    out += _output_lines(chosen, outputs, health_selects)
    return "\n".join(out).rstrip() + "\n"


CHECK_IN_SECTION: Final = "check-ins section"
"""`SourceSchema.sampled` key: how many sampled Confluence pages have a Check-ins section."""


def _confluence_check_in_lines(schema: SourceSchema) -> list[str]:
    """The check-in history of a Confluence source: the Check-ins table people write on each
    objective page and okrsync's log beside it (docs/history.md), as the shipped mapping reads
    them; how many sampled pages already have the table."""
    found = schema.sampled.get(CHECK_IN_SECTION, 0)
    seen = (
        f"{_pages(found)} already {'has' if found == 1 else 'have'} a Check-ins section"
        if found
        else "no sampled page has a Check-ins section yet"
    )
    return [
        "  check_ins:",
        "    # The value history: a table under the heading `source` on each objective page,",
        "    #   Date | Key result | Value | Confidence | Note | Who   (German names as aliases),",
        "    # where people write their check-ins; okrsync keeps its own log beside it (rename",
        f"    # the columns freely). {seen[0].upper()}{seen[1:]}.",
        "    source: Check-ins",
        "    fields:",
        "      key_result: [Key result, Schlüsselergebnis]",
        "      at: [Date, Datum]",
        "      value: [Value, Wert]",
        "      confidence: [Confidence, Zuversicht]",
        "      note: [Note, Notiz]",
        "      who: [Who, Wer]",
        "",
    ]


def _layout_lines(schema: SourceSchema) -> list[str]:
    """Comments listing every layout the sampled pages use, with its page count."""
    lines: list[str] = []
    for locator, layouts in schema.layouts.items():
        if not layouts:
            continue
        sampled = schema.sampled.get(locator, sum(layout.pages for layout in layouts))
        lines += [
            f"# Sampled {_pages(sampled)} of {_locator_name(schema, locator)}.",
            "# The draft follows the majority layout; other pages' keys become aliases. Layouts:",
        ]
        for layout in layouts:
            keys = ", ".join(layout.keys) or "no keys"
            where = f"; {layout.key_results}" if layout.key_results else ""
            example = f', e.g. "{layout.example}"' if layout.example else ""
            lines.append(f"#   {_pages(layout.pages)}: {keys}{where}{example}")
            if not layout.keys and layout.key_results == "no key results":
                lines.append("#     (not objectives: okrsync skips such pages, DATA009)")
    return lines


def _locale_lines(schema: SourceSchema) -> list[str]:
    """The locale the sampled pages mostly write numbers in, and a word about the others."""
    comma = schema.decimal_marks.get(",", 0)
    dot = schema.decimal_marks.get(".", 0)
    lines: list[str] = []
    if comma > dot:
        lines += [
            f"locale:  # {_pages(comma)} write decimals with a comma, {dot} with a point",
            '  decimal: ","',
        ]
    minority = min(comma, dot)
    if minority:
        mark = "point" if comma > dot else "comma"
        verb = "writes" if minority == 1 else "write"
        lines += [
            f"# {_pages(minority)} {verb} decimals with a {mark}; each page is read with the mark",
            '# its own numbers use (docs/mapping.md, "Numbers in the page\'s own locale").',
        ]
    return lines


def recognise_outputs(
    connector: str, fields: tuple[FieldInfo, ...], guesses: AnyMapping[str, Guess]
) -> dict[str, tuple[str, str]]:
    """Output key -> (property name, why) for one collection.

    An output the source already has is kept under its own name (Score/Bewertung,
    Health/Gesundheit/Status, Warnings/Hinweise, Last synced/Zuletzt synchronisiert, of the
    fitting type, and not read as an input), so infer never proposes a duplicate. Otherwise
    the English default is proposed, unless the source already uses that name for something
    else (a Confluence page's own "Health" lozenge is an input key): then "<name> (okrsync)".
    On Confluence only keys of okrsync's own output macro count as existing outputs.
    """
    inputs = {g.field.name for g in guesses.values()}
    found: dict[str, tuple[str, str]] = {}
    taken: set[str] = set()
    for key in OUTPUT_TYPES:
        for field in fields:
            if field.name in inputs or field.name in taken:
                continue
            if normalise(field.name) not in OUTPUT_WORDS[key]:
                continue
            if field.type == OUTPUT_TYPE:
                found[key] = (field.name, "okrsync already writes it on the pages")
            elif _existing_output(connector, key, field):
                found[key] = (field.name, f"the existing {field.type} property")
            else:
                continue
            taken.add(field.name)
            break
    existing = {key_form(f.name) for f in fields}
    for key in OUTPUT_TYPES:
        if key in found:
            continue
        default = str(getattr(OutputMap(), key))
        if key_form(default) in existing:
            where = "the pages use" if connector == "confluence" else "the source has"
            found[key] = (
                f"{default} (okrsync)",
                f'{where} "{default}" as an input already; a new name, so nothing is overwritten',
            )
        else:
            found[key] = (default, "new")
    return found


def _todo_lines(collection: str, guesses: dict[str, Guess], covered: set[str]) -> list[str]:
    pad = "      "
    lines: list[str] = []
    required = {"objectives": ("title",), "key_results": ("title", "objective")}
    for canonical in required.get(collection, ()):
        if canonical not in guesses:
            lines += [
                f"{pad}# TODO: no field looked like {_WHAT[canonical]}; name it here.",
                f"{pad}{canonical}: {_q('TODO: ' + _WHAT[canonical])}",
            ]
    if collection == "cycles" and "name" not in guesses:
        lines += [f"{pad}# TODO: no field looked like the cycle's name.", f'{pad}name: "@title"']
    for canonical in _IMPORTANT[collection]:
        if canonical not in guesses and canonical not in covered:
            lines.append(
                f"{pad}# TODO: no field looked like {_WHAT.get(canonical, canonical)}; "
                f"add `{canonical}: <field>` if you keep it."
            )
    return lines


def _existing_output(connector: str, key: str, field: FieldInfo) -> bool:
    """Whether a property named like output `key` is one (of its type; a Status select only
    with health options); never on Confluence, where a page's own key is an input."""
    if connector == "confluence" or family(field) not in _OUTPUT_FAMILIES[key]:
        return False
    if normalise(field.name) == "status":
        return any(option_key(o) in HEALTH_OPTIONS for o in field.options)
    return True


class HealthOption(NamedTuple):
    """A proposed `health_options` entry: the health value, the option's name, and why."""

    health: str
    option: str
    reason: str


def health_option_map(options: Iterable[str]) -> tuple[list[HealthOption], list[str]]:
    """The `health_options` to propose for a health select with its own options, and the
    health values no option fits.

    Options are recognised by name (English and German: "Im Plan", "Gefährdet", "Kritisch",
    "Verfehlt"); a health without its own option takes the option of the same colour in the
    other phase (after the cycle "green" reads like "on track"). Nothing is proposed for a
    select without a recognised option, or one holding okrsync's own English labels.
    """
    names = list(dict.fromkeys(options))
    if all(option_key(name) in OWN_HEALTH_LABELS for name in names):
        return [], []
    direct: dict[str, str] = {}
    for health, words in HEALTH_WORDS.items():
        found = next((n for n in names if option_key(n) in words), None)
        if found is not None:
            direct[health] = found
    if not direct:
        return [], []
    proposed: list[HealthOption] = []
    unplaced: list[str] = []
    for health in HEALTH_WORDS:
        if health in direct:
            proposed.append(HealthOption(health, direct[health], ""))
        elif SAME_COLOUR.get(health) in direct:
            other = SAME_COLOUR[health]
            proposed.append(
                HealthOption(
                    health, direct[other], f"no own option; the one of {other} (same colour)"
                )
            )
        else:
            unplaced.append(health)
    return proposed, unplaced


def _health_option_lines(options: tuple[str, ...]) -> list[str]:
    proposed, unplaced = health_option_map(options)
    if not proposed:
        return []
    lines = ["    health_options:  # the select's own options, so okrsync adds none of its own"]
    for entry in proposed:
        comment = f"  # {entry.reason}" if entry.reason else ""
        lines.append(f"      {entry.health}: {_q(entry.option)}{comment}")
    if unplaced:
        lines += [
            f"      # TODO: no option fits {', '.join(unplaced)}: name one here, or okrsync",
            "      # adds its own label to the select when it writes that value.",
        ]
    return lines


def _output_lines(
    chosen: AnyMapping[str, Choice],
    outputs: AnyMapping[str, dict[str, tuple[str, str]]],
    health_selects: AnyMapping[str, tuple[str, ...]],
) -> list[str]:
    lines = [
        "# Properties okrsync writes back on each OKR page; `okrsync mapping infer --apply`",
        "# creates the missing ones. Set one to null to leave it out.",
        "outputs:",
    ]
    defaults = OutputMap()
    for collection in ("objectives", "key_results"):
        if collection not in chosen and collection != "objectives":
            continue
        lines.append(f"  {collection}:")
        known = outputs.get(collection, {})
        for key in OUTPUT_TYPES:
            name, why = known.get(key, (str(getattr(defaults, key)), "new"))
            comment = "" if why == "new" else f"  # {why}"
            lines.append(f"    {key}: {_q(name)}{comment}")
            if key == "health" and why != "new":
                lines += _health_option_lines(health_selects.get(collection, ()))
    return lines


# ---------------------------------------------------------------------------------------------
# Outputs the live schema lacks


def missing_outputs(
    mapping: Mapping,
    schema: SourceSchema,
    *,
    locators: AnyMapping[str, str] | None = None,
) -> list[tuple[str, str, str]]:
    """Output properties the live schema lacks: (collection, property name, vendor type).

    For objectives and key results, the mapping's output names (`Mapping.output_map`) are
    looked up in the collection's locator (`locators[collection]`, else the mapping's
    `source`, matched against the schema's locators and titles). Types use Notion's names:
    Score number, Health select, Warnings rich_text, Last synced date. A collection whose
    locator the schema does not describe is left out (nothing can be said about it).
    """
    locators = locators or {}
    by_title = {title: loc for loc, title in schema.titles.items()}
    missing: list[tuple[str, str, str]] = []
    for collection in ("objectives", "key_results"):
        coll = mapping.collections.get(collection)
        if coll is None:
            continue
        locator = locators.get(collection) or coll.source
        if locator is None:
            continue
        fields = schema.collections.get(locator)
        if fields is None and locator in by_title:
            fields = schema.collections.get(by_title[locator])
        if fields is None:
            continue
        present = {f.name for f in fields}
        outputs = mapping.output_map(collection)
        for key, vendor_type in OUTPUT_TYPES.items():
            name = getattr(outputs, key)
            if name is not None and name not in present:
                missing.append((collection, name, vendor_type))
    return missing
