"""A subset of CQL (Confluence Query Language), enough for finding OKR pages.

Supported: the fields `label`, `space` (also `space.key`), `ancestor`, `parent`, `title`,
`type`, `id` (also `content`); the operators `=`, `!=`, `IN (...)`, `NOT IN (...)` and, for
`title`, `~` / `!~` (contains, case-insensitive); the date fields `lastmodified` and
`created` with `=`, `!=`, `>`, `>=`, `<`, `<=` against "yyyy/MM/dd HH:mm", "yyyy-MM-dd HH:mm",
"yyyy/MM/dd" or "yyyy-MM-dd" (UTC; `=` compares at the precision given); `AND`, `OR`, `NOT`,
parentheses; and `ORDER BY title|id|created|lastmodified [ASC|DESC]`. Keywords are
case-insensitive; values are quoted with `"` or `'` or bare words. Anything else is a parse
error, which the server answers with a 400, as Confluence does for CQL it cannot read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal

from .store import Page, Store

FIELDS: Final = frozenset(
    {"label", "space", "space.key", "ancestor", "parent", "title", "type", "id", "content"}
)
DATE_FIELDS: Final = frozenset({"lastmodified", "created"})
DATE_FORMATS: Final = (
    ("%Y/%m/%d %H:%M", 60),
    ("%Y-%m-%d %H:%M", 60),
    ("%Y/%m/%d", 86400),
    ("%Y-%m-%d", 86400),
)
ORDER_FIELDS: Final = frozenset({"title", "id", "created", "lastmodified"})
_TOKEN: Final = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>!=|!~|>=|<=|=|~|>|<|\(|\)|,)
      | (?P<word>[A-Za-z0-9_.\-:~@+/]+)
    )""",
    re.VERBOSE,
)


class CqlError(ValueError):
    """The CQL could not be parsed or uses a field this emulator does not know."""


@dataclass(frozen=True)
class Token:
    kind: Literal["string", "op", "word"]
    text: str


@dataclass(frozen=True)
class Clause:
    field: str
    op: Literal["=", "!=", "~", "!~", "in", "not in", ">", ">=", "<", "<="]
    values: tuple[str, ...]


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class BoolOp:
    op: Literal["and", "or"]
    operands: tuple[Node, ...]


Node = Clause | Not | BoolOp


@dataclass(frozen=True)
class Query:
    where: Node | None
    order_by: tuple[tuple[str, bool], ...] = ()  # (field, descending)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise CqlError(f"Could not parse cql : {text} (unexpected character at {pos})")
        if (quoted := match.group("string")) is not None:
            tokens.append(Token("string", re.sub(r"\\(.)", r"\1", quoted[1:-1])))
        elif (op := match.group("op")) is not None:
            tokens.append(Token("op", op))
        else:
            tokens.append(Token("word", match.group("word")))
        pos = match.end()
    return tokens


