"""Every string inside a JSON-like value: a card, a block list, a workspace file."""

from __future__ import annotations


def json_strings(value: object) -> list[str]:
    """The strings of ``value`` and of every dict value and list item beneath it, in order."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in json_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in json_strings(v)]
    return []
