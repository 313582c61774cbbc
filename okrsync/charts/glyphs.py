"""Text a chart shows, cleaned to the characters its font can draw.

Names reach a chart title as people typed them in the workspace: they may hold control
characters, lone surrogates, private-use characters, emoji or scripts the charts' font
(matplotlib's bundled DejaVu Sans) has no glyph for. matplotlib would draw an empty box for
each and warn ("Glyph ... missing from font(s) DejaVu Sans"), and an SVG holding a control
character is not even XML. `drawable` cleans a text deterministically, the same way for PNG and
SVG:

- line breaks, tabs and other white space become one space (runs of spaces collapse, ends are
  trimmed);
- control, format (bidirectional overrides, zero-width joiners, byte-order marks), surrogate,
  private-use and unassigned characters are removed;
- any other character the font cannot draw (emoji, scripts it does not cover) is left out;
- a text with nothing drawable left shows as `UNDRAWABLE` ("…").

The text is then drawn as it reads: a `$` is a dollar sign, never the start of matplotlib's
math notation (`draw` turns math parsing off for every text of a chart).
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import Final

from matplotlib.font_manager import FontProperties, findfont, get_font

FONT: Final = "DejaVu Sans"
"""The charts' font (bundled with matplotlib, so the same on every machine)."""
UNDRAWABLE: Final = "…"
"""What a text shows when none of its characters can be drawn."""


@cache
def font_characters(family: str = FONT) -> frozenset[int]:
    """The code points `family` has a glyph for."""
    path = findfont(FontProperties(family=family), fallback_to_default=False)
    return frozenset(get_font(path).get_charmap())


def drawable(text: str) -> str:
    """`text` with only characters the charts' font draws (see the module's rules)."""
    known = font_characters()
    kept: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if char.isspace() or category in ("Zl", "Zp", "Zs"):
            kept.append(" ")
        elif category[0] != "C" and ord(char) in known:
            kept.append(char)
    cleaned = " ".join("".join(kept).split())
    return cleaned if cleaned or not text.strip() else UNDRAWABLE
