"""The catalogue: every rule of every family, looked up by code, name, family or prefix.

Selectors are what users write in `select`, `ignore`, `severity`, `thresholds` and in
`okrsync: ignore` notes, the way ruff reads them: `ALL`, an exact code (`KR002`), a rule name
(`missing-baseline`), a family (`alignment`, also `kr`, `key-results`...), or a code prefix
made of a family's letters and leading digits (`KR`, `KR01`). Matching ignores case.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from okrsync.errors import ConfigError
from okrsync.rules import alignment, cycles, data, key_results, objectives
from okrsync.rules.catalogue import FAMILIES, FAMILY_ALIASES, FAMILY_PREFIX, Family, Rule

_PREFIX_RE: Final = re.compile(r"^([A-Z]+)(\d{0,3})$")


def _family_of(key: str) -> Family | None:
    for family in FAMILIES:
        if key == family:
            return family
    return FAMILY_ALIASES.get(key)


def select_rules(selector: str) -> tuple[Rule, ...]:
    """The rules a selector names, in catalogue order; empty when it names none."""
    text = selector.strip()
    if not text:
        return ()
    upper = text.upper()
    if upper == "ALL":
        return _RULES
    rule = _BY_CODE.get(upper) or _BY_NAME.get(text.casefold())
    if rule is not None:
        return (rule,)
    family = _family_of(text.casefold().replace("-", "_").replace(" ", "_"))
    if family is not None:
        return tuple(r for r in _RULES if r.family == family)
    prefix = _PREFIX_RE.match(upper)
    if prefix and prefix.group(1) in FAMILY_PREFIX.values():
        return tuple(r for r in _RULES if r.code.startswith(upper))
    return ()


def is_known_selector(selector: str) -> bool:
    """True when the selector names at least one rule."""
    return bool(select_rules(selector))


def close_matches(selector: str) -> list[str]:
    """Known codes, names and families that look like a mistyped selector."""
    candidates = [*_BY_CODE, *_BY_NAME, *FAMILIES]
    folded = {c.casefold(): c for c in candidates}
    found = difflib.get_close_matches(selector.strip().casefold(), list(folded), n=3, cutoff=0.6)
    return [folded[f] for f in found]


def unknown_selector_problem(selector: str) -> str:
    """A one-line explanation of an unknown selector, with suggestions when there are any."""
    matches = close_matches(selector)
    suggestion = (
        f"; did you mean {', '.join(matches)}?" if matches else "; `okrsync rules` lists them"
    )
    return f"{selector!r} is not a rule code, name or family{suggestion}"


def catalogue() -> list[Rule]:
    """Every rule, grouped by family in catalogue order, codes ascending within a family."""
    return list(_RULES)


def rules_by_code() -> Mapping[str, Rule]:
    """Read-only map from code to rule."""
    return _BY_CODE


def get_rule(code: str) -> Rule:
    """The rule with this code (or kebab-case name); ConfigError with close matches if none."""
    rule = _BY_CODE.get(code.strip().upper()) or _BY_NAME.get(code.strip().casefold())
    if rule is None:
        raise ConfigError(
            f"unknown rule {code!r}",
            hint=f"{unknown_selector_problem(code)}; `okrsync rules` lists every code",
        )
    return rule


def _build() -> tuple[Rule, ...]:
    rules: list[Rule] = [
        *objectives.RULES,
        *key_results.RULES,
        *alignment.RULES,
        *cycles.RULES,
        *data.RULES,
    ]
    wired = data.unknown_suppressions_check(is_known_selector)
    rules = [r.model_copy(update={"check": wired}) if r.code == "DATA008" else r for r in rules]
    order = {family: i for i, family in enumerate(FAMILIES)}
    return tuple(sorted(rules, key=lambda r: (order[r.family], r.code)))


_RULES: Final[tuple[Rule, ...]] = _build()
_BY_CODE: Final[Mapping[str, Rule]] = MappingProxyType({r.code: r for r in _RULES})
_BY_NAME: Final[Mapping[str, Rule]] = MappingProxyType({r.name: r for r in _RULES})
