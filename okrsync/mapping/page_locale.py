"""Which decimal mark a page writes its numbers with, when it differs from the mapping's.

One space or database mostly follows one locale (the mapping's `locale.decimal`), but a German
team's page in an English space writes "71,5 %" and "1.234,5 €". The rule, per page (an
objective page together with the key results on it or under it; a record without a page is its
own page):

1. Every number a mapped number or confidence field holds *as text* on that page is looked at.
2. A number with both marks ("1.234,5", "1,234.5") decides by its last mark; a number with one
   mark used once decides when fewer or more than three digits follow it ("71,5", "0.25");
   a mark used twice ("1.234.567") is a thousands mark, so the other one decides. "1,234" and
   "1.234" decide nothing.
3. When every deciding number on the page says the other mark, the page is read with it;
   otherwise (no deciding number, or both marks) the mapping's locale is used and numbers that
   do not fit it are reported as unreadable, never guessed.

Numbers stored as numbers (Notion number properties) are not text and never decide anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final, Literal

from okrsync.connector import SourceRecord
from okrsync.mapping.keys import find_key
from okrsync.mapping.schema import FIELD_KINDS, Locale, Mapping

Mark = Literal[".", ","]
_NUMBER: Final = re.compile(r"\d+(?:[.,]\d+)+")
_NUMBER_KINDS: Final = frozenset({"number", "confidence"})


def decimal_evidence(text: str) -> set[Mark]:
    """The decimal marks the numbers in `text` can only be read with (rule 2 above)."""
    found: set[Mark] = set()
    for match in _NUMBER.finditer(text):
        number = match.group()
        marks = [c for c in number if c in ".,"]
        if "." in marks and "," in marks:
            found.add("," if marks[-1] == "," else ".")
        elif len(marks) > 1:
            found.add("," if marks[0] == "." else ".")
        else:
            digits_after = len(number.rsplit(marks[0], 1)[1])
            if digits_after != 3:
                found.add("," if marks[0] == "," else ".")
    return found


def page_of(record: SourceRecord) -> str:
    """The page a record is on: a key result row's or child page's objective page, else itself."""
    page = record.fields.get("@page")
    return page if isinstance(page, str) and page else record.external_id


def _number_texts(mapping: Mapping, record: SourceRecord) -> Iterable[str]:
    coll = mapping.collections.get(record.collection)
    if coll is None:
        return
    kinds = FIELD_KINDS[record.collection]
    for canonical, spec in coll.fields.items():
        if kinds.get(canonical) not in _NUMBER_KINDS:
            continue
        for name in spec.names:
            key = find_key(record.fields, name)
            if key is not None and isinstance(record.fields[key], str):
                yield record.fields[key]


def page_locales(mapping: Mapping, records: Iterable[SourceRecord]) -> dict[str, Locale]:
    """Page -> the locale to read it with, for the pages whose numbers say another decimal mark."""
    own = mapping.locale.decimal
    evidence: dict[str, set[Mark]] = {}
    for record in records:
        for text in _number_texts(mapping, record):
            evidence.setdefault(page_of(record), set()).update(decimal_evidence(text))
    other: Mark = "," if own == "." else "."
    return {
        page: mapping.locale.model_copy(update={"decimal": other})
        for page, marks in evidence.items()
        if marks == {other}
    }
