"""A notification as plain data, before any channel turns it into a card, blocks or an e-mail.

Every text field here is untrusted: titles, names and notes come from the workspace and may hold
CR/LF, markup of any channel, 10 000 characters or lone surrogates. `clean_text` is the one place
that makes text safe to carry (valid Unicode, no control characters, bounded length); each
channel then escapes it for its own markup in one place of its own.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final, Literal, get_args

from pydantic import Field

from okrsync.i18n import N_
from okrsync.model import Frozen

EventKind = Literal[
    "check_in_due",
    "health_changed",
    "win",
    "team_digest",
    "owner_digest",
    "leadership_digest",
    "grading_reminder",
    "test",
]
EVENT_KINDS: tuple[EventKind, ...] = get_args(EventKind)

KIND_LABELS: Final[dict[EventKind, str]] = {
    "check_in_due": N_("Check-in due"),
    "health_changed": N_("Health changed"),
    "win": N_("Win"),
    "team_digest": N_("Weekly team digest"),
    "owner_digest": N_("Your weekly digest"),
    "leadership_digest": N_("Leadership digest"),
    "grading_reminder": N_("End of cycle"),
    "test": N_("Test message"),
}
"""What each kind is called (marked for the catalogue; translate with `t.gettext`)."""

TITLE_LIMIT: Final = 150
TEXT_LIMIT: Final = 500
ELLIPSIS: Final = "…"
_BREAKS: Final = frozenset("\r\n\t\v\f\x85\u2028\u2029")
_BIDI_CONTROLS: Final = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_SPACES: Final = re.compile(r"[^\S\u00a0\u2007\u202f]+")
"""Runs of white space to collapse; no-break spaces stay ("48 %" and "1,2 Mio. €" in German)."""


def clean_text(value: str, limit: int = TEXT_LIMIT, *, one_line: bool = True) -> str:
    """`value` as valid Unicode without control characters, cut at a character boundary.

    Lone surrogates become U+FFFD; CR, LF and tabs become spaces when `one_line` (titles,
    names), runs of spaces become one (no-break spaces are kept), other control and format
    characters are dropped; a cut ends with an ellipsis.
    """
    kept: list[str] = []
    for char in value:
        category = unicodedata.category(char)
        if char in _BREAKS:
            kept.append("\n" if char == "\n" and not one_line else " ")
        elif category == "Cs":
            kept.append("\ufffd")
        elif category != "Cc" and char not in _BIDI_CONTROLS:
            kept.append(char)
    text = "".join(kept)
    if one_line:
        text = _SPACES.sub(" ", text).strip()
    else:
        text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n")).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + ELLIPSIS
    return text


class Mention(Frozen):
    """A person to @mention where the channel can (Teams), only when their address is known."""

    name: str
    address: str = Field(description="Teams: the user principal name (e-mail) of the person.")


class Item(Frozen):
    """One line of a notification: a key result, an objective, a figure."""

    text: str
    url: str | None = Field(default=None, description="Where the reader acts on it (its page).")
    detail: str = Field(default="", description="A short second part, e.g. '42 of 60 (70%)'.")


class Section(Frozen):
    heading: str
    items: tuple[Item, ...] = ()


class Notice(Frozen):
    """What one recipient is told, channel-neutral. Build with `Notice.build` to clean the text."""

    kind: EventKind
    title: str
    intro: str = ""
    sections: tuple[Section, ...] = ()
    mentions: tuple[Mention, ...] = ()
    link: Item | None = Field(default=None, description="One main action, e.g. the review page.")
    footer: str = ""

    @classmethod
    def build(
        cls,
        kind: EventKind,
        title: str,
        *,
        intro: str = "",
        sections: tuple[Section, ...] = (),
        mentions: tuple[Mention, ...] = (),
        link: Item | None = None,
        footer: str = "",
    ) -> Notice:
        """A notice with every text passed through `clean_text`."""

        def item(it: Item) -> Item:
            return Item(
                text=clean_text(it.text, TITLE_LIMIT),
                url=_safe_url(it.url),
                detail=clean_text(it.detail, TITLE_LIMIT),
            )

        return cls(
            kind=kind,
            title=clean_text(title, TITLE_LIMIT),
            intro=clean_text(intro, TEXT_LIMIT, one_line=False),
            sections=tuple(
                Section(heading=clean_text(s.heading, TITLE_LIMIT), items=tuple(map(item, s.items)))
                for s in sections
            ),
            mentions=tuple(
                Mention(name=clean_text(m.name, 80), address=clean_text(m.address, 254))
                for m in mentions
            ),
            link=item(link) if link else None,
            footer=clean_text(footer, TEXT_LIMIT, one_line=False),
        )

    def plain_text(self) -> str:
        """The notice as plain text: the e-mail text part and `notify --dry-run`."""
        lines = [self.title, ""]
        if self.intro:
            lines += [self.intro, ""]
        for section in self.sections:
            lines.append(section.heading)
            for it in section.items:
                detail = f" - {it.detail}" if it.detail else ""
                url = f"\n    {it.url}" if it.url else ""
                lines.append(f"  * {it.text}{detail}{url}")
            lines.append("")
        if self.link:
            lines += [f"{self.link.text}: {self.link.url or ''}".rstrip(": "), ""]
        if self.footer:
            lines.append(self.footer)
        return "\n".join(lines).rstrip() + "\n"


def _safe_url(url: str | None) -> str | None:
    """Only http(s) links without whitespace or control characters; anything else is dropped."""
    if not url:
        return None
    text = url.strip()
    if not text.lower().startswith(("https://", "http://")) or len(text) > 2000:
        return None
    if any(c.isspace() or unicodedata.category(c) in ("Cc", "Cs") for c in text):
        return None
    return text
