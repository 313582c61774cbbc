"""Source keys as people write them: how a mapping's field name finds a record's key.

People type Page Properties keys and column headers freely: "Owner", "owner", " Owner ",
"Owner:", "Owner&nbsp;", "**Owner**", "Ｏｗｎｅｒ". A key is therefore compared in its *key form*:
Unicode NFKC (which turns a no-break space into a space and wide letters into normal ones),
case-folded, Markdown emphasis and a trailing colon removed, inner spaces collapsed. The
connectors already drop markup such as `<strong>` and `<p>` when they read a key; this module is
the one place that decides when two written keys are the same key.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

_EMPHASIS = "*_`"


@lru_cache(maxsize=4096)
def key_form(name: str) -> str:
    """The form two keys are compared in ("  **Owner**: " and "owner" are both "owner")."""
    text = " ".join(unicodedata.normalize("NFKC", name).split())
    while True:
        stripped = text.strip().strip(_EMPHASIS).strip().rstrip(":").strip()
        if stripped == text:
            return text.casefold()
        text = stripped


def same_key(a: str, b: str) -> bool:
    """Whether two written keys name the same field."""
    return key_form(a) == key_form(b)


def find_key(fields: Mapping[str, Any], name: str) -> str | None:
    """The key of `fields` that `name` means: the exact key, else one of the same key form.

    Pseudo-fields (`@title`, `@page`, ...) match only exactly.
    """
    if name in fields:
        return name
    if name.startswith("@"):
        return None
    wanted = key_form(name)
    for key in fields:
        if key_form(key) == wanted:
            return key
    return None
