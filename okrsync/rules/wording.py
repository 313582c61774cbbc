"""The rule catalogue and its findings in a reader's language.

A finding keeps its English message (its identity) and the catalogue id and values of that
message; these functions say it, its fix hint and a rule's texts in a translator's language.
English comes back unchanged, and a finding without a message id (a mapping problem worded
elsewhere) keeps its own words.
"""

from __future__ import annotations

from typing import Any

from okrsync.i18n import SOURCE_LANGUAGE, Translator, translator
from okrsync.i18n.message import param_names, render, say
from okrsync.model import Finding
from okrsync.rules.catalogue import FAMILY_TITLES, Family, Rule


def finding_message(finding: Finding, t: Translator) -> str:
    """What the finding says, in `t`'s language."""
    if t.language == SOURCE_LANGUAGE or not finding.message_id:
        return finding.message
    return render(finding.message_id, finding.params, t)


def finding_hint(finding: Finding, t: Translator) -> str:
    """How to fix it, in `t`'s language (a rule's hint is its own catalogue id)."""
    return t.gettext(finding.hint) if finding.hint else ""


def rule_title(rule: Rule, t: Translator) -> str:
    """A rule's short name in `t`'s language ("too many objectives", "zu viele Ziele")."""
    return t.gettext(rule.display_title())


def family_title(family: Family | str, t: Translator) -> str:
    """A rule family's heading ("Key results", "Schlüsselergebnisse")."""
    title = {str(key): value for key, value in FAMILY_TITLES.items()}.get(family)
    return t.gettext(title) if title else str(family)


def describe_rule(rule: Rule, t: Translator) -> dict[str, Any]:
    """`Rule.describe()` with the texts for people in `t`'s language (code and name stay)."""
    described = rule.describe()
    for key in ("title", "summary", "explanation", "hint"):
        described[key] = t.gettext(described[key])
    return described


def finding_record(finding: Finding, t: Translator) -> dict[str, Any]:
    """A finding as JSON-ready data: its fields, message and hint in `t`'s language, and its
    message id with the parameters by name (as English writes them) for a later rendering."""
    record = finding._asdict()
    record["message"] = finding_message(finding, t)
    record["hint"] = finding_hint(finding, t)
    names = param_names(finding.message_id) if finding.message_id else ()
    english = translator(SOURCE_LANGUAGE)
    record["params"] = {
        name: say(value, english) for name, value in zip(names, finding.params, strict=False)
    }
    return record
