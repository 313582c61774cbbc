"""Byte-exact positions of elements in a storage-format body, for surgical edits.

Preserving a person's notes byte for byte, or swapping okrsync's own Page Properties macro on an
OKR page without touching anything else, needs the exact extent of an element in the stored
text. lxml does not report offsets, so the body is run through expat (a real XML parser, with the
same wrapper and entity declarations as the reader) and every event's byte index is recorded: an
element ends exactly where the next event begins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.parsers import expat

from okrsync_confluence.storage_read import (
    _PREFIX,
    _SUFFIX,
    StorageFormatError,
)


@dataclass
class Span:
    """One element: its qualified tag as written, attributes, depth (1 = top level) and extent.

    `start`/`end` are byte offsets into the UTF-8 body; `params` are a macro's own
    `ac:parameter` values by name.
    """

    tag: str
    attrs: dict[str, str]
    depth: int
    start: int
    end: int = -1
    params: dict[str, str] = field(default_factory=dict)

    @property
    def macro(self) -> str | None:
        """The macro name if this is a structured macro."""
        return self.attrs.get("ac:name") if self.tag == "ac:structured-macro" else None


def element_spans(body: str) -> list[Span]:
    """Every element of the body in document order with its byte extent.

    Raises StorageFormatError when the body is not well-formed.
    """
    data = (_PREFIX + body + _SUFFIX).encode("utf-8")
    offset = len(_PREFIX.encode("utf-8"))
    parser = expat.ParserCreate()
    spans: list[Span] = []
    stack: list[Span] = []
    pending_end: list[Span] = []
    param_text: list[str] = []

    def mark() -> None:
        position = parser.CurrentByteIndex - offset
        while pending_end:
            pending_end.pop().end = position

    def start(tag: str, attrs: dict[str, str]) -> None:
        mark()
        if stack or tag != "okrsync-body":
            span = Span(tag=tag, attrs=dict(attrs), depth=len(stack), start=0)
            span.start = parser.CurrentByteIndex - offset
            spans.append(span)
            stack.append(span)
            if tag == "ac:parameter":
                param_text.clear()
        else:
            stack.append(Span(tag=tag, attrs={}, depth=0, start=0))

    def end(tag: str) -> None:
        mark()
        span = stack.pop()
        if span.depth == 0:
            return
        if tag == "ac:parameter" and stack and stack[-1].tag == "ac:structured-macro":
            stack[-1].params[span.attrs.get("ac:name", "")] = "".join(param_text)
        pending_end.append(span)

    def text(value: str) -> None:
        mark()
        if stack and stack[-1].tag == "ac:parameter":
            param_text.append(value)

    def other(*_: object) -> None:
        mark()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.CommentHandler = other
    parser.ProcessingInstructionHandler = other
    parser.StartCdataSectionHandler = other
    parser.EndCdataSectionHandler = other
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise StorageFormatError(
            f"storage format is not well-formed XML at line {max(exc.lineno - 1, 1)}, "
            f"column {exc.offset}: {expat.ErrorString(exc.code)}"
        ) from None
    return spans


def top_level_of(spans: list[Span], target: Span) -> Span:
    """The top-level element that contains `target` (itself when it is top level)."""
    for span in spans:
        if span.depth == 1 and span.start <= target.start < span.end:
            return span
    return target
