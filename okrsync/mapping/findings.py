"""The mapping/data findings (problems in source values, per record).

There is one table of DATA codes, the rule catalogue's (`okrsync.rules.data`): the mapping names
a code and a message, and the catalogue gives its severity, name and hint, so `okrsync rules`
and the findings always agree.
Suppression notes are read by the catalogue's one parser, `okrsync.rules.parse_suppressions`.

Every message here is a catalogue id with named values (the record, the field, the problem as
clauses of their own), so a German source's warnings are German (`okrsync.rules.
finding_message`); the English a finding keeps as its identity reads as it always did.
Pydantic's own error texts stay in the English message and are said by their kind elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, Protocol

from pydantic import ValidationError

from okrsync.i18n import N_
from okrsync.i18n.message import Clause, Glossed, Listing, Phrase, clause, english
from okrsync.model import Finding
from okrsync.rules import make_finding

UNPARSEABLE: Final = "DATA001"
MISSING_REQUIRED: Final = "DATA002"
UNKNOWN_OPTION: Final = "DATA003"
DANGLING_RELATION: Final = "DATA004"
DUPLICATE_ID: Final = "DATA005"
UNREADABLE: Final = "DATA006"
INVALID_RECORD: Final = "DATA007"
NOT_AN_OBJECTIVE: Final = "DATA009"
# The catalogue's DATA008 is "unknown suppression", reported by the rules. A key result linked to
# several objectives has a value its one-objective field cannot hold: an unparseable value.
AMBIGUOUS_RELATION: Final = UNPARSEABLE

SuppressionParser = Callable[[Any], tuple[str, ...]]

# The record a finding is about: (with its title, without one), per collection.
WHO: Final = {
    "objectives": (N_('objective "{title}" ({id})'), N_("objective {id}")),
    "key_results": (N_('key result "{title}" ({id})'), N_("key result {id}")),
    "cycles": (N_('cycle "{title}" ({id})'), N_("cycle {id}")),
    "people": (N_('person "{title}" ({id})'), N_("person {id}")),
    "check_ins": (N_('check-in "{title}" ({id})'), N_("check-in {id}")),
}
# TRANSLATORS: a row people wrote in the check-in table of an objective page (Confluence).
CHECK_IN_ROW: Final = N_('the check-in in row {row} of the check-ins on page "{page}" ({id})')
SOURCE_FIELD: Final = N_('source field "{field}" ({name})')
FIELD: Final = N_("field {name}")

# TRANSLATORS: {who} is the record ('key result "Revenue" (abc)'), {field} the field
# ('source field "Current" (current)'), {problem} one of the field problems below.
FIELD_PROBLEM: Final = N_("{who}: {field} {problem}")
CANNOT_READ: Final = N_("cannot read the {vendor_type} value {value}")
NOT_IN_VALUE_MAP: Final = N_(
    "holds {value}, which the mapping's value map does not know (it knows {known})"
)
NOT_IN_VALUE_MAP_DEFAULT: Final = N_(
    "holds {value}, which the mapping's value map does not know, so the default {default} was "
    "used (it knows {known})"
)
NOT_AN_OPTION: Final = N_("holds {value}, which is not one of {choices} (add a value map)")
NOT_READABLE_AS: Final = N_("holds {value}, which is not {expected}")
BAD_DEFAULT: Final = N_("the mapping's default {value} is not {expected}")
BAD_VALUE_MAP: Final = N_("the mapping's value map {value} is not {expected}")

NO_VALUE: Final = {
    "objectives": N_("{who}: no value for {fields}; the objective is skipped"),
    "key_results": N_("{who}: no value for {fields}; the key result is skipped"),
    "cycles": N_("{who}: no value for {fields}; the cycle is skipped"),
    "people": N_("{who}: no value for {fields}; the person is skipped"),
    "check_ins": N_("{who}: no value for {fields}; the check-in is skipped"),
}
SAME_ID: Final = {
    "objectives": N_("{who}: another objective has the same id; this one is skipped"),
    "key_results": N_("{who}: another key result has the same id; this one is skipped"),
    "cycles": N_("{who}: another cycle has the same id; this one is skipped"),
    "people": N_("{who}: another person has the same id; this one is skipped"),
    "check_ins": N_("{who}: another check-in has the same id; this one is skipped"),
}
NOT_READ_AS_OBJECTIVE: Final = N_(
    "{who} matches the source's query but has none of the keys the mapping reads ({keys}, ...) "
    "and no key results; it is not read as an objective and okrsync never writes on it"
)
CYCLE_WITHOUT_DATES: Final = N_(
    '{who}: no start and end dates, and the name is not a cycle name like "Q3 2025"; the cycle '
    "is skipped"
)
UNKNOWN_CYCLE: Final = N_(
    '{who}: cycle {value} is neither a cycle okrsync read nor a cycle name like "Q3 2025"; the '
    "objective has no cycle"
)
SEVERAL_OBJECTIVES: Final = N_(
    "{who}: linked to {count} objectives ({refs}); okrsync uses the first, {first}"
)
OBJECTIVE_NOT_READ: Final = N_(
    "{who}: its objective {ref} is not among the objectives okrsync read; the key result is skipped"
)
KEY_RESULT_NOT_READ: Final = N_(
    "{who}: its key result {ref} is not among the key results okrsync read; the check-in is skipped"
)
KEY_RESULT_NOT_ON_PAGE: Final = N_(
    "{who}: no key result on that page is called {ref} (its key results: {titles}); write the "
    "key result's title as its key-result table has it, or link to it; the check-in is skipped"
)
# TRANSLATORS: {name} is a field of okrsync's model (current, confidence...), {value} the
# value as the source wrote it, {problem} what is wrong with it (one of the kinds below).
REJECTED_VALUE: Final = N_("{who}: {name} {value}: {problem}")
INVALID: Final = N_("{who}: {problems}; it is skipped")
INVALID_SOURCE_RECORD: Final = N_("source record {subject}: {problems}")
MODEL_PROBLEM: Final = N_("{field}: {problem}")

# What pydantic found wrong, said by its kind (its own words stay in the English message).
_NOT_A_NUMBER: Final = Phrase(N_("not a number"))
_NOT_A_DATE: Final = Phrase(N_("not a date"))
_NOT_TEXT: Final = Phrase(N_("not text"))
_NOT_YES_OR_NO: Final = Phrase(N_("not yes or no"))
_NOT_ALLOWED: Final = Phrase(N_("not one of the allowed values"))
_REQUIRED: Final = Phrase(N_("a value is required"))
_CONTRADICTS: Final = Phrase(
    N_("its values contradict each other (such as an end before the start)")
)
_NOT_VALID: Final = Phrase(N_("not a valid value"))
_LIMITS: Final = {
    "ge": N_("must be at least {limit}"),
    "gt": N_("must be more than {limit}"),
    "le": N_("must be at most {limit}"),
    "lt": N_("must be less than {limit}"),
}
_KINDS: Final = (
    (("float", "int", "decimal", "finite_number", "complex"), _NOT_A_NUMBER),
    (("date", "datetime", "time"), _NOT_A_DATE),
    (("string", "str"), _NOT_TEXT),
    (("bool",), _NOT_YES_OR_NO),
    (("literal", "enum"), _NOT_ALLOWED),
    (("missing",), _REQUIRED),
    (("value_error", "assertion_error"), _CONTRADICTS),
)


class FindingMaker(Protocol):
    """Makes a finding of a DATA `code` about `subject` from a catalogue message and its values."""

    def __call__(self, code: str, subject: str, message_id: str, /, **params: Any) -> Finding: ...


def finding_maker() -> FindingMaker:
    """A function `(code, subject, message_id, **params) -> Finding` with the catalogue's words.

    The finding's `message` is the English text; `message_id` and `params` say it in any
    language.
    """

    def make(code: str, subject: str, message_id: str, /, **params: Any) -> Finding:
        text, values = english(message_id, params)
        found = make_finding(code, subject, message=text)
        return found._replace(message_id=message_id, params=values)

    return make


def who(collection: str, record_id: str, title: Any, row: Any = None, page: Any = None) -> Clause:
    """The record a finding is about, with its title when it has one; a row of a table on a
    page (`row`, `page`: a check-in people wrote on an objective page) by its row and page."""
    if isinstance(row, int) and isinstance(page, str) and page:
        return clause(CHECK_IN_ROW, row=row, page=page, id=record_id)
    titled, untitled = WHO[collection]
    if isinstance(title, str) and title:
        return clause(titled, title=title, id=record_id)
    return clause(untitled, id=record_id)


def model_problem(error: Any) -> Phrase | Clause:
    """What one of pydantic's errors says, by its kind ("not a number", "must be at most 1")."""
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    if kind.startswith(("greater_than", "less_than")):
        for key, message in _LIMITS.items():
            if key in context:
                return clause(message, limit=context[key])
    for prefixes, phrase in _KINDS:
        if kind.startswith(prefixes):
            return phrase
    return _NOT_VALID


def model_problems(exc: ValidationError) -> Glossed:
    """All of a validation error's problems: pydantic's words in English (as before), said
    field by field by their kind in other languages."""
    english_words = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    said = tuple(
        clause(MODEL_PROBLEM, field=".".join(map(str, e["loc"])), problem=model_problem(e))
        if e["loc"]
        else model_problem(e)  # the record as a whole (a cycle ending before it starts)
        for e in exc.errors()
    )
    return Glossed(english_words, Listing(said, separator="; "))
