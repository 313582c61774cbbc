"""Property-based checks of the pure parts: CQL parsing, storage checks, the HTML view."""

from __future__ import annotations

from html import escape, unescape
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from okrsync_sandbox.confluence.cql import CqlError, Query, parse
from okrsync_sandbox.confluence.storage_xml import add_macro_ids, check_storage, parse_storage
from okrsync_sandbox.confluence.store import Conflict, Store
from okrsync_sandbox.confluence.view import render_body
from okrsync_sandbox.confluence.wire import decode_cursor, encode_cursor

XML_TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f"
        "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\ufffe\uffff",
    ),
    max_size=300,
)
CQL_PIECES = st.sampled_from(
    [
        "label",
        "space",
        "title",
        "ancestor",
        "=",
        "!=",
        "~",
        "IN",
        "NOT",
        "AND",
        "OR",
        "(",
        ")",
        ",",
        "okr",
        '"a b"',
        "'x'",
        "ORDER",
        "BY",
        "DESC",
        "12",
        "$",
        '"',
        "\\",
    ]
)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@given(st.lists(CQL_PIECES, max_size=12).map(" ".join) | st.text(max_size=60))
def test_cql_parses_or_fails_with_a_cql_error(text: str) -> None:
    try:
        query = parse(text)
    except CqlError as exc:
        assert str(exc).startswith("Could not parse cql")
    else:
        assert isinstance(query, Query)


@given(st.text(max_size=200))
def test_storage_check_never_crashes(body: str) -> None:
    problem = check_storage(body)
    assert problem is None or problem.startswith("Error parsing xhtml")


@given(XML_TEXT)
def test_escaped_text_is_accepted_and_survives_macro_rewriting(text: str) -> None:
    body = f'<p>{escape(text)}</p><ac:structured-macro ac:name="info" />'
    assert check_storage(body) is None
    rewritten = add_macro_ids(body, "seed")
    assert check_storage(rewritten) is None
    assert "".join(parse_storage(rewritten, resolve_entities=True).itertext()) == "".join(
        parse_storage(body, resolve_entities=True).itertext()
    )


@settings(max_examples=60)
@given(XML_TEXT, XML_TEXT)
def test_view_shows_text_as_text_and_adds_no_markup(text: str, title: str) -> None:
    store = Store(clock=lambda: 0.0)
    store.create_space("S", "S")
    page = store.create_page("S", "T", "<p/>")
    body = (
        f"<p>{escape(text)}</p>"
        '<ac:structured-macro ac:name="status">'
        f'<ac:parameter ac:name="title">{escape(title)}</ac:parameter></ac:structured-macro>'
    )
    html = render_body(body, store, page)
    collector = _Collector()
    collector.feed(html)
    collector.close()
    assert collector.tags == ["p", "span"]
    assert unescape("".join(collector.text)).replace("\r", "\n") == (
        (text + (title or "grey")).replace("\r\n", "\n").replace("\r", "\n")
    )


@given(st.integers(min_value=0, max_value=10**9))
def test_cursor_round_trip(offset: int) -> None:
    assert decode_cursor(encode_cursor(offset)) == offset


@given(st.lists(st.tuples(st.sampled_from(["page", "property", "human"]), st.integers(-1, 2))))
def test_writes_succeed_exactly_when_they_name_the_next_version(
    steps: list[tuple[str, int]],
) -> None:
    store = Store(clock=lambda: 0.0)
    store.create_space("S", "S")
    page = store.create_page("S", "T", "<p>0</p>")
    store.create_property(page.id, "k", 0)
    expected_page, expected_property = 1, 1
    for target, delta in steps:
        if target == "human":
            store.human_edit(page.id)
            expected_page += 1
            continue
        current = expected_page if target == "page" else expected_property
        try:
            if target == "page":
                store.update_page(page.id, version=current + delta, body=f"<p>{delta}</p>")
            else:
                store.update_property(page.id, "k", delta, version=current + delta)
        except Conflict as exc:
            assert delta != 1
            assert exc.message.endswith(f"Current version is: {current}")
        else:
            assert delta == 1
            if target == "page":
                expected_page += 1
            else:
                expected_property += 1
    assert store.page(page.id).version == expected_page
    assert [v.number for v in store.page(page.id).versions] == list(range(1, expected_page + 1))
    assert store.get_property(page.id, "k").version == expected_property
