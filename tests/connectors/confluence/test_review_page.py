"""Review page bodies: any workspace text stays text, notes survive byte for byte."""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from okrsync_confluence.review_page import (
    DEFAULT_NOTES,
    MANAGED_MACRO_ID,
    extract_notes,
    page_outputs,
    render_managed_macro,
    render_review,
    replace_managed_macro,
)
from okrsync_confluence.storage_read import parse_storage, read_page
from okrsync_confluence.storage_write import clean_text, safe_href

from okrsync.i18n import translator
from okrsync.mapping.schema import OutputMap

from .factories import cycle_review


def _tags(body: str) -> Counter[str]:
    return Counter(str(e.tag) for e in parse_storage(body).iter() if isinstance(e.tag, str))


NASTY = st.one_of(
    st.text(),
    st.sampled_from(
        [
            "]]>",
            "<ac:structured-macro ac:name='status'/>",
            '<ri:user ri:account-id="1"/>',
            "&nbsp;",
            "&amp;&lt;",
            "<script>alert(1)</script>",
            "\x00\x01\x0b\x1f\ufffe\ud800",
            "😀👩‍👩‍👧",
            "a\"b'c",
            "x" * 10_000,
        ]
    ),
    st.lists(st.sampled_from(["<", ">", "&", "]]>", "\x00", "<ac:", "😀", '"']), max_size=30).map(
        "".join
    ),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(objective=NASTY, kr=NASTY, owner=NASTY, message=NASTY, hint=NASTY, team=NASTY)
def test_any_text_stays_text(
    objective: str, kr: str, owner: str, message: str, hint: str, team: str
) -> None:
    review = cycle_review(
        objective_title=objective, kr_title=kr, owner=owner, message=message, hint=hint
    )
    body = render_review(review, title="OKR Review Q3 2025").body()
    harmless = cycle_review(
        objective_title="a" if objective else "",
        kr_title="a" if kr else "",
        owner="a" if owner else "",
        message="a" if message else "",
        hint="a" if hint else "",
    )
    assert _tags(body) == _tags(render_review(harmless, title="OKR Review Q3 2025").body())
    text = etree.tostring(parse_storage(body), method="text", encoding="unicode")
    assert clean_text(objective) in text
    assert clean_text(message) in text
    assert "&nbsp;" not in body.replace("&amp;nbsp;", "")
    team_body = render_review(cycle_review(team=team or None), title="t").body()
    plain_team = cycle_review(team="A" if team else None)
    assert _tags(team_body) == _tags(render_review(plain_team, title="t").body())


def test_javascript_links_are_dropped() -> None:
    assert safe_href("javascript:alert(1)") is None
    assert safe_href("JaVaScRiPt:alert(1)") is None
    assert safe_href("data:text/html,x") is None
    assert safe_href("https://x.atlassian.net/wiki/x") == "https://x.atlassian.net/wiki/x"
    body = render_review(cycle_review(url="javascript:alert(1)"), title="t").body()
    assert "javascript" not in body
    assert "a" not in {str(e.tag) for e in parse_storage(body).iter()}


def test_review_reads_back_through_the_reader() -> None:
    rendered = render_review(cycle_review(), title="OKR Review Q3 2025")
    page = read_page(rendered.body())
    assert page.details["Cycle"] == "Q3 2025"
    assert page.details["Mean score"] == "0.5"
    assert page.details["At risk"] == "1"
    objectives = page.tables[0]
    assert objectives.rows[0]["Health"] == "At risk"
    assert objectives.rows[0]["Change"] == "+0.10 since Mon, Aug 11"
    assert objectives.rows[0]["Forecast"] == "0.8"
    assert rendered.labels == ("okr-review", "q3-2025")  # the name: ids may be opaque


def test_notes_round_trip_byte_for_byte() -> None:
    rendered = render_review(cycle_review(), title="OKR Review Q3 2025")
    human = (
        "<p>Decided: <strong>hire</strong>&nbsp;two &rsquo;engineers&rsquo;</p>\n"
        '<ac:structured-macro ac:name="info" ac:macro-id="x-1"><ac:rich-text-body>'
        "<p>keep</p></ac:rich-text-body></ac:structured-macro>  <p>é 😀</p>"
    )
    stored = rendered.body(human)
    assert extract_notes(stored) == human
    regenerated = render_review(cycle_review(score=0.9), title="OKR Review Q3 2025")
    again = regenerated.body(extract_notes(stored))
    assert extract_notes(again) == human
    assert regenerated.content_hash != rendered.content_hash


def test_hash_ignores_notes_and_only_tracks_rendered_content() -> None:
    a = render_review(cycle_review(), title="OKR Review Q3 2025")
    b = render_review(cycle_review(), title="OKR Review Q3 2025")
    assert a.content_hash == b.content_hash
    assert a.body("<p>x</p>") != a.body()
    assert render_review(cycle_review(owner="Bob"), title="x").content_hash != a.content_hash


def test_notes_markers_wrapped_by_the_editor_are_still_found() -> None:
    rendered = render_review(cycle_review(), title="t")
    body = rendered.body("<p>mine</p>")
    begin = '<ac:structured-macro ac:name="anchor" ac:schema-version="1">'
    edited = body.replace(begin, "<p>" + begin.replace('"1">', '"1" ac:macro-id="m">'), 1)
    edited = edited.replace("</ac:structured-macro><p>mine", "</ac:structured-macro></p><p>mine")
    assert extract_notes(edited) == "<p>mine</p>"
    assert extract_notes("<p>no markers</p>") is None
    assert DEFAULT_NOTES in rendered.body()


def test_managed_macro_replaced_leaving_the_page_untouched() -> None:
    original = (
        "<p>Intro&nbsp;text &rsquo;kept&rsquo;</p>"
        '<ac:structured-macro ac:name="details"><ac:rich-text-body><table><tbody>'
        "<tr><th>Owner</th><td>Ada</td></tr></tbody></table></ac:rich-text-body>"
        "</ac:structured-macro>"
    )
    values = [("Score", "0.7"), ("Health", "On track"), ("Warnings", "KR001: a\nKR002: <b>")]
    first = replace_managed_macro(original, render_managed_macro(values, "Health"))
    assert first.startswith(original)
    page = read_page(first)
    managed = next(b for b in page.blocks if b.macro_id == MANAGED_MACRO_ID)
    assert managed.values == {
        "Score": "0.7",
        "Health": "On track",
        "Warnings": "KR001: a\nKR002: <b>",
    }
    second = replace_managed_macro(
        first.replace('ac:name="details" ac:schema-version="1"', 'ac:name="details" x="y"', 1),
        render_managed_macro([("Score", "0.9"), ("Health", "At risk")], "Health"),
    )
    assert second.startswith(original)
    assert second.count(MANAGED_MACRO_ID) == 1
    assert read_page(second).details["Score"] == "0.9"


def test_managed_macro_goes_below_the_pages_own_properties_or_on_top() -> None:
    """Where a reader looks for the objective's facts, not at the end of a long page; below
    the page's own Page Properties, so their keys stay the first of their names."""
    people = (
        '<ac:structured-macro ac:name="details"><ac:rich-text-body><table><tbody>'
        "<tr><th>Status</th><td>Open</td></tr></tbody></table></ac:rich-text-body>"
        "</ac:structured-macro>"
    )
    rest = "<h2>Key results</h2><table><tbody><tr><td>KR</td></tr></tbody></table>"
    macro = render_managed_macro([("Score", "0.4"), ("Ampel", "Im Plan")], "Ampel")
    placed = replace_managed_macro("<p>Why</p>" + people + rest, macro)
    assert placed == "<p>Why</p>" + people + macro + rest
    assert read_page(placed).details["Status"] == "Open"
    assert replace_managed_macro(rest, macro) == macro + rest


def test_okrsyncs_own_output_names_are_said_in_the_pages_language() -> None:
    german = page_outputs(OutputMap(), translator("de"))
    assert (german.score, german.health, german.warnings) == ("Bewertung", "Ampel", "Warnungen")
    assert page_outputs(OutputMap()) == OutputMap()
    own = OutputMap(score="Punkte", health=None, warnings="Warnings", last_synced="Stand")
    assert page_outputs(own, translator("de")) == own.model_copy(update={"warnings": "Warnungen"})


def test_text_typed_below_the_end_anchor_is_kept_too() -> None:
    rendered = render_review(cycle_review(), title="t")
    stored = rendered.body() + "<p>typed at the very end</p>"
    notes = extract_notes(stored)
    assert notes is not None and notes.endswith("<p>typed at the very end</p>")
    assert notes.startswith(DEFAULT_NOTES)
    assert rendered.after_notes == "", "okrsync renders nothing after the notes"
    assert extract_notes(rendered.body(notes)) == notes
