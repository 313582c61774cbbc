"""A message kept as its id and parameters, so that it can be said in any language later.

A finding is made once, in English (its identity, order and dedupe key never depend on a
reader's language), and keeps the id of its message and the values of its named placeholders.
`render(message_id, params, t)` says it in `t`'s language: the message is translated first,
then each value is formatted for the language (numbers, amounts, percentages, dates, quoted
titles, words with a context) and filled in by name.

    MESSAGE = N_("key result {title!r} has no owner")
    MANY = Np_("{found} of {count} key result", "{found} of {count} key results")  # plural on
                                                                                    # {count}
    values = ordered(MESSAGE, title=kr.title)          # the values in placeholder order
    render(MESSAGE, values, translator("de"))          # "Schlüsselergebnis „…“ hat keine ..."

The English template may use `!r` on a title (Python's quotes, as before); a translation writes
its own quotation marks around the placeholder ("„{title}“"). Plural messages choose their form
by the placeholder `count`.
"""

from __future__ import annotations

import keyword
import operator
import re
import string
from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any, Final, NamedTuple

from okrsync.i18n.format import format_amount, format_date, format_fixed, format_number, share
from okrsync.i18n.translate import SOURCE_LANGUAGE, Translator, translator

PLURAL_SEPARATOR: Final = "\x00"
"""Between the singular and the plural of a plural message id (as gettext's .mo stores them)."""
COUNT: Final = "count"
"""The placeholder whose number chooses a plural message's form."""


def Np_(singular: str, plural: str) -> str:
    """Mark a plural message for the catalogue; the id keeps both forms, the form is chosen
    by the placeholder `count` when the message is rendered."""
    return singular + PLURAL_SEPARATOR + plural


def NC_(context: str, message: str) -> Phrase:
    """Mark a short word with a context for the catalogue; translated when rendered."""
    return Phrase(message, context)


class Amount(NamedTuple):
    """A value with its unit, formatted for the language ("€1.2M", "1,2 Mio. €")."""

    value: float | None
    unit: str | None


class Share(NamedTuple):
    """A share of 1 shown as a whole percentage ("45%", "45 %")."""

    value: float


class Fixed(NamedTuple):
    """A number with exactly `digits` decimals, as scores are shown ("0.70", "0,70")."""

    value: float
    digits: int = 2


class Phrase(NamedTuple):
    """A marked English word or phrase (with an optional context), translated when rendered."""

    text: str
    context: str | None = None


class Quoted(NamedTuple):
    """A title in the language's quotation marks ('Grow revenue' in English, „…“ in German)."""

    text: str


class Counted(NamedTuple):
    """A count with its noun, from a plural message over `{count}`: ("{count} day", "{count}
    days") -> "14 days", "14 Tage". For a second count in a message that chooses its own form
    by another one. (A translation should place it where its case does not change.)"""

    message_id: str
    n: int


class Listing(NamedTuple):
    """Items joined for a sentence, the rest counted: "'A', 'B' and 3 more"."""

    items: tuple[Any, ...]
    more: int = 0
    separator: str = ", "


class Clause(NamedTuple):
    """A message said inside another, with its own values: "{who}: {problem}" where `problem`
    is a clause of its own ("holds {value}, which is not {expected}"). Built with `clause`."""

    message_id: str
    params: tuple[Any, ...] = ()


class Glossed(NamedTuple):
    """Words kept as they are in English (`text`, e.g. a library's own error message) and
    said as `gloss` (any parameter value, usually a Clause) in every other language."""

    text: str
    gloss: Any


def clause(message_id: str, **params: Any) -> Clause:
    """A message and its values by name, to be said inside another message."""
    return Clause(message_id, ordered(message_id, **params))


QUOTE: Final = NC_("quoted title", "'{text}'")
AND_MORE: Final = Np_("{items} and {count} more", "{items} and {count} more")
DAYS: Final = Np_("{count} day", "{count} days")
KEY_RESULTS: Final = Np_("{count} key result", "{count} key results")
OBJECTIVES: Final = Np_("{count} objective", "{count} objectives")


def _is_plural(message_id: str) -> bool:
    return PLURAL_SEPARATOR in message_id


@cache
def param_names(message_id: str) -> tuple[str, ...]:
    """The placeholders of a message in order of appearance (singular, then plural form)."""
    names: dict[str, None] = {}
    for text in message_id.split(PLURAL_SEPARATOR):
        for _, name, _, _ in string.Formatter().parse(text):
            if name:
                names.setdefault(name.split(".", 1)[0].split("[", 1)[0], None)
    return tuple(names)


