"""The translator every text for people goes through: gettext over okrsync's catalogues.

There is no global "current language": whoever writes words for people is handed a
`Translator` (one run may write a German source and an English review destination). Messages
carry NAMED placeholders that are filled after translation, so a translator may reorder them:

    t.gettext("{name} has no owner").format(name=title)
    t.ngettext("{count} key result", "{count} key results", n).format(count=n)

`N_()` marks a string for extraction where it is defined (a module constant, a rule's message
kept as an id) and `t.gettext(text)` translates it where it is shown.
"""

from __future__ import annotations

import gettext
from functools import cache
from io import BytesIO
from typing import Final

from okrsync.i18n.catalogue_files import catalogue_languages, compiled_bytes

SOURCE_LANGUAGE: Final = "en"
"""The language the messages are written in: its translator returns them unchanged."""


class UnknownLanguage(ValueError):
    """A language okrsync has no catalogue for; the message lists the ones it has."""


def languages() -> tuple[str, ...]:
    """Every language okrsync speaks: English first, then those with a catalogue."""
    return (SOURCE_LANGUAGE, *(lang for lang in catalogue_languages() if lang != SOURCE_LANGUAGE))


def check_language(value: str) -> str:
    """`value` as a known language code ("DE" -> "de"), or UnknownLanguage naming the choices."""
    code = value.strip().casefold().replace("_", "-")
    known = languages()
    if code in known:
        return code
    base = code.split("-", 1)[0]
    if base in known:  # "de-DE", "de_AT": the catalogue is per language, not per region
        return base
    raise UnknownLanguage(f"unknown language {value!r}: okrsync speaks {', '.join(known)}")


def N_(message: str) -> str:
    """Mark `message` for the catalogue without translating it; translate where it is shown."""
    return message


class Translator:
    """One language's catalogue: gettext, ngettext, pgettext and the Babel locale to format."""

    __slots__ = ("_catalogue", "language", "locale")

    def __init__(self, language: str, catalogue: gettext.NullTranslations) -> None:
        self.language = language
        self.locale = language
        """The Babel locale string to pass to okrsync.i18n.format ("en", "de")."""
        self._catalogue = catalogue

    def gettext(self, message: str) -> str:
        """`message` in this language (unchanged when the catalogue lacks it)."""
        return self._catalogue.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The form of a message for the count `n`, by this language's plural rule."""
        return self._catalogue.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        """A short `message` whose sense `context` settles ("health", "On track")."""
        return self._catalogue.pgettext(context, message)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        """ngettext with a context."""
        return self._catalogue.npgettext(context, singular, plural, n)

    def __repr__(self) -> str:
        return f"Translator({self.language!r})"


@cache
def translator(language: str) -> Translator:
    """The translator of `language` (cached); "en" returns every message unchanged.

    Raises UnknownLanguage for a language without a catalogue (config loading checks the
    setting first, with the file and key in its error).
    """
    code = check_language(language)
    if code == SOURCE_LANGUAGE:
        return Translator(code, gettext.NullTranslations())
    return Translator(code, gettext.GNUTranslations(BytesIO(compiled_bytes(code))))
