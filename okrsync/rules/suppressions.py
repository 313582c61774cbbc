"""Per-OKR suppressions written in the workspace itself: `okrsync: ignore KR002, alignment`.

The mapping engine reads a notes field with `parse_suppressions` into `ignore_rules` on the
objective or key result; `check()` then drops that OKR's findings for the listed codes or
families. Free text may follow the list ("okrsync: ignore KR002 because the rollout is the
outcome"): the list ends at the first word that is neither code-like nor a family or rule name.
"""

from __future__ import annotations

import re
from typing import Any, Final

from okrsync.rules.registry import is_known_selector

_DIRECTIVE_RE: Final = re.compile(r"okrsync\s*:?\s*ignore\b(?P<rest>[^\n]*)", re.IGNORECASE)
_CODE_LIKE_RE: Final = re.compile(r"^[A-Za-z]{2,4}\d{1,3}$")
_STOP_RE: Final = re.compile(r"--|#|\(|;|\.\s|\.$")


def _normalise(token: str) -> str:
    return token.upper() if _CODE_LIKE_RE.match(token) else token.casefold()


def parse_suppressions(value: Any) -> tuple[str, ...]:
    """The rule codes and families a text silences, in order, without duplicates.

    The one suppression parser: the mapping reads notes fields with it and `okrsync rules`
    documents it. Accepts one directive per line, any case, the colon optional, codes separated
    by commas, spaces or "and": "okrsync: ignore KR002, OBJ001", "okrsync:ignore kr002
    alignment". Codes come back upper case (KR002), families and names lower case. Unknown
    code-like tokens (KR999) are kept so that `check()` can report them (DATA008) instead of
    silently ignoring a typo. A list (a multi-select) is read one item per line.
    """
    if isinstance(value, list | tuple):
        text = "\n".join(str(v) for v in value if v is not None)
    else:
        text = value if isinstance(value, str) else ("" if value is None else str(value))
    found: list[str] = []
    for match in _DIRECTIVE_RE.finditer(text):
        rest = _STOP_RE.split(match.group("rest"), maxsplit=1)[0]
        for raw in re.split(r"[\s,]+", rest.strip(" :")):
            token = raw.strip()
            if not token or token.casefold() == "and":
                continue
            if not (_CODE_LIKE_RE.match(token) or is_known_selector(token)):
                break
            found.append(_normalise(token))
    return tuple(dict.fromkeys(found))
