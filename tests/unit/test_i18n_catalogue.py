"""The message catalogues: complete for every language, up to date with the code, and read by
the translator the way the contract says (okrsync.i18n)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError

from okrsync.i18n import N_, UnknownLanguage, check_language, languages, translator
from okrsync.i18n.catalogue_files import compiled_bytes, po_path
from okrsync.i18n.extraction import REPO_ROOT, check, extract, problems, read_catalogue, update


def test_every_message_of_the_code_has_a_complete_german_translation() -> None:
    lacking = check()
    assert "de" in lacking
    assert lacking["de"] == [], (
        "the German catalogue lacks entries; run `make i18n-update` and translate:\n  "
        + "\n  ".join(lacking["de"])
    )


def _template(*messages: str | tuple[str, str]) -> Catalog:
    template = Catalog(domain="okrsync")
    for message in messages:
        template.add(message, None)
    return template


def _german(*entries: tuple[str | tuple[str, str], str | tuple[str, ...], bool]) -> Catalog:
    catalog = Catalog(locale="de", domain="okrsync")
    for msgid, msgstr, fuzzy in entries:
        catalog.add(msgid, msgstr, flags=("fuzzy",) if fuzzy else ())
    return catalog


def test_a_missing_fuzzy_or_placeholder_breaking_entry_is_a_problem() -> None:
    template = _template(
        "{name} has no owner",
        "Key results",
        "Cycles",
        ("{count} key result", "{count} key results"),
        ("One check-in", "{count} check-ins"),
        "{count} of {total}",
    )
    catalog = _german(
        ("{name} has no owner", "{title} hat keine verantwortliche Person", False),
        ("Key results", "Schlüsselergebnisse", True),
        (("{count} key result", "{count} key results"), ("{count} Ergebnis", "Ergebnisse"), False),
        (("One check-in", "{count} check-ins"), ("Ein Check-in", "{count} Check-ins"), False),
        ("{count} of {total}", "{total}: {count}", False),
        ("Gone from the code", "Nicht mehr im Code", False),
    )
    found = problems(template, catalog)
    assert found == [
        "missing: 'Cycles'",
        "fuzzy: 'Key results'",
        "placeholders: '{count} key result' -> 'Ergebnisse'",
        "placeholders: '{name} has no owner' -> '{title} hat keine verantwortliche Person'",
        "stale (not in the code): 'Gone from the code'",
    ]


def test_an_untranslated_entry_is_a_problem() -> None:
    found = problems(_template("Score"), _german(("Score", "", False)))
    assert found == ["untranslated: 'Score'"]


def test_extraction_finds_attribute_calls_plurals_contexts_and_marked_constants(
    tmp_path: Path,
) -> None:
    shutil.copy(REPO_ROOT / "babel.cfg", tmp_path / "babel.cfg")
    (tmp_path / "okrsync").mkdir()
    (tmp_path / "okrsync" / "sample.py").write_text(
        "from okrsync.i18n import N_\n"
        'TITLE = N_("Key results")\n'
        "def words(t, n, review):\n"
        '    a = t.gettext("{name} has no owner").format(name="x")\n'
        '    b = t.ngettext("{count} key result", "{count} key results", n).format(count=n)\n'
        '    c = t.pgettext("health", "On track")\n'
        '    d = review.translator.gettext("Score")\n'
        '    e = f"not {a} a message"\n'
        "    return a, b, c, d, e\n",
        encoding="utf-8",
    )
    found = {
        (m.context, m.id if isinstance(m.id, str) else tuple(m.id))
        for m in extract(tmp_path)
        if m.id
    }
    assert found == {
        (None, "Key results"),
        (None, "{name} has no owner"),
        (None, ("{count} key result", "{count} key results")),
        ("health", "On track"),
        (None, "Score"),
    }


def test_update_adds_new_messages_and_drops_gone_ones_keeping_translations(
    tmp_path: Path,
) -> None:
    po = po_path("de", tmp_path / "okrsync" / "locale")
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: de\\n"\n\n'
        'msgid "Cycles"\nmsgstr "Zyklen"\n\nmsgid "Gone"\nmsgstr "Weg"\n',
        encoding="utf-8",
    )
    update("de", root=tmp_path, template=_template("Objectives", "Cycles"))
    text = po.read_text(encoding="utf-8")
    assert 'msgid "Cycles"\nmsgstr "Zyklen"' in text
    assert 'msgid "Objectives"\nmsgstr ""' in text
    assert "Gone" not in text
    assert text.index('"Cycles"') < text.index('"Objectives"'), "sorted by message"


def test_translator_speaks_german_and_english_is_the_identity() -> None:
    german = translator("de")
    assert german.locale == "de"
    assert german.gettext(N_("Key results")) == "Schlüsselergebnisse"
    assert german.gettext("a message nobody translated") == "a message nobody translated"
    english = translator("en")
    assert english.locale == "en"
    assert english.gettext("Key results") == "Key results"
    assert english.ngettext("{count} day", "{count} days", 1) == "{count} day"
    assert english.ngettext("{count} day", "{count} days", 3) == "{count} days"
    assert english.pgettext("health", "On track") == "On track"
    assert translator("de") is german, "cached"


def test_unknown_language_is_rejected_naming_the_known_ones() -> None:
    assert languages()[:2] == ("en", "de")
    assert check_language("DE") == "de"
    assert check_language("de_AT") == "de"
    with pytest.raises(UnknownLanguage, match=r"'fr'.*en, de"):
        translator("fr")


def test_a_po_newer_than_its_compiled_file_is_read_instead(tmp_path: Path) -> None:
    po = po_path("de", tmp_path)
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n\nmsgid "Score"\nmsgstr "Bewertung"\n', encoding="utf-8")
    mo = po.with_suffix(".mo")
    mo.write_bytes(b"stale")
    os.utime(mo, (1_000_000, 1_000_000))
    fresh = compiled_bytes("de", tmp_path)
    assert fresh != b"stale" and b"Bewertung" in fresh
    os.utime(mo, None)
    os.utime(po, (1_000_000, 1_000_000))
    assert compiled_bytes("de", tmp_path) == b"stale"


def test_a_catalogue_with_merge_conflict_markers_is_refused(tmp_path: Path) -> None:
    po = tmp_path / "okrsync.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n\n<<<<<<< HEAD\nmsgid "Score"\nmsgstr "Bewertung"\n=======\n'
        'msgid "Score"\nmsgstr "Punkte"\n>>>>>>> other\n',
        encoding="utf-8",
    )
    with pytest.raises(PoFileError, match="misformatted"):
        read_catalogue(po)
