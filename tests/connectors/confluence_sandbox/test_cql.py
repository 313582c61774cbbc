"""The CQL subset: parsing, evaluation against a store, ordering, and errors."""

from __future__ import annotations

from datetime import datetime

import pytest

from okrsync_sandbox.confluence.cql import BoolOp, Clause, CqlError, Not, parse, search
from okrsync_sandbox.confluence.store import Store


@pytest.fixture
def store() -> Store:
    """OKR: Home > Objectives > Beta[okr, q3], Alpha[okr], Gamma; OTHER: Delta[okr]."""
    store = Store(clock=lambda: 1_700_000_000.0)
    store.create_space("OKR", "OKRs")
    store.create_space("OTHER", "Other")
    home = store.create_page("OKR", "Home", "<p/>")
    objectives = store.create_page("OKR", "Objectives", "<p/>", home.id)
    store.create_page("OKR", "Beta", "<p/>", objectives.id, labels=("okr", "q3"))
    store.create_page("OKR", "Alpha", "<p/>", objectives.id, labels=("okr",))
    store.create_page("OKR", "Gamma", "<p/>", objectives.id)
    store.create_page("OTHER", "Delta", "<p/>", labels=("okr",))
    return store


def titles(store: Store, cql: str) -> list[str]:
    return [p.title for p in search(parse(cql), store)]


def ids(store: Store, *names: str) -> list[str]:
    return [p.id for p in store.all_pages() if p.title in names]


def test_parse_builds_the_expected_tree() -> None:
    query = parse('label = okr AND (space = "OKR" OR NOT title ~ draft) ORDER BY title DESC')
    assert query.where == BoolOp(
        "and",
        (
            Clause("label", "=", ("okr",)),
            BoolOp(
                "or",
                (Clause("space", "=", ("OKR",)), Not(Clause("title", "~", ("draft",)))),
            ),
        ),
    )
    assert query.order_by == (("title", True),)


def test_and_binds_tighter_than_or(store: Store) -> None:
    assert titles(store, "space = OTHER OR label = q3 AND title = Alpha") == ["Delta"]
    assert titles(store, "(space = OTHER OR label = q3) AND title = Beta") == ["Beta"]


@pytest.mark.parametrize(
    ("cql", "expected"),
    [
        ("label = okr", ["Beta", "Alpha", "Delta"]),
        ("label = okr AND space = OKR", ["Beta", "Alpha"]),
        ("label != okr AND space = OKR", ["Home", "Objectives", "Gamma"]),
        ("label IN (q3, missing)", ["Beta"]),
        ("space NOT IN (OKR)", ["Delta"]),
        ("space.key = other", ["Delta"]),
        ("type = page AND title = 'alpha'", ["Alpha"]),
        ("type = blogpost", []),
        ('title ~ "ta"', ["Beta", "Delta"]),
        ("title !~ a", ["Home", "Objectives"]),
        ("label = okr ORDER BY title", ["Alpha", "Beta", "Delta"]),
        ("space = OKR ORDER BY title DESC", ["Objectives", "Home", "Gamma", "Beta", "Alpha"]),
        ("ORDER BY id DESC", ["Delta", "Gamma", "Alpha", "Beta", "Objectives", "Home"]),
    ],
)
def test_fields_and_operators(store: Store, cql: str, expected: list[str]) -> None:
    assert titles(store, cql) == expected


def test_ancestor_parent_and_id(store: Store) -> None:
    home, objectives = ids(store, "Home")[0], ids(store, "Objectives")[0]
    assert titles(store, f"ancestor = {home}") == ["Objectives", "Beta", "Alpha", "Gamma"]
    assert titles(store, f"parent = {objectives} AND label = okr") == ["Beta", "Alpha"]
    assert titles(store, f"parent = {home}") == ["Objectives"]
    alpha = ids(store, "Alpha")[0]
    assert titles(store, f"id = {alpha} OR content = {home}") == ["Home", "Alpha"]


def test_trashed_pages_are_not_found(store: Store) -> None:
    store.delete_page(ids(store, "Alpha")[0])
    assert titles(store, "label = okr AND space = OKR") == ["Beta"]


def test_keywords_are_case_insensitive(store: Store) -> None:
    assert titles(store, "LABEL = okr and Space = okr order by TITLE asc") == ["Alpha", "Beta"]


def test_quoted_values_keep_spaces_and_escapes(store: Store) -> None:
    store.create_page("OKR", 'Say "hi" now', "<p/>")
    assert titles(store, r'title = "Say \"hi\" now"') == ['Say "hi" now']


@pytest.mark.parametrize(
    "cql",
    [
        "",
        "label = okr AND",
        "label = okr AND (space = OKR",
        "label okr",
        "unknownfield = 1",
        "label ~ okr",
        "label IN okr",
        "label = okr ORDER title",
        "label = okr ORDER BY owner",
        "label = okr )",
        "label = $",
        "lastmodified >= yesterday",
        "created ~ 2025/01/01",
        "lastmodified IN (2025/01/01)",
        "title > a",
    ],
)
def test_errors_say_could_not_parse(cql: str) -> None:
    with pytest.raises(CqlError, match="Could not parse cql"):
        parse(cql)


class Clock:
    def __init__(self, at: str) -> None:
        self.now = datetime.fromisoformat(at).timestamp()

    def __call__(self) -> float:
        return self.now


def test_lastmodified_and_created_compare_at_the_precision_written() -> None:
    clock = Clock("2025-07-01T10:00:30+00:00")
    store = Store(clock=clock)
    store.create_space("OKR", "OKRs")
    old = store.create_page("OKR", "Old", "<p/>", labels=("okr",))
    clock.now += 3600  # 11:00:30
    new = store.create_page("OKR", "New", "<p/>", labels=("okr",))
    clock.now += 86400  # the next day, 11:00:30
    store.update_page(old.id, version=2, body="<p>touched</p>")
    assert titles(store, 'lastmodified >= "2025/07/02 11:00"') == ["Old"]
    assert titles(store, 'lastmodified >= "2025/07/02 11:01"') == []
    assert titles(store, "lastmodified < 2025-07-02") == ["New"]
    assert titles(store, 'created = "2025/07/01"') == ["Old", "New"]
    assert titles(store, 'created = "2025-07-01 10:00"') == ["Old"]
    assert titles(store, 'created > "2025/07/01 10:00"') == ["New"]
    assert titles(store, 'created <= "2025/07/01 10:00"') == ["Old"]
    assert titles(store, 'created != "2025/07/01 11:00"') == ["Old"]
    assert titles(store, '(label = okr) and lastmodified >= "2025/07/01 10:59" ORDER BY title') == [
        "New",
        "Old",
    ]
    assert new.id != old.id