class _Parser:
    """Recursive descent over the token list; one instance per query."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0

    def error(self, why: str) -> CqlError:
        return CqlError(f"Could not parse cql : {self.text} ({why})")

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def peek_word(self, *words: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == "word" and token.text.lower() in words

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise self.error("unexpected end of query")
        self.pos += 1
        return token

    def expect_op(self, op: str) -> None:
        token = self.take()
        if token.kind != "op" or token.text != op:
            raise self.error(f"expected {op!r}, found {token.text!r}")

    def parse(self) -> Query:
        where: Node | None = None
        if self.peek() is not None and not self.peek_word("order"):
            where = self.or_expr()
        order: list[tuple[str, bool]] = []
        if self.peek_word("order"):
            self.take()
            if not self.peek_word("by"):
                raise self.error("expected BY after ORDER")
            self.take()
            while True:
                field = self.take().text.lower()
                if field not in ORDER_FIELDS:
                    raise self.error(f"cannot order by {field!r}")
                descending = False
                if self.peek_word("asc", "desc"):
                    descending = self.take().text.lower() == "desc"
                order.append((field, descending))
                token = self.peek()
                if token is None or token.text != ",":
                    break
                self.take()
        if self.peek() is not None:
            raise self.error(f"unexpected {self.take().text!r}")
        if where is None and not order:
            raise self.error("empty query")
        return Query(where, tuple(order))

    def or_expr(self) -> Node:
        operands = [self.and_expr()]
        while self.peek_word("or"):
            self.take()
            operands.append(self.and_expr())
        return operands[0] if len(operands) == 1 else BoolOp("or", tuple(operands))

    def and_expr(self) -> Node:
        operands = [self.not_expr()]
        while self.peek_word("and"):
            self.take()
            operands.append(self.not_expr())
        return operands[0] if len(operands) == 1 else BoolOp("and", tuple(operands))

    def not_expr(self) -> Node:
        if self.peek_word("not"):
            self.take()
            return Not(self.not_expr())
        token = self.peek()
        if token is not None and token.kind == "op" and token.text == "(":
            self.take()
            inner = self.or_expr()
            self.expect_op(")")
            return inner
        return self.clause()

    def value(self) -> str:
        token = self.take()
        if token.kind == "op":
            raise self.error(f"expected a value, found {token.text!r}")
        return token.text

    def clause(self) -> Clause:
        token = self.take()
        if token.kind != "word":
            raise self.error(f"expected a field, found {token.text!r}")
        field = token.text.lower()
        if field in DATE_FIELDS:
            return self.date_clause(field)
        if field not in FIELDS:
            raise self.error(f"unknown field {token.text!r}")
        if self.peek_word("in", "not"):
            negate = self.take().text.lower() == "not"
            if negate:
                if not self.peek_word("in"):
                    raise self.error("expected IN after NOT")
                self.take()
            self.expect_op("(")
            values = [self.value()]
            while (nxt := self.peek()) is not None and nxt.text == ",":
                self.take()
                values.append(self.value())
            self.expect_op(")")
            return Clause(field, "not in" if negate else "in", tuple(values))
        op = self.take()
        if op.kind != "op" or op.text not in ("=", "!=", "~", "!~"):
            raise self.error(f"expected an operator after {field}, found {op.text!r}")
        if op.text in ("~", "!~") and field != "title":
            raise self.error(f"operator {op.text} is only supported on title")
        return Clause(field, op.text, (self.value(),))  # type: ignore[arg-type]

    def date_clause(self, field: str) -> Clause:
        op = self.take()
        if op.kind != "op" or op.text not in ("=", "!=", ">", ">=", "<", "<="):
            raise self.error(f"expected a comparison after {field}, found {op.text!r}")
        value = self.value()
        if parse_date(value) is None:
            raise self.error(f"{value!r} is not a date (use yyyy/MM/dd HH:mm or yyyy-MM-dd)")
        return Clause(field, op.text, (value,))  # type: ignore[arg-type]


def parse_date(text: str) -> tuple[float, int] | None:
    """(epoch seconds at the start, length of the period in seconds) of a CQL date, UTC."""
    for fmt, span in DATE_FORMATS:
        try:
            moment = datetime.strptime(text.strip(), fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
        return moment.timestamp(), span
    return None


def _date_matches(node: Clause, page: Page) -> bool:
    parsed = parse_date(node.values[0])
    assert parsed is not None  # checked when parsing
    start, span = parsed
    at = page.current.when if node.field == "lastmodified" else page.created_at
    # The value names a period (the minute or the day written); compare with the whole of it.
    if node.op == "=":
        return start <= at < start + span
    if node.op == "!=":
        return not start <= at < start + span
    if node.op == ">":
        return at >= start + span
    if node.op == ">=":
        return at >= start
    if node.op == "<":
        return at < start
    return at < start + span


def parse(text: str) -> Query:
    """Parse CQL text; raises `CqlError` with Confluence's "Could not parse cql" wording."""
    return _Parser(text).parse()


def _values_of(field: str, page: Page, store: Store) -> set[str]:
    """The page's values for a field, normalised for comparison (lower-case)."""
    if field == "label":
        return {label.lower() for label in page.labels}
    if field in ("space", "space.key"):
        return {page.space_key.lower()}
    if field == "ancestor":
        return set(store.ancestor_ids(page.id))
    if field == "parent":
        return {page.parent_id} if page.parent_id else set()
    if field == "title":
        return {page.title.lower()}
    if field == "type":
        return {"page"}
    return {page.id}


def matches(node: Node, page: Page, store: Store) -> bool:
    """Whether `page` satisfies the parsed condition."""
    if isinstance(node, BoolOp):
        results = (matches(operand, page, store) for operand in node.operands)
        return all(results) if node.op == "and" else any(results)
    if isinstance(node, Not):
        return not matches(node.operand, page, store)
    if node.field in DATE_FIELDS:
        return _date_matches(node, page)
    have = _values_of(node.field, page, store)
    wanted = {v.lower() for v in node.values}
    if node.op == "~":
        return any(w in h for w in wanted for h in have)
    if node.op == "!~":
        return not any(w in h for w in wanted for h in have)
    hit = bool(have & wanted)
    return hit if node.op in ("=", "in") else not hit


def _sort_key(field: str) -> Callable[[Page], tuple[str | float | int, ...]]:
    if field == "title":
        return lambda p: (p.title.lower(),)
    if field == "created":
        return lambda p: (p.created_at, int(p.id))
    if field == "lastmodified":
        return lambda p: (p.current.when, int(p.id))
    return lambda p: (int(p.id),)


def search(query: Query, store: Store) -> list[Page]:
    """The current pages matching `query`, in its ORDER BY order (by id otherwise)."""
    with store.locked():
        found = [
            p for p in store.all_pages() if query.where is None or matches(query.where, p, store)
        ]
    for field, descending in reversed(query.order_by):
        found.sort(key=_sort_key(field), reverse=descending)
    return found
