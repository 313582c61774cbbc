"""The catalogue workflow for developers: extract the messages from the code, update each
language's `.po`, compile, and list what a catalogue lacks.

    python -m okrsync.i18n.extraction update        # = make i18n-update
    python -m okrsync.i18n.extraction init fr       # a new language's catalogue
    python -m okrsync.i18n.extraction compile       # = make i18n-compile
    python -m okrsync.i18n.extraction check         # what the completeness test checks

The `.po` files are written sorted by message, without source locations and with their header
kept, so that two branches adding messages rarely touch the same lines. Extraction follows
`babel.cfg` at the repository root; the completeness test (tests/unit/test_i18n_catalogue.py)
uses the same functions.
"""

from __future__ import annotations

import argparse
import string
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from okrsync.i18n.catalogue_files import DOMAIN, LOCALE_DIR, compile_all, po_path

KEYWORDS: Final[dict[str, tuple[object, ...] | None]] = {
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "N_": None,
    "Np_": (1, 2),
    "NC_": ((1, "c"), 2),
}
"""The translator's methods (plain or attribute calls: `t.gettext(...)`) and the markers `N_`,
`Np_` (a plural message kept as an id) and `NC_` (a word with a context)."""
COMMENT_TAG: Final = "TRANSLATORS:"
REPO_ROOT: Final = LOCALE_DIR.parent.parent
_HINT: Final = "run `make i18n-update`, then translate the new entries in the .po"


def extract(root: Path = REPO_ROOT) -> Catalog:
    """Every message the code under `root` marks, as a template catalogue (no translations)."""
    with (root / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, "babel.cfg")  # type: ignore[no-untyped-call]
    template = Catalog(domain=DOMAIN, project="okrsync", fuzzy=False)
    found = extract_from_dir(
        root,
        method_map,
        options_map,
        keywords=KEYWORDS,  # type: ignore[arg-type]
        comment_tags=(COMMENT_TAG,),
        strip_comment_tags=True,
    )
    for filename, lineno, message, comments, context in found:
        template.add(
            message,
            None,
            [(filename, lineno)],
            auto_comments=comments,
            context=context,
        )
    return template


def read_catalogue(path: Path) -> Catalog:
    """A `.po` file as a Babel catalogue; a malformed one (say, with merge conflict markers)
    raises `PoFileError` naming the line instead of being read past."""
    with path.open("rb") as handle:
        return read_po(handle, domain=DOMAIN, abort_invalid=True)


def write_catalogue(catalog: Catalog, path: Path) -> None:
    """Write sorted by message, without locations or obsolete entries (merge-friendly)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, no_location=True, sort_output=True, ignore_obsolete=True)


def update(language: str, root: Path = REPO_ROOT, template: Catalog | None = None) -> Catalog:
    """Bring `language`'s `.po` up to date with the code: new messages added untranslated,
    changed ones marked fuzzy (with the closest old translation), dropped ones removed."""
    path = po_path(language, root / "okrsync" / "locale")
    catalog = read_catalogue(path)
    catalog.update(
        template if template is not None else extract(root),
        update_creation_date=False,  # a stable header: branches do not conflict on a date
    )
    write_catalogue(catalog, path)
    return catalog


def init(language: str, root: Path = REPO_ROOT) -> Path:
    """Start the catalogue of a new language from the code's messages."""
    path = po_path(language, root / "okrsync" / "locale")
    if path.exists():
        raise SystemExit(f"{path} exists; use `update`")
    catalog = Catalog(
        locale=language,
        domain=DOMAIN,
        project="okrsync",
        header_comment=f"# {language} messages of okrsync: see docs/languages.md.",
        last_translator="okrsync contributors",
        language_team=language,
        fuzzy=False,
    )
    catalog.update(extract(root))
    write_catalogue(catalog, path)
    return path


