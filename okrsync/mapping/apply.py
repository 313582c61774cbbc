"""Apply a mapping to source records: the records become a canonical Workspace plus findings.

This is a pure function over plain data (see DESIGN.md, data flow). Each record is read field
by field; a value that cannot be read becomes a finding on that record (naming the record, the
source field and the value) and the field is left out, so the rest of the record and all the
other records still load. A record without its required fields (a title; a key result's
objective) is dropped with a finding, never a crash.

Relations are resolved after every record is read: a key result's objective and an objective's
parents may name a record by id or by title; an objective's cycle may be a relation to a
cycles record, or a cycle name such as "Q3 2025", which becomes a Cycle with the id "2025-Q3"
unless a cycles record already covers it. People seen in any people value are collected once
per id; a person written only as a name or email is matched to a known person when possible.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping as AnyMapping
from datetime import date
from typing import Any, Final, NamedTuple

from pydantic import ValidationError

from okrsync.connector import SourceRecord
from okrsync.i18n.message import Clause, Glossed, Listing, clause
from okrsync.mapping.findings import (
    AMBIGUOUS_RELATION,
    BAD_DEFAULT,
    BAD_VALUE_MAP,
    CANNOT_READ,
    CYCLE_WITHOUT_DATES,
    DANGLING_RELATION,
    DUPLICATE_ID,
    FIELD,
    FIELD_PROBLEM,
    INVALID,
    INVALID_RECORD,
    INVALID_SOURCE_RECORD,
    KEY_RESULT_NOT_ON_PAGE,
    KEY_RESULT_NOT_READ,
    MISSING_REQUIRED,
    NO_VALUE,
    NOT_AN_OBJECTIVE,
    NOT_AN_OPTION,
    NOT_IN_VALUE_MAP,
    NOT_IN_VALUE_MAP_DEFAULT,
    NOT_READ_AS_OBJECTIVE,
    NOT_READABLE_AS,
    OBJECTIVE_NOT_READ,
    REJECTED_VALUE,
    SAME_ID,
    SEVERAL_OBJECTIVES,
    SOURCE_FIELD,
    UNKNOWN_CYCLE,
    UNKNOWN_OPTION,
    UNPARSEABLE,
    UNREADABLE,
    FindingMaker,
    SuppressionParser,
    finding_maker,
    model_problem,
    model_problems,
    who,
)
from okrsync.mapping.keys import find_key
from okrsync.mapping.page_locale import page_locales, page_of
from okrsync.mapping.schema import (
    FIELD_KINDS,
    OPTION_SETS,
    REQUIRED_FIELDS,
    CollectionMap,
    FieldKind,
    FieldSpec,
    Locale,
    Mapping,
)
from okrsync.mapping.values import (
    CANONICAL_OPTIONS,
    ParsedNumber,
    Period,
    PersonValue,
    ValueParseError,
    is_empty,
    option_key,
    parse_bool,
    parse_confidence,
    parse_cycle,
    parse_date,
    parse_date_range,
    parse_datetime,
    parse_ids,
    parse_list,
    parse_number,
    parse_option,
    parse_people,
    parse_text,
    show,
)
from okrsync.model import (
    CheckIn,
    Cycle,
    Finding,
    Frozen,
    KeyResult,
    Objective,
    Person,
    SourceRef,
    Workspace,
)
from okrsync.rules.suppressions import parse_suppressions

# Order matters: cycles and people first (others refer to them), then objectives, key results.
_ORDER: Final = ("cycles", "people", "objectives", "key_results", "check_ins")


class MappingResult(Frozen):
    """What applying a mapping produced: the workspace, the findings, and how many were dropped.

    `dropped` counts records left out on purpose: trashed at the source or not matching the
    collection's `where`. Records dropped for bad data are reported as findings instead.
    """

    workspace: Workspace
    findings: tuple[Finding, ...] = ()
    dropped: int = 0


_MISSING: Final = object()


class FieldProblem(Exception):
    """A field could not be read as written: a DATA code and the clause that says why.

    `fallback` is the value used instead (the mapping's default), or `_MISSING` when the
    field is left empty; either way the problem is reported (internal to apply).
    """

    def __init__(self, code: str, problem: Clause, fallback: Any = _MISSING) -> None:
        super().__init__(problem.message_id)
        self.code = code
        self.problem = problem
        self.fallback = fallback


# --------------------------------------------------------------------------------------------
# Reading one field


def source_value(record: SourceRecord, name: str) -> Any:
    """The record's value of source field `name`, pseudo-fields included (None when absent).

    Keys are matched as people write them (`keys.find_key`: case, spaces, a trailing colon).
    """
    key = find_key(record.fields, name)
    if key is not None:
        return record.fields[key]
    if name == "@id":
        return record.external_id
    if name == "@url":
        return record.url
    return None


def has_source_field(record: SourceRecord, spec: FieldSpec) -> bool:
    """Whether the record carries the spec's field or one of its aliases (even if empty)."""
    return any(find_key(record.fields, name) is not None for name in spec.names)


def spec_value(record: SourceRecord, spec: FieldSpec) -> Any:
    """The value `spec` reads: the first of its field and aliases holding a value."""
    first: Any = None
    for name in spec.names:
        value = source_value(record, name)
        if not is_empty(value):
            return value
        if first is None:
            first = value
    return first


def parse_kind(
    kind: FieldKind,
    spec: FieldSpec,
    value: Any,
    locale: Locale,
    options: str | None,
    suppressions: SuppressionParser = parse_suppressions,
) -> Any:
    """Read `value` as a canonical field of `kind`, honouring the spec's parse mode.

    Returns the canonical Python value: str, ParsedNumber, bool, date, datetime, tuples of
    PersonValue or str (ids, cycle candidates, rule codes). Raises ValueParseError.
    """
    mode = spec.parse
    if kind == "text":
        return ", ".join(parse_list(value)) if mode == "list" else parse_text(value)
    if kind == "number":
        number_mode = mode if mode in ("percent", "fraction") else "number"
        return parse_number(value, locale, number_mode)
    if kind == "option":
        return parse_option(value, options or "level")
    if kind == "bool":
        return parse_bool(value)
    if kind == "date":
        if mode == "date_range" or (
            isinstance(value, AnyMapping) and not is_empty(value.get("end"))
        ):
            return parse_date_range(value, locale)[1]
        return parse_date(value, locale)
    if kind in ("date_start", "date_end"):
        return _range_end(kind, mode, value, locale)
    if kind == "datetime":
        return parse_datetime(value, locale)
    if kind == "people":
        return parse_people(value)
    if kind in ("ids", "ref"):
        return parse_list(value) if mode == "list" else parse_ids(value)
    if kind == "cycle":
        return _cycle_candidates(mode, value, locale)
    if kind == "confidence":
        return _confidence(mode, value, locale)
    if mode == "list":
        return tuple(
            c.upper() if any(ch.isdigit() for ch in c) else c.lower() for c in parse_list(value)
        )
    return suppressions(value)


def _range_end(kind: FieldKind, mode: str, value: Any, locale: Locale) -> date:
    """A cycle's start or end from a date, a date range (its start or end) or a cycle name."""
    pick = 0 if kind == "date_start" else 1
    if mode == "cycle":
        period = parse_cycle(value, locale.fiscal_year_start)
        return period.start if pick == 0 else period.end
    if mode == "date_range" or isinstance(value, AnyMapping):
        return parse_date_range(value, locale)[pick]
    try:
        return parse_date(value, locale)
    except ValueParseError:
        return parse_date_range(value, locale)[pick]


def _cycle_candidates(mode: str, value: Any, locale: Locale) -> tuple[str, ...]:
    """Cycle references as text: relation ids or cycle names, resolved once all cycles are read."""
    if mode == "ids":
        return parse_ids(value)
    items = parse_list(value) if isinstance(value, list | tuple) else (parse_text(value),)
    if mode == "cycle":
        for item in items:
            parse_cycle(item, locale.fiscal_year_start)  # fail now with the cycle-name message
    return tuple(i for i in items if i)


def _confidence(mode: str, value: Any, locale: Locale) -> float:
    if mode == "scale_10":
        return parse_confidence(value, locale, "ten")
    if mode == "percent":
        return parse_confidence(value, locale, "percent")
    if mode in ("number", "fraction"):
        return parse_confidence(value, locale, "unit")
    return parse_confidence(value, locale)


def read_field(
    record: SourceRecord,
    spec: FieldSpec,
    kind: FieldKind,
    locale: Locale,
    options: str | None = None,
    suppressions: SuppressionParser = parse_suppressions,
) -> Any:
    """Read one canonical field of `record` per `spec`; `_MISSING` when it has no value.

    Order: the source field (or the constant `value`); empty -> `default`; a value map hit ->
    the mapped value; a miss -> the value read as is, else `default`, else DATA003.
    Raises FieldProblem.
    """
    value = _read_field(record, spec, kind, locale, options, suppressions)
    return _MISSING if value == () else value


def _read_field(
    record: SourceRecord,
    spec: FieldSpec,
    kind: FieldKind,
    locale: Locale,
    options: str | None = None,
    suppressions: SuppressionParser = parse_suppressions,
) -> Any:
    raw = spec_value(record, spec) if spec.field else spec.value
    if isinstance(raw, AnyMapping) and "unreadable" in raw:
        raise FieldProblem(
            UNREADABLE,
            clause(
                CANNOT_READ,
                vendor_type=str(raw.get("unreadable")),
                value=show(raw.get("raw", "")),
            ),
        )
    if is_empty(raw):
        if spec.default is None:
            return _MISSING
        return _parse_or_problem(kind, spec, spec.default, locale, options, "default", suppressions)
    if spec.values:
        mapped = _lookup(spec.values, raw)
        if mapped is not _MISSING:
            if mapped is None:
                return _MISSING
            return _parse_or_problem(kind, spec, mapped, locale, options, "value map", suppressions)
        try:
            return parse_kind(kind, spec, raw, locale, options, suppressions)
        except ValueParseError:
            known = ", ".join(f'"{k}"' for k in spec.values)
            if spec.default is not None:
                fallback = _parse_or_problem(
                    kind, spec, spec.default, locale, options, "default", suppressions
                )
                # Used, and said: a silently defaulted option would skew scores unseen.
                raise FieldProblem(
                    UNKNOWN_OPTION,
                    clause(
                        NOT_IN_VALUE_MAP_DEFAULT,
                        value=show(raw),
                        default=show(spec.default),
                        known=known,
                    ),
                    fallback=fallback,
                ) from None
            raise FieldProblem(
                UNKNOWN_OPTION, clause(NOT_IN_VALUE_MAP, value=show(raw), known=known)
            ) from None
    try:
        return parse_kind(kind, spec, raw, locale, options, suppressions)
    except ValueParseError as exc:
        if kind == "option" and options:
            choices = ", ".join(CANONICAL_OPTIONS[options])
            raise FieldProblem(
                UNKNOWN_OPTION, clause(NOT_AN_OPTION, value=show(raw), choices=choices)
            ) from None
        raise FieldProblem(
            UNPARSEABLE, clause(NOT_READABLE_AS, value=show(raw), expected=exc.expected_words)
        ) from None


def _lookup(values: dict[str, Any], raw: Any) -> Any:
    """The value map's entry for `raw` (case-insensitive, trimmed), or `_MISSING`."""
    if isinstance(raw, list | tuple) and len(raw) == 1:
        raw = raw[0]
    if isinstance(raw, bool):
        raw = "true" if raw else "false"
    if not isinstance(raw, str | int | float):
        return _MISSING
    key = option_key(str(raw))
    for name, mapped in values.items():
        if option_key(str(name)) == key:
            return mapped
    return _MISSING


def _parse_or_problem(
    kind: FieldKind,
    spec: FieldSpec,
    value: Any,
    locale: Locale,
    options: str | None,
    what: str,
    suppressions: SuppressionParser,
) -> Any:
    try:
        return parse_kind(kind, spec, value, locale, options, suppressions)
    except ValueParseError as exc:
        message = BAD_DEFAULT if what == "default" else BAD_VALUE_MAP
        raise FieldProblem(
            UNPARSEABLE, clause(message, value=show(exc.value), expected=exc.expected_words)
        ) from None


# --------------------------------------------------------------------------------------------
# Reading whole records


class ReadRecord(NamedTuple):
    """A record read by the mapping: canonical field -> value, before relations are resolved."""

    record: SourceRecord
    values: dict[str, Any]


def _who(collection: str, record: SourceRecord, title: Any) -> Clause:
    fields = record.fields
    return who(collection, record.external_id, title, fields.get("@row"), fields.get("@page_title"))


def _matches_where(coll: CollectionMap, record: SourceRecord) -> bool:
    if coll.where is None:
        return True
    value = source_value(record, coll.where.field)
    wanted = {option_key(w) for w in coll.where.equals}
    items = value if isinstance(value, list | tuple) else [value]
    for item in items:
        if isinstance(item, bool):
            item = "true" if item else "false"
        if item is not None and option_key(str(item)) in wanted:
            return True
    return False


def read_record(
    collection: str,
    coll: CollectionMap,
    record: SourceRecord,
    locale: Locale,
    report: FindingMaker,
    suppressions: SuppressionParser = parse_suppressions,
) -> tuple[ReadRecord | None, list[Finding]]:
    """Read every mapped field of one record; None (and a finding) if a required one is missing."""
    kinds = FIELD_KINDS[collection]
    values: dict[str, Any] = {}
    problems: list[tuple[str, FieldSpec, FieldProblem]] = []
    for name, spec in coll.fields.items():
        try:
            options = OPTION_SETS.get((collection, name))
            value = read_field(record, spec, kinds[name], locale, options, suppressions)
        except FieldProblem as problem:
            problems.append((name, spec, problem))
            value = problem.fallback
        if value is not _MISSING:
            values[name] = value
    title = values.get("title", values.get("name"))
    subject = _who(collection, record, title)
    findings = [
        report(
            problem.code,
            record.external_id,
            FIELD_PROBLEM,
            who=subject,
            field=_field_words(name, spec, record),
            problem=problem.problem,
        )
        for name, spec, problem in problems
    ]
    missing = [r for r in REQUIRED_FIELDS[collection] if r not in values]
    if missing:
        names = Listing(tuple(_field_words(m, coll.fields.get(m), record) for m in missing))
        findings.append(
            report(
                MISSING_REQUIRED,
                record.external_id,
                NO_VALUE[collection],
                who=subject,
                fields=names,
            )
        )
        return None, findings
    return ReadRecord(record, values), findings


def _field_words(name: str, spec: FieldSpec | None, record: SourceRecord | None = None) -> Clause:
    """The field a finding is about: the source field as the record heads it (the alias it
    was read from, e.g. a German table's "Datum"), else the mapping's first name."""
    if spec is None or not spec.field:
        return clause(FIELD, name=name)
    written = spec.field
    if record is not None:
        keys = [k for k in (find_key(record.fields, n) for n in spec.names) if k is not None]
        filled = [k for k in keys if not is_empty(record.fields[k])]
        written = next(iter(filled or keys), written)
    return clause(SOURCE_FIELD, field=written, name=name)


# --------------------------------------------------------------------------------------------
# Building the workspace


class _People:
    """People seen while building one workspace, merged by id (local to one apply call).

    Indexed by email and by name so that people written as text resolve in constant time.
    """

    def __init__(self) -> None:
        self.by_id: dict[str, Person] = {}
        self._by_email: dict[str, str] = {}
        self._by_name: dict[str, str] = {}

    def add(self, person: Person) -> None:
        known = self.by_id.get(person.id)
        if known is not None:
            person = Person(
                id=known.id, name=known.name or person.name, email=known.email or person.email
            )
            if person == known:
                return
        self.by_id[person.id] = person
        if person.email:
            self._by_email.setdefault(person.email.casefold(), person.id)
        if person.name:
            self._by_name.setdefault(option_key(person.name), person.id)

    def add_value(self, value: PersonValue) -> None:
        if value.id is not None:
            self.add(Person(id=value.id, name=value.name, email=value.email))

    def resolve(self, value: PersonValue) -> str:
        """The id of `value`: its own, a known person with that email or name, or a new one."""
        if value.id is not None:
            return value.id
        if value.email and value.email.casefold() in self._by_email:
            return self._by_email[value.email.casefold()]
        name = option_key(value.name)
        if name and name in self._by_name:
            return self._by_name[name]
        new_id = value.email or value.name
        self.add(Person(id=new_id, name=value.name, email=value.email))
        return new_id


def _source_ref(record: SourceRecord, connector: str) -> SourceRef:
    return SourceRef(
        connector=connector,
        external_id=record.external_id,
        url=record.url,
        updated_at=record.updated_at,
    )


def _build(
    model: type[Frozen],
    data: dict[str, Any],
    who: Clause,
    subject: str,
    report: FindingMaker,
    findings: list[Finding],
) -> Any:
    """Construct `model`, dropping (with a DATA001 finding) any field the model rejects."""
    data = dict(data)
    for _ in range(len(data) + 1):
        try:
            return model(**data)
        except ValidationError as exc:
            bad = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
            bad &= set(data) - {"id", "title", "objective", "key_result", "name"}
            if not bad:
                findings.append(
                    report(INVALID_RECORD, subject, INVALID, who=who, problems=model_problems(exc))
                )
                return None
            for name in sorted(bad):
                error = next(e for e in exc.errors() if e["loc"] and e["loc"][0] == name)
                findings.append(
                    report(
                        UNPARSEABLE,
                        subject,
                        REJECTED_VALUE,
                        who=who,
                        name=name,
                        value=show(data[name]),
                        problem=Glossed(error["msg"], model_problem(error)),
                    )
                )
                del data[name]
    return None


def _number(value: Any) -> float | None:
    return value.value if isinstance(value, ParsedNumber) else None


def apply_mapping(
    mapping: Mapping,
    records: Iterable[SourceRecord | AnyMapping[str, Any]],
    *,
    connector: str,
) -> MappingResult:
    """Turn source records into a canonical Workspace with the mapping's findings.

    Records are SourceRecords or plain dicts of the same shape (`collection`, `external_id`,
    `url`, `updated_at`, `fields`, `trashed`); a dict that is not one becomes a DATA007
    finding. `connector` is written into each record's SourceRef. Records of collections the
    mapping does not declare are ignored; trashed records and those failing `where` are
    counted in `dropped`. The canonical id of every record is its external id.
    """
    report = finding_maker()
    suppressions: SuppressionParser = parse_suppressions
    findings: list[Finding] = []
    dropped = 0
    read: dict[str, list[ReadRecord]] = {c: [] for c in _ORDER}
    seen: dict[str, set[str]] = {c: set() for c in _ORDER}
    valid: list[SourceRecord] = []
    for position, given in enumerate(records):
        try:
            valid.append(_as_record(given))
        except ValidationError as exc:
            given_id = given.get("external_id") if isinstance(given, AnyMapping) else None
            subject = str(given_id or f"record #{position + 1}")
            findings.append(
                report(
                    INVALID_RECORD,
                    subject,
                    INVALID_SOURCE_RECORD,
                    subject=subject,
                    problems=model_problems(exc),
                )
            )
    locales = page_locales(mapping, valid)
    for record in valid:
        coll = mapping.collections.get(record.collection)
        if coll is None:
            continue
        if record.trashed or not _matches_where(coll, record):
            dropped += 1
            continue
        locale = locales.get(page_of(record), mapping.locale)
        got, problems = read_record(record.collection, coll, record, locale, report, suppressions)
        findings.extend(problems)
        if got is None:
            continue
        if record.external_id in seen[record.collection]:
            title = got.values.get("title", got.values.get("name"))
            findings.append(
                report(
                    DUPLICATE_ID,
                    record.external_id,
                    SAME_ID[record.collection],
                    who=_who(record.collection, record, title),
                )
            )
            continue
        seen[record.collection].add(record.external_id)
        read[record.collection].append(got)
    read["objectives"] = _objectives_only(mapping, read, report, findings)

    people = _People()
    for item in read["people"]:
        name = item.values.get("name", "")
        people.add(Person(id=item.record.external_id, name=name, email=item.values.get("email")))
    for collection in ("objectives", "key_results"):
        for item in read[collection]:
            for value in item.values.get("owners", ()):
                people.add_value(value)

    locale = mapping.locale
    cycles, cycle_index = _cycles(read["cycles"], connector, locale, report, findings)
    objectives = _objectives(
        read["objectives"], connector, people, (cycles, cycle_index, locale), report, findings
    )
    key_results = _key_results(read["key_results"], connector, people, objectives, report, findings)
    check_ins = _check_ins(read["check_ins"], key_results, report, findings)
    workspace = Workspace(
        cycles=tuple(cycles.values()),
        objectives=tuple(objectives.values()),
        key_results=tuple(key_results.values()),
        people=tuple(people.by_id.values()),
        check_ins=tuple(check_ins),
    )
    return MappingResult(workspace=workspace, findings=tuple(findings), dropped=dropped)


def _objectives_only(
    mapping: Mapping,
    read: dict[str, list[ReadRecord]],
    report: FindingMaker,
    findings: list[Finding],
) -> list[ReadRecord]:
    """The objective records that are objectives: a record carrying none of the source keys
    the mapping reads (a title property counts; pseudo-fields such as a page's `@title` do
    not) and no key results is another page the source's query matched (meeting notes with
    the `okr` label): skipped with an info finding, so it is never scored or written on."""
    coll = mapping.collections["objectives"]
    specs = [spec for spec in coll.fields.values() if spec.field and not spec.field.startswith("@")]
    if not specs:
        return read["objectives"]
    referred: set[str] = set()
    for item in read["key_results"]:
        referred.update(option_key(ref) for ref in item.values.get("objective", ()))
    kept: list[ReadRecord] = []
    keys = ", ".join(f'"{spec.field}"' for spec in specs[:4])
    for item in read["objectives"]:
        record, values = item
        if (
            any(has_source_field(record, spec) for spec in specs)
            or {
                option_key(record.external_id),
                option_key(values["title"]),
            }
            & referred
        ):
            kept.append(item)
            continue
        findings.append(
            report(
                NOT_AN_OBJECTIVE,
                record.external_id,
                NOT_READ_AS_OBJECTIVE,
                who=_who("objectives", record, values["title"]),
                keys=keys,
            )
        )
    return kept


def _as_record(item: SourceRecord | AnyMapping[str, Any]) -> SourceRecord:
    return item if isinstance(item, SourceRecord) else SourceRecord.model_validate(dict(item))


def _cycles(
    items: list[ReadRecord],
    connector: str,
    locale: Locale,
    report: FindingMaker,
    findings: list[Finding],
) -> tuple[dict[str, Cycle], dict[str, str]]:
    """Cycles from a cycles collection, and an index from names and period ids to cycle ids."""
    cycles: dict[str, Cycle] = {}
    index: dict[str, str] = {}
    for item in items:
        record, values = item
        name: str = values["name"]
        subject = _who("cycles", record, name)
        period: Period | None
        try:
            period = parse_cycle(name, locale.fiscal_year_start)
        except ValueParseError:
            period = None
        start = values.get("start", period.start if period else None)
        end = values.get("end", period.end if period else None)
        if start is None or end is None:
            findings.append(
                report(MISSING_REQUIRED, record.external_id, CYCLE_WITHOUT_DATES, who=subject)
            )
            continue
        data = {
            "id": record.external_id,
            "name": name,
            "start": start,
            "end": end,
            "source": _source_ref(record, connector),
        }
        cycle = _build(Cycle, data, subject, record.external_id, report, findings)
        if cycle is None:
            continue
        cycles[cycle.id] = cycle
        index.setdefault(option_key(name), cycle.id)
        if period is not None:
            index.setdefault(period.id.casefold(), cycle.id)
    return cycles, index


CycleBook = tuple[dict[str, Cycle], dict[str, str], Locale]
"""The cycles read so far, the index of their names and period ids, and the locale."""


def _resolve_cycle(candidates: tuple[str, ...], book: CycleBook) -> str | None:
    """The cycle id for an objective's cycle value, creating a Cycle from a name if needed."""
    cycles, index, locale = book
    for candidate in candidates:
        if candidate in cycles:
            return candidate
        if option_key(candidate) in index:
            return index[option_key(candidate)]
        try:
            period = parse_cycle(candidate, locale.fiscal_year_start)
        except ValueParseError:
            continue
        known = index.get(period.id.casefold())
        if known is not None:
            return known
        cycles[period.id] = Cycle(
            id=period.id, name=period.name, start=period.start, end=period.end
        )
        index[period.id.casefold()] = period.id
        index[option_key(period.name)] = period.id
        return period.id
    return None


def _objectives(
    items: list[ReadRecord],
    connector: str,
    people: _People,
    book: CycleBook,
    report: FindingMaker,
    findings: list[Finding],
) -> dict[str, Objective]:
    by_title: dict[str, str] = {}
    for item in items:
        by_title.setdefault(option_key(item.values["title"]), item.record.external_id)
    ids = {item.record.external_id for item in items}
    objectives: dict[str, Objective] = {}
    for record, values in items:
        subject = _who("objectives", record, values["title"])
        data: dict[str, Any] = {"id": record.external_id, "source": _source_ref(record, connector)}
        for name, value in values.items():
            if name == "owners":
                data[name] = tuple(dict.fromkeys(people.resolve(p) for p in value))
            elif name == "cycle":
                cycle = _resolve_cycle(value, book)
                if cycle is None:
                    findings.append(
                        report(
                            DANGLING_RELATION,
                            record.external_id,
                            UNKNOWN_CYCLE,
                            who=subject,
                            value=show(", ".join(value)),
                        )
                    )
                else:
                    data[name] = cycle
            elif name == "parents":
                data[name] = tuple(
                    dict.fromkeys(_resolve_ref(p, ids, by_title) or p for p in value)
                )
            else:
                data[name] = value
        objective = _build(Objective, data, subject, record.external_id, report, findings)
        if objective is not None:
            objectives[objective.id] = objective
    return objectives


def _resolve_ref(ref: str, ids: set[str] | dict[str, Any], by_title: dict[str, str]) -> str | None:
    if ref in ids:
        return ref
    return by_title.get(option_key(ref))


def _key_results(
    items: list[ReadRecord],
    connector: str,
    people: _People,
    objectives: dict[str, Objective],
    report: FindingMaker,
    findings: list[Finding],
) -> dict[str, KeyResult]:
    by_title: dict[str, str] = {}
    for objective in objectives.values():
        by_title.setdefault(option_key(objective.title), objective.id)
    key_results: dict[str, KeyResult] = {}
    for record, values in items:
        subject = _who("key_results", record, values["title"])
        refs: tuple[str, ...] = values["objective"]
        if len(refs) > 1:
            findings.append(
                report(
                    AMBIGUOUS_RELATION,
                    record.external_id,
                    SEVERAL_OBJECTIVES,
                    who=subject,
                    count=len(refs),
                    refs=", ".join(refs),
                    first=refs[0],
                )
            )
        objective_id = _resolve_ref(refs[0], objectives, by_title)
        if objective_id is None:
            findings.append(
                report(
                    DANGLING_RELATION,
                    record.external_id,
                    OBJECTIVE_NOT_READ,
                    who=subject,
                    ref=refs[0],
                )
            )
            continue
        data: dict[str, Any] = {
            "id": record.external_id,
            "objective": objective_id,
            "source": _source_ref(record, connector),
            "updated_at": record.updated_at,
        }
        for name, value in values.items():
            if name == "objective":
                continue
            if name == "owners":
                data[name] = tuple(dict.fromkeys(people.resolve(p) for p in value))
            elif isinstance(value, ParsedNumber):
                data[name] = value.value
            else:
                data[name] = value
        if "unit" not in values:
            for name in ("target", "current", "start"):
                unit = values[name].unit if isinstance(values.get(name), ParsedNumber) else None
                if unit:
                    data["unit"] = unit
                    break
        key_result = _build(KeyResult, data, subject, record.external_id, report, findings)
        if key_result is not None:
            key_results[key_result.id] = key_result
    return key_results


def _check_ins(
    items: list[ReadRecord],
    key_results: dict[str, KeyResult],
    report: FindingMaker,
    findings: list[Finding],
) -> list[CheckIn]:
    by_title = {option_key(kr.title): kr.id for kr in key_results.values()}
    on_page: dict[str, dict[str, str]] = {}
    for kr in key_results.values():
        on_page.setdefault(kr.objective, {}).setdefault(option_key(kr.title), kr.id)
    check_ins: list[CheckIn] = []
    for record, values in items:
        subject = _who("check_ins", record, None)
        refs: tuple[str, ...] = values["key_result"]
        page = record.fields.get("@page")
        if isinstance(page, str) and "@row" in record.fields:
            # A row people wrote on an objective page names a key result of that page.
            titles = on_page.get(page, {})
            key_result = (
                refs[0] if refs[0] in key_results else titles.get(option_key(", ".join(refs)))
            )
            if key_result is None:
                named = [key_results[i].title for i in titles.values()]
                findings.append(
                    report(
                        DANGLING_RELATION,
                        record.external_id,
                        KEY_RESULT_NOT_ON_PAGE,
                        who=subject,
                        ref=show(", ".join(refs)),
                        titles=", ".join(named) or "-",
                    )
                )
                continue
        else:
            key_result = _resolve_ref(refs[0], key_results, by_title)
        if key_result is None:
            findings.append(
                report(
                    DANGLING_RELATION,
                    record.external_id,
                    KEY_RESULT_NOT_READ,
                    who=subject,
                    ref=refs[0],
                )
            )
            continue
        data = {k: (_number(v) if isinstance(v, ParsedNumber) else v) for k, v in values.items()}
        data["key_result"] = key_result
        check_in = _build(CheckIn, data, subject, record.external_id, report, findings)
        if check_in is not None:
            check_ins.append(check_in)
    return check_ins