def ordered(message_id: str, **params: Any) -> tuple[Any, ...]:
    """The values of `params` in the message's placeholder order (what a finding keeps)."""
    return tuple(params[name] for name in param_names(message_id))


def _english(t: Translator) -> bool:
    return t.language == SOURCE_LANGUAGE


def _say_int(value: int, t: Translator) -> str:
    return format_number(value, digits=0, locale=t.locale)


def _say_float(value: float, t: Translator) -> str:
    return format_number(value, locale=t.locale)


def _say_amount(value: Amount, t: Translator) -> str:
    return format_amount(value.value, value.unit, locale=t.locale)


def _say_share(value: Share, t: Translator) -> str:
    return f"{value.value:.0%}" if _english(t) else share(value.value, locale=t.locale)


def _say_fixed(value: Fixed, t: Translator) -> str:
    if _english(t):
        return f"{value.value:.{value.digits}f}"
    return format_fixed(value.value, digits=value.digits, locale=t.locale)


def _say_phrase(value: Phrase, t: Translator) -> str:
    if value.context is None:
        return t.gettext(value.text)
    return t.pgettext(value.context, value.text)


def _say_quoted(value: Quoted, t: Translator) -> str:
    if _english(t):
        return repr(value.text)
    return t.pgettext(QUOTE.context or "", QUOTE.text).format(text=value.text)


def _say_counted(value: Counted, t: Translator) -> str:
    return _plural(value.message_id, t, value.n).format(count=_say_int(value.n, t))


def _say_listing(value: Listing, t: Translator) -> str:
    shown = value.separator.join(str(say(item, t)) for item in value.items)
    if value.more <= 0:
        return shown
    more = _say_int(value.more, t)
    return _plural(AND_MORE, t, value.more).format(items=shown, count=more)


def _say_date(value: date, t: Translator) -> str:
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat() if _english(t) else format_date(value, locale=t.locale)


def _say_clause(value: Clause, t: Translator) -> str:
    return render(value.message_id, value.params, t)


def _say_glossed(value: Glossed, t: Translator) -> Any:
    return value.text if _english(t) else say(value.gloss, t)


_SAYERS: Final[dict[type, Callable[[Any, Translator], Any]]] = {
    bool: lambda value, t: str(value),
    int: _say_int,
    float: _say_float,
    Amount: _say_amount,
    Share: _say_share,
    Fixed: _say_fixed,
    Phrase: _say_phrase,
    Quoted: _say_quoted,
    Counted: _say_counted,
    Listing: _say_listing,
    Clause: _say_clause,
    Glossed: _say_glossed,
    date: _say_date,
    datetime: _say_date,
}
"""How each kind of parameter is said, by its exact type (one look-up per value)."""


def say(value: Any, t: Translator) -> Any:
    """One parameter as the language writes it (strings and unknown types unchanged)."""
    sayer = _SAYERS.get(type(value))
    if sayer is not None:
        return sayer(value, t)
    for kind, found in _SAYERS.items():  # a subclass (an IntEnum, a pendulum date...)
        if isinstance(value, kind) and not isinstance(value, str):
            return found(value, t)
    return value


def _plural(message_id: str, t: Translator, n: int) -> str:
    form = _english_form(message_id)
    return t.ngettext(form.singular, form.plural or form.singular, n)


def render(message_id: str, params: Sequence[Any], t: Translator) -> str:
    """The message in `t`'s language with its parameters filled in by name."""
    names = param_names(message_id)
    values = dict(zip(names, params, strict=False))
    if _is_plural(message_id):
        n = values.get(COUNT)
        text = _plural(message_id, t, n if isinstance(n, int) else 2)
    else:
        text = t.gettext(message_id)
    try:
        return text.format(**{name: say(value, t) for name, value in values.items()})
    except (KeyError, IndexError, ValueError):
        # a translation naming a placeholder the message does not have: English, never nothing
        if t.language == SOURCE_LANGUAGE:
            raise
        return render(message_id, params, translator(SOURCE_LANGUAGE))


EnglishSayer = Callable[[dict[str, Any]], tuple[str, tuple[Any, ...]]]
"""A message's English text and its values in placeholder order, from its values by name
(KeyError for a missing one): what `english` answers."""


class _English(NamedTuple):
    """What saying a message in English needs, worked out once per message id."""

    singular: str
    plural: str | None
    say: EnglishSayer
    """The message said in English (see `_sayer`)."""


_SIMPLE_SPEC: Final = re.compile(r"[0-9A-Za-z.,_%<>=^+\- #]*")
"""Format specs an f-string reads as `str.format` does (no nested field, quote or backslash)."""


