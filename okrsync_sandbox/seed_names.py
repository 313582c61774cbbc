"""How the shipped templates name okrsync's canonical values; both seeds write these names.

The shipped mappings (`mappings/notion-okr-template.yaml`, `mappings/confluence-okr-pages.yaml`)
read them back, so a seeded sandbox maps to the workspace it was seeded from.
"""

from __future__ import annotations

from typing import Final

KIND_NAMES: Final = {
    "increase": "Increase",
    "decrease": "Decrease",
    "at_least": "At least",
    "at_most": "At most",
    "milestone": "Milestone",
}
"""Key result kind -> the select option or table cell the templates use."""
