"""Parsing Confluence storage format the way Confluence checks it: as XML, with lxml.

Confluence rejects a body that is not well-formed XML with a 400. A body is a fragment (many
top-level elements, text between them) that uses the `ac:`, `ri:` and `at:` prefixes without
declaring them, so it is parsed wrapped in a root element that declares those namespaces.

HTML named entities: Confluence accepts `&nbsp;`, `&eacute;`, `&mdash;` and the other HTML 4
named entities in storage format, although plain XML only knows `&amp; &lt; &gt; &quot; &apos;`.
The emulator does the same by declaring every HTML named entity in an internal DTD subset of
the wrapper (no external DTD is ever loaded, no network). An entity that is not an HTML entity
(`&foo;`) is still an error, as in Confluence.
"""

from __future__ import annotations

import uuid
from html.entities import name2codepoint
from typing import Final, Literal

from lxml import etree

AC_NS: Final = "http://atlassian.com/content"
RI_NS: Final = "http://atlassian.com/resource/identifier"
AT_NS: Final = "http://atlassian.com/template"
ROOT_TAG: Final = "ac:confluence"

_XML_PREDEFINED: Final = frozenset({"amp", "lt", "gt", "quot", "apos"})
_ENTITY_DECLARATIONS: Final = "".join(
    f'<!ENTITY {name} "&#{codepoint};">'
    for name, codepoint in sorted(name2codepoint.items())
    if name not in _XML_PREDEFINED
)
# The prologue ends with a newline so that line numbers in errors are the body's lines + 1.
_PROLOGUE: Final = (
    f"<!DOCTYPE {ROOT_TAG} [{_ENTITY_DECLARATIONS}]>"
    f'<{ROOT_TAG} xmlns:ac="{AC_NS}" xmlns:ri="{RI_NS}" xmlns:at="{AT_NS}">\n'
)
_EPILOGUE: Final = f"\n</{ROOT_TAG}>"


class StorageFormatError(ValueError):
    """The body is not well-formed storage format; the message names line and column."""


def _parser(resolve: bool | Literal["internal"]) -> etree.XMLParser:
    # lxml >= 5 takes "internal" (resolve internal entities only); the stubs only know bool.
    return etree.XMLParser(
        resolve_entities=resolve,  # type: ignore[arg-type]
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def parse_storage(body: str, *, resolve_entities: bool = False) -> etree._Element:
    """Parse a storage-format body into the children of a wrapper root element.

    With `resolve_entities` the HTML named entities are replaced by their characters (for
    rendering); without, they stay entity references (for validation only).
    """
    document = _PROLOGUE + body + _EPILOGUE
    parser = _parser("internal" if resolve_entities else False)
    try:
        root = etree.fromstring(document.encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        raise StorageFormatError(
            f"Error parsing xhtml: {exc.msg.split(',')[0]} (line {max(line - 1, 1)}, "
            f"column {column})"
        ) from exc
    # Drop the newlines the wrapper added around the body.
    if root.text is not None and root.text.startswith("\n"):
        root.text = root.text[1:]
    if len(root):
        tail = root[-1].tail
        if tail is not None and tail.endswith("\n"):
            root[-1].tail = tail[:-1]
    elif root.text is not None and root.text.endswith("\n"):
        root.text = root.text[:-1]
    return root


def check_storage(body: str) -> str | None:
    """Return None when `body` is accepted storage format, else the reason Confluence gives."""
    try:
        parse_storage(body)
    except StorageFormatError as exc:
        return str(exc)
    return None


def add_macro_ids(body: str, seed: str) -> str:
    """The body as Confluence stores it: every structured macro gets an `ac:macro-id`.

    Confluence rewrites what it is sent: it gives each `ac:structured-macro` a macro id and a
    schema version when they are missing (and keeps those already there). The ids here are
    derived from `seed` (page id and version) so runs are repeatable. Everything else is kept
    as parsed: entity references, CDATA sections, comments; the serialisation is lxml's
    (empty elements become `<x/>`), which, like Confluence's own, need not match the bytes
    that were sent. A body that does not parse is returned unchanged (it is rejected anyway).
    """
    document = _PROLOGUE + body + _EPILOGUE
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, strip_cdata=False
    )
    try:
        root = etree.fromstring(document.encode("utf-8"), parser)
    except etree.XMLSyntaxError:
        return body
    macro_id = "{" + AC_NS + "}macro-id"
    schema_version = "{" + AC_NS + "}schema-version"
    changed = False
    for index, macro in enumerate(root.iter("{" + AC_NS + "}structured-macro")):
        if macro.get(macro_id) is None:
            macro.set(macro_id, str(uuid.uuid5(uuid.NAMESPACE_URL, f"{seed}:{index}")))
            changed = True
        if macro.get(schema_version) is None:
            macro.set(schema_version, "1")
            changed = True
    if not changed:
        return body
    serialised = etree.tostring(root, encoding="unicode")
    inner = serialised[serialised.index(">") + 1 : serialised.rindex("</")]
    return inner.removeprefix("\n").removesuffix("\n")