def _compiles(text: str, names: tuple[str, ...]) -> bool:
    """True when `text` can be an f-string over local variables named `names`: its fields are
    plain names with at most a conversion and a simple format spec."""
    return all(
        field is None
        or (
            field in names
            and conversion in (None, "r", "s", "a")
            and _SIMPLE_SPEC.fullmatch(spec or "") is not None
        )
        for _, field, spec, conversion in string.Formatter().parse(text)
    )


def _sayer(singular: str, plural: str | None, names: tuple[str, ...]) -> EnglishSayer:
    """The English of a message with placeholders `names`, as `english` says it.

    A message whose forms compile (`_compiles`, placeholders named like plain variables)
    becomes one generated function: it reads each value by name, says the values that are not
    text (`_say_english`) and fills the form in with a compiled f-string, for a quarter of a
    million findings at 100 000 key results (`str.format` would parse the template on every
    call). Any other message is filled in with `format_map`.
    """
    forms = (singular,) if plural is None else (singular, plural)
    if all(
        name.isidentifier() and not keyword.iskeyword(name) and not name.startswith("_")
        for name in names
    ) and all(_compiles(form, names) for form in forms):
        lines = ["def say(_params):"]
        lines += [f"    {name} = _params[{name!r}]" for name in names]
        lines.append(f"    _values = ({''.join(f'{name}, ' for name in names)})")
        for name in names:  # a share, in most findings that are not text only, said in line
            lines.append(f"    if _type({name}) is not _str:")
            lines.append(f"        if _type({name}) is _Share: {name} = f'{{{name}[0]:.0%}}'")
            lines.append(f"        else: {name} = _say({name})")
        if plural is not None:
            lines.append(f"    if _params.get({COUNT!r}) != 1: return f{plural!r}, _values")
        lines.append(f"    return f{singular!r}, _values")
        scope: dict[str, Any] = {
            "__builtins__": {},
            "_type": type,
            "_str": str,
            "_say": _say_english,
            "_Share": Share,
        }
        exec("\n".join(lines), scope)  # noqa: S102
        compiled: EnglishSayer = scope["say"]
        return compiled
    pick = _picker(names)

    def say(params: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
        values = pick(params)
        form = singular if plural is None or params.get(COUNT) == 1 else plural
        said = [v if type(v) is str else _say_english(v) for v in values]
        return form.format_map(dict(zip(names, said, strict=True))), values

    return say


def _picker(names: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    if len(names) > 1:
        return operator.itemgetter(*names)
    if names:
        one = names[0]
        return lambda params: (params[one],)
    return lambda params: ()


@cache
def _english_form(message_id: str) -> _English:
    singular, _, plural = message_id.partition(PLURAL_SEPARATOR)
    names = param_names(message_id)
    return _English(singular, plural or None, _sayer(singular, plural or None, names))


def _say_english(value: Any) -> Any:
    """`say(value, English)`, with the kinds every finding has said without a look-up."""
    kind = type(value)
    if kind is Share:
        return f"{value.value:.0%}"
    if kind is Fixed:
        return f"{value.value:.{value.digits}f}"
    if kind is Quoted:
        return repr(value.text)
    if kind is Counted:  # cached by the value itself where its count is a whole number
        return _counted_english(value) if type(value.n) is int else _say_counted(value, _ENGLISH)
    if kind is int:
        return _int_english(value)
    if kind is date:
        return value.isoformat()
    return say(value, _ENGLISH)


@lru_cache(maxsize=4096)
def _int_english(value: int) -> str:
    """A whole number in English: the same few counts, formatted by Babel once each."""
    return _say_int(value, _ENGLISH)


@lru_cache(maxsize=4096)
def _counted_english(value: Counted) -> str:
    """A `Counted` in English: the same few counts of days or key results, said once each."""
    return _say_counted(value, _ENGLISH)


def english(message_id: str, params: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
    """The English text of a message and its values in placeholder order.

    What `render(message_id, values, translator("en"))` gives, on the path every finding takes
    (a quarter of a million at 100 000 key results): no catalogue look-up, text values filled
    in as they are, and the message compiled once per message id (`_sayer`).
    """
    return english_sayer(message_id)(params)


@cache
def english_sayer(message_id: str) -> EnglishSayer:
    """The function `english` says `message_id` with, to be called with the values by name.

    For a caller that says every finding (`hit`): the function comes out of a cache keyed by
    the message id alone, in C, and is called directly, without a call of `english` between.
    """
    return _english_form(message_id).say


_ENGLISH: Final = translator(SOURCE_LANGUAGE)
