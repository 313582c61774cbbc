"""Where the message catalogues live and how a `.po` file becomes the `.mo` gettext reads.

This module imports nothing of okrsync (only Babel), because the wheel's build hook
(`hatch_build.py`) loads it by path to compile the catalogues into the wheel, and the
translator uses the same function to read a catalogue whose compiled file is missing or older
than its source (a checkout where someone just edited the `.po`). One mechanism, two callers.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Final

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN: Final = "okrsync"
LOCALE_DIR: Final = Path(__file__).resolve().parent.parent / "locale"
"""okrsync/locale/<language>/LC_MESSAGES/okrsync.po (and .mo, compiled, never committed)."""


def po_path(language: str, locale_dir: Path = LOCALE_DIR) -> Path:
    """The source catalogue of `language`."""
    return locale_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def catalogue_languages(locale_dir: Path = LOCALE_DIR) -> tuple[str, ...]:
    """The languages that have a catalogue, source or compiled, sorted."""
    if not locale_dir.is_dir():
        return ()
    found = {
        folder.name
        for folder in locale_dir.iterdir()
        if (folder / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()
        or (folder / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file()
    }
    return tuple(sorted(found))


def compile_po(po: Path) -> bytes:
    """The `.mo` bytes of a `.po` file; fuzzy entries are left out, as gettext expects."""
    with po.open("rb") as handle:
        catalog = read_po(handle, domain=DOMAIN)
    out = BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def compiled_bytes(language: str, locale_dir: Path = LOCALE_DIR) -> bytes:
    """The compiled catalogue of `language`: the `.mo` when it is at least as new as the `.po`,
    else the `.po` compiled now (so a checkout never reads a stale `.mo`)."""
    po = po_path(language, locale_dir)
    mo = po.with_suffix(".mo")
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        return mo.read_bytes()
    return compile_po(po)


def compile_all(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Write the `.mo` next to every `.po`; the paths written."""
    written: list[Path] = []
    for language in catalogue_languages(locale_dir):
        po = po_path(language, locale_dir)
        if po.is_file():
            mo = po.with_suffix(".mo")
            mo.write_bytes(compile_po(po))
            written.append(mo)
    return written
