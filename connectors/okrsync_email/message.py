"""E-mails: a notice as a multipart/alternative message, rendered from Jinja2 templates.

The text part comes from `notice.txt.j2`, the HTML part from `notice.html.j2` with autoescape
on, so workspace text cannot add markup to the HTML. The templates' own words are marked with
Jinja2's i18n extension (`{% trans %}`, `gettext(...)`) and rendered with the reader's
`Translator` (its gettext and ngettext handed to the template), so `make i18n-update` extracts
them into the same catalogue as the code's (babel.cfg). Headers are set through the stdlib
`email` package with the SMTP policy, which refuses CR/LF in a header value; the notice's text
is already one line without control characters (`clean_text`), so a title can never add a
header. Addresses are checked before use.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from typing import Final

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from okrsync.i18n import Translator, translator
from okrsync.notify.channel import LimitError
from okrsync.notify.message import KIND_LABELS, Notice

_ADDRESS: Final = re.compile(r"^[^@\s<>(),;:\"\\\[\]]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")


_TEMPLATES = Environment(
    loader=PackageLoader("okrsync_email", "templates"),
    extensions=["jinja2.ext.i18n"],
    # HTML templates escape every value; the text template has nothing to escape.
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)
_TEXT = _TEMPLATES.get_template("notice.txt.j2")
_HTML = _TEMPLATES.get_template("notice.html.j2")


def checked_address(value: str, what: str) -> Address:
    """`value` as an Address, or LimitError when it is not a plain e-mail address."""
    if not _ADDRESS.match(value):
        raise LimitError(f"{what} is not a valid e-mail address")
    local, _, domain = value.rpartition("@")
    return Address(addr_spec=f"{local}@{domain}")


def render_parts(notice: Notice, t: Translator) -> tuple[str, str]:
    """The plain-text and the HTML part of `notice`, okrsync's own words in `t`'s language."""
    values = {
        "notice": notice,
        "kind_label": t.gettext(KIND_LABELS[notice.kind]),
        "language": t.language,
        "gettext": t.gettext,
        "ngettext": t.ngettext,
    }
    return _TEXT.render(values), _HTML.render(values)


def build_email(
    notice: Notice,
    *,
    sender: Address,
    to: Address,
    at: datetime,
    language: str = "en",
) -> tuple[EmailMessage, str]:
    """The message (To, From, Subject, Date, Message-ID, text + HTML) and its HTML part."""
    text, html = render_parts(notice, translator(language))
    message = EmailMessage(policy=SMTP)
    message["Subject"] = notice.title
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(at)
    message["Message-ID"] = make_msgid(domain=sender.domain or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message, html