def placeholders(text: str) -> frozenset[str]:
    """The named placeholders of a message ("{count} of {total}" -> count, total)."""
    try:
        return frozenset(
            name.split(".", 1)[0].split("[", 1)[0]
            for _, name, _, _ in string.Formatter().parse(text)
            if name is not None
        )
    except ValueError:
        return frozenset({"<malformed braces>"})


def _ids(message: Message) -> tuple[str, ...]:
    value = message.id
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _strings(message: Message) -> tuple[str, ...]:
    value = message.string
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value or "",)


def _label(message: Message) -> str:
    ids = _ids(message)
    context = f"[{message.context}] " if message.context else ""
    return f"{context}{ids[0]!r}"


def _key(message: Message) -> tuple[str, str | None]:
    return (_ids(message)[0], message.context)


def problems(template: Catalog, catalog: Catalog) -> list[str]:
    """What `catalog` lacks against the code's `template`: missing, untranslated, fuzzy or
    placeholder-breaking entries, and entries the code no longer has. Empty when complete."""
    found: list[str] = []
    translated = {_key(m): m for m in catalog if m.id}
    wanted = {_key(m): m for m in template if m.id}
    for key, message in sorted(wanted.items(), key=lambda item: (item[0][0], item[0][1] or "")):
        entry = translated.get(key)
        label = _label(message)
        if entry is None:
            found.append(f"missing: {label}")
            continue
        if entry.fuzzy:
            found.append(f"fuzzy: {label}")
        if len(_ids(entry)) != len(_ids(message)):
            found.append(f"plural forms changed: {label}")
            continue
        strings = _strings(entry)
        if not all(strings):
            found.append(f"untranslated: {label}")
            continue
        found += [f"placeholders: {label} -> {text!r}" for text in _broken(message, strings)]
    found += [
        f"stale (not in the code): {_label(m)}" for k, m in translated.items() if k not in wanted
    ]
    return found


def _broken(message: Message, strings: Iterable[str]) -> list[str]:
    """The translations whose placeholders differ from the message's.

    A plural's first form may leave out a placeholder ("One key result" for n=1); every other
    form must use exactly the plural message's placeholders.
    """
    ids = _ids(message)
    if len(ids) == 1:
        expected = placeholders(ids[0])
        return [s for s in strings if placeholders(s) != expected]
    every = placeholders(ids[0]) | placeholders(ids[1])
    forms = list(strings)
    bad = [s for s in forms[:1] if not placeholders(s) <= every]
    return bad + [s for s in forms[1:] if placeholders(s) != placeholders(ids[1])]


def check(root: Path = REPO_ROOT) -> dict[str, list[str]]:
    """Per language with a catalogue, what it lacks."""
    template = extract(root)
    locale_dir = root / "okrsync" / "locale"
    return {
        path.parent.parent.name: problems(template, read_catalogue(path))
        for path in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m okrsync.i18n.extraction")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("update", help="extract the code's messages into every .po")
    sub.add_parser("compile", help="compile every .po into its .mo")
    sub.add_parser("check", help="list what each catalogue lacks (exit 1 when anything)")
    new = sub.add_parser("init", help="start a new language's catalogue")
    new.add_argument("language")
    args = parser.parse_args(argv)
    locale_dir = REPO_ROOT / "okrsync" / "locale"
    if args.command == "update":
        template = extract()
        for path in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            update(path.parent.parent.name, template=template)
            print(f"updated {path.relative_to(REPO_ROOT)}")
    elif args.command == "compile":
        for mo in compile_all(locale_dir):
            print(f"compiled {mo.relative_to(REPO_ROOT)}")
    elif args.command == "init":
        print(f"created {init(args.language).relative_to(REPO_ROOT)}")
    else:
        lacking = {lang: found for lang, found in check().items() if found}
        for lang, found in lacking.items():
            print(f"{lang}: {len(found)} problem(s); {_HINT}")
            print("\n".join(f"  {line}" for line in found))
        return 1 if lacking else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
