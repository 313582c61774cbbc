"""Words and numbers for people in their language: the translator, the catalogues, formatting.

`from okrsync.i18n import Translator, translator, N_` is the API every writer of texts uses
(see `translate.py`); `okrsync.i18n.format` formats numbers, amounts and dates for a locale.
"""

from okrsync.i18n.translate import (
    N_,
    SOURCE_LANGUAGE,
    Translator,
    UnknownLanguage,
    check_language,
    languages,
    translator,
)

__all__ = [
    "N_",
    "SOURCE_LANGUAGE",
    "Translator",
    "UnknownLanguage",
    "check_language",
    "languages",
    "translator",
]
