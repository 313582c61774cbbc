"""docs/rules.md, generated from the catalogue so that the documentation cannot drift.

Regenerate with
`.venv/bin/python -c "import okrsync.rules as r; print(r.render_rules_markdown(), end='')" \
> docs/rules.md`; a test compares the committed file with `render_rules_markdown()`.
"""

from __future__ import annotations

import json

from okrsync.rules.catalogue import FAMILIES, FAMILY_PREFIX, FAMILY_TITLES, Rule
from okrsync.rules.registry import catalogue

_INTRO = """\
# Rule catalogue

<!-- Generated from okrsync/rules by okrsync.rules.docs.render_rules_markdown(); do not edit. -->

okrsync checks every OKR against these rules after scoring. Each rule has a stable code, a
default severity, tunable thresholds and a fix hint. Configure them in `okrsync.toml` like a
linter:

```toml
[rules]
select = ["ALL"]                 # codes, names, families, code prefixes (KR, KR01) or ALL
ignore = ["KR007", "alignment"]  # wins over select
fail_on = "error"                # lowest severity that fails `okrsync lint`; or "never"

[rules.severity]
KR011 = "warning"

[rules.thresholds.OBJ001]
max_per_team = 4
```

Silence a rule on one objective or key result from the workspace itself by writing
`okrsync: ignore KR002` (codes or families, comma or space separated, any case) in the field
the mapping reads suppressions from, for example the Notes property. Text after the list is
free: `okrsync: ignore KR002 -- the launch is the outcome here`.

## What pages show: the noise policy

`okrsync lint` lists every finding. The pages people read (review pages and the Warnings
output on each OKR page) follow a noise policy so that one fact is said once, where it helps:

- **Health is the one place that says something is behind.** OBJ009 objective-off-track,
  OBJ010 objective-at-risk and KR015 key-result-off-track only restate the Health column; they
  are folded into it (and into the review's "Needs attention") and not repeated on pages.
- **Planning rules are full-strength while a cycle is being planned.** During the first
  `planning_weeks` of a cycle (default 2, `[rules] planning_weeks = 2`) the rules about how
  OKRs are written (OBJ001, OBJ002, OBJ003, OBJ006, OBJ007, OBJ013, KR002, KR003, KR011,
  ALN001, ALN002, ALN007, PF001, PF002) are shown on every page like any finding. Afterwards
  each is summarised once in the review's **Planning notes** (how many, about what) and left
  off the OKR pages: 72% into a quarter, "this key result reads like a task" is advice for the
  next planning, not news. A planning rule raised to `error` is never summarised.
- **One root cause, one finding per subject.** An objective whose key results all went
  stale gets one KR006 finding ("4 of 4 key results ... not checked in for more than 14
  days"), not one per key result.
- **At most three warning lines on an OKR page**, most severe first; past three, the third
  line reads "+N more, see the review".

Findings about a team, a person or a cycle (OBJ001, PF001 to PF005, CYC001, CYC002, CYC004)
are computed per cycle and appear on that cycle's review page only.
"""


def _value(value: object) -> str:
    return f"`{json.dumps(value, ensure_ascii=False)}`"


def render_rule_markdown(rule: Rule) -> str:
    """One rule's section: summary, explanation, thresholds and fix."""
    lines = [
        f"### {rule.code} {rule.name}",
        "",
        f"**{rule.severity}** · {rule.summary}",
        "",
        rule.explanation,
        "",
    ]
    thresholds = rule.threshold_docs()
    if thresholds:
        lines += ["| threshold | default | meaning |", "|---|---|---|"]
        lines += [
            f"| `{t['key']}` | {_value(t['default'])} | {t['description']} |" for t in thresholds
        ]
        lines.append("")
    lines += [f"Fix: {rule.hint}", ""]
    return "\n".join(lines)


def render_rules_markdown() -> str:
    """The whole of docs/rules.md: an index table, then every rule by family."""
    rules = catalogue()
    parts = [_INTRO, "## Index", "", "| code | name | severity | summary |", "|---|---|---|---|"]
    parts += [
        f"| [{r.code}](#{r.code.lower()}-{r.name}) | {r.name} | {r.severity} | {r.summary} |"
        for r in rules
    ]
    parts.append("")
    for family in FAMILIES:
        members = [r for r in rules if r.family == family]
        if not members:
            continue
        parts += [f"## {FAMILY_TITLES[family]} ({FAMILY_PREFIX[family]}xxx, `{family}`)", ""]
        parts += [render_rule_markdown(r) for r in members]
    return "\n".join(parts).rstrip("\n") + "\n"
