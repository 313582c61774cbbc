"""RuleSettings: which rules run, how severe they are and their thresholds (`[rules]` in config).

Every selector, code and threshold is validated against the catalogue when the settings are
built, so a typo in okrsync.toml is reported before any run, with the rule, the key and the
closest known names.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from okrsync.model import Frozen, Severity
from okrsync.rules.catalogue import Rule, Thresholds
from okrsync.rules.key_results import StaleThresholds
from okrsync.rules.registry import (
    get_rule,
    is_known_selector,
    rules_by_code,
    select_rules,
    unknown_selector_problem,
)

FailOn = Literal["error", "warning", "info", "never"]


def _threshold_problems(rule: Rule, values: dict[str, Any]) -> list[str]:
    """Every problem with the thresholds given for one rule, naming the rule and the key."""
    try:
        rule.thresholds.model_validate(values)
    except ValidationError as exc:
        valid = ", ".join(rule.thresholds.model_fields) or "none"
        problems = []
        for error in exc.errors():
            where = ".".join([f"thresholds.{rule.code}", *(str(p) for p in error["loc"])])
            what = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
            problems.append(f"{where}: {what} (rule {rule.code} {rule.name}; valid keys: {valid})")
        return problems
    return []


class RuleSettings(Frozen):
    """How `okrsync.rules.check` runs; embedded in okrsync.toml as `[rules]`.

    Selectors are codes (`KR002`), rule names (`missing-baseline`), families (`alignment`,
    `key_results`), code prefixes (`KR`, `KR01`) or `ALL`, matched case-insensitively. A rule
    runs when a `select` selector names it and no `ignore` selector does.
    """

    select: tuple[str, ...] = Field(
        default=("ALL",),
        description="Rules to run: codes, names, families, code prefixes or ALL.",
    )
    ignore: tuple[str, ...] = Field(
        default=(),
        description="Rules never to run, in the same notation as `select`; wins over select.",
    )
    severity: dict[str, Severity] = Field(
        default={},
        description="Severity per rule code, name, family or prefix, replacing the rule's "
        "default; an entry for a single rule wins over one for its family.",
    )
    thresholds: dict[str, dict[str, Any]] = Field(
        default={},
        description="Thresholds per rule code (or name), e.g. {OBJ001 = {max_per_team = 4}}; "
        "keys are checked against the rule's thresholds (see `okrsync rules CODE`).",
    )
    planning_weeks: int = Field(
        default=2,
        ge=0,
        description="Weeks into a cycle during which planning findings (task-like key results, "
        "too many objectives...) are shown on every page; afterwards review pages summarise "
        "them once under Planning notes. `okrsync lint` always lists them.",
    )
    fail_on: FailOn = Field(
        default="error",
        description="Lowest severity that makes `okrsync lint` exit non-zero, or never.",
    )

    @field_validator("severity", mode="before")
    @classmethod
    def _severity_per_code(cls, value: Any) -> Any:
        """Expand names, families and prefixes to codes; a single rule's entry wins."""
        if not isinstance(value, dict):
            return value
        broad: dict[str, Any] = {}
        narrow: dict[str, Any] = {}
        for key, item in value.items():
            rules = select_rules(str(key))
            if not rules:
                narrow[str(key)] = item  # reported as unknown by the catalogue check below
            for rule in rules:
                (narrow if len(rules) == 1 else broad)[rule.code] = item
        return {**broad, **narrow}

    @field_validator("thresholds", mode="before")
    @classmethod
    def _thresholds_per_code(cls, value: Any) -> Any:
        """Accept a rule's name or any case for its code; stored under the canonical code."""
        if not isinstance(value, dict):
            return value
        normalised: dict[str, Any] = {}
        for key, item in value.items():
            rules = select_rules(str(key))
            normalised[rules[0].code if len(rules) == 1 else str(key)] = item
        return normalised

    @field_validator("select", "ignore")
    @classmethod
    def _known_selectors(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        problems = [unknown_selector_problem(s) for s in value if not is_known_selector(s)]
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("severity")
    @classmethod
    def _known_severity_codes(cls, value: dict[str, Severity]) -> dict[str, Severity]:
        known = rules_by_code()
        problems = [unknown_selector_problem(code) for code in value if code not in known]
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("thresholds")
    @classmethod
    def _valid_thresholds(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        known = rules_by_code()
        problems: list[str] = []
        for code, values in value.items():
            if code in known:
                problems.extend(_threshold_problems(known[code], values))
            elif is_known_selector(code):
                problems.append(f"{code!r} names several rules; thresholds are set per rule code")
            else:
                problems.append(unknown_selector_problem(code))
        if problems:
            raise ValueError("; ".join(problems))
        return value

    def enabled_codes(self) -> frozenset[str]:
        """Codes of the rules that run: named by a `select` selector and by no `ignore` one."""
        selected = {r.code for s in self.select for r in select_rules(s)}
        ignored = {r.code for s in self.ignore for r in select_rules(s)}
        return frozenset(selected - ignored)

    def enabled(self, rule: Rule) -> bool:
        """True when the rule is selected and not ignored."""
        return rule.code in self.enabled_codes()

    def severity_of(self, rule: Rule) -> Severity:
        """The rule's severity after overrides."""
        return self.severity.get(rule.code, rule.severity)

    def thresholds_for(self, rule: Rule | str) -> Thresholds:
        """The rule's validated thresholds: defaults with this configuration's values applied."""
        resolved = get_rule(rule) if isinstance(rule, str) else rule
        return resolved.thresholds.model_validate(self.thresholds.get(resolved.code, {}))

    def review_options(self) -> dict[str, int]:
        """What a Review needs from the rules: planning weeks and the check-in threshold."""
        stale = self.thresholds_for("KR006")
        days = stale.days if isinstance(stale, StaleThresholds) else StaleThresholds().days
        return {"planning_weeks": self.planning_weeks, "check_in_days": days}
