"""Write examples/acme-workspace.json: a realistic small company's OKRs in workspace JSON form.

Acme Robotics (about 60 people) keeps quarterly OKRs on three levels: company, department and
team. The workspace has a finished quarter (2026-Q3, with a committed miss), the running quarter
(2026-Q4) and the next one being drafted (2027-Q1), key results of every kind, check-ins and a
few of the mistakes real OKR sets carry (a task-like key result, a missing baseline, an orphan
objective, a KPI kept as a key result), so `okrsync report` has something to say.

Run `python examples/make_acme_workspace.py` to regenerate the file; the output is
deterministic. Evaluate it inside the running quarter, e.g.
`okrsync report --input examples/acme-workspace.json --at 2026-11-16 --format html`.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from okrsync.model import CheckIn, Cycle, KeyResult, Objective, Person, Workspace

OUT = Path(__file__).resolve().parent / "acme-workspace.json"

CYCLES = (
    Cycle(id="2026-Q3", name="Q3 2026", start=date(2026, 7, 1), end=date(2026, 9, 30)),
    Cycle(id="2026-Q4", name="Q4 2026", start=date(2026, 10, 1), end=date(2026, 12, 31)),
    Cycle(id="2027-Q1", name="Q1 2027", start=date(2027, 1, 1), end=date(2027, 3, 31)),
)

PEOPLE = (
    ("u-dana", "Dana Whitfield", "CEO"),
    ("u-raj", "Raj Patel", "VP Engineering"),
    ("u-lena", "Lena Vogel", "VP Sales"),
    ("u-omar", "Omar Haddad", "Head of Customer Success"),
    ("u-mei", "Mei Chen", "Platform team lead"),
    ("u-jonas", "Jonas Berg", "Mobile team lead"),
    ("u-sofia", "Sofia Rossi", "Account executive"),
    ("u-kwame", "Kwame Mensah", "Marketing lead"),
    ("u-ines", "Inês Duarte", "Support lead"),
)

# fmt: off
# id, title, level, team, owner, cycle, parents, kind, description
OBJECTIVES: tuple[tuple[str, str, str, str | None, str, str, tuple[str, ...], str, str], ...] = (
    (
        "acme-q4-c1",
        "Become the robot fleet platform mid-size warehouses trust",
        "company", None, "u-dana", "2026-Q4", (), "aspirational",
        "Reliability and onboarding speed are why customers renew; this quarter we prove both.",
    ),
    (
        "acme-q4-c2",
        "Grow recurring revenue efficiently",
        "company", None, "u-dana", "2026-Q4", (), "committed",
        "Board plan: ARR growth without raising the cost of acquiring a customer.",
    ),
    (
        "acme-q4-d-eng",
        "Make the fleet controller boringly reliable",
        "department", "Engineering", "u-raj", "2026-Q4", ("acme-q4-c1",), "committed",
        "",
    ),
    (
        "acme-q4-t-platform",
        "Ship zero-downtime controller upgrades",
        "team", "Platform", "u-mei", "2026-Q4", ("acme-q4-d-eng",), "aspirational",
        "Today every upgrade needs a maintenance window; customers hate it.",
    ),
    (
        "acme-q4-t-mobile",
        "Let a floor manager fix a stuck robot from their phone",
        "team", "Mobile", "u-jonas", "2026-Q4", ("acme-q4-d-eng", "acme-q4-c1"), "aspirational",
        "",
    ),
    (
        "acme-q4-d-sales",
        "Win mid-size warehouses in the DACH region",
        "department", "Sales", "u-lena", "2026-Q4", ("acme-q4-c2",), "aspirational",
        "",
    ),
    (
        "acme-q4-t-cs",
        "Turn new customers into references within 90 days",
        "team", "Customer Success", "u-omar", "2026-Q4", ("acme-q4-c1",), "aspirational",
        "",
    ),
    (
        "acme-q4-t-marketing",
        "Improve the website",
        "team", "Marketing", "u-kwame", "2026-Q4", (), "aspirational",
        "",
    ),
    (
        "acme-q3-c1",
        "Launch the fleet controller 3.0 to every customer",
        "company", None, "u-dana", "2026-Q3", (), "committed",
        "",
    ),
    (
        "acme-q3-t-support",
        "Answer customers faster than they expect",
        "team", "Support", "u-ines", "2026-Q3", ("acme-q3-c1",), "aspirational",
        "",
    ),
    (
        "acme-q1-c1",
        "Open the UK market",
        "company", None, "u-dana", "2027-Q1", (), "aspirational",
        "Draft: key results to be agreed in the December planning week.",
    ),
)

# id, objective, title, kind, start, target, current, unit, weight, confidence, owner, done
KEY_RESULTS: tuple[
    tuple[
        str, str, str, str | None, float | None, float | None, float | None, str | None, float,
        float | None, str, bool | None,
    ],
    ...,
] = (
    ("kr-c1-uptime", "acme-q4-c1", "Raise fleet uptime across all sites from 99.2% to 99.8%",
     None, 99.2, 99.8, 99.5, "%", 1, 0.6, "u-raj", None),
    ("kr-c1-onboard", "acme-q4-c1", "Cut time to first productive robot shift from 21 to 7 days",
     None, 21, 7, 12, "days", 1, 0.5, "u-omar", None),
    ("kr-c1-nps", "acme-q4-c1", "Keep customer NPS at least 45",
     "at_least", None, 45, 48, "points", 1, 0.8, "u-omar", None),
    ("kr-c2-arr", "acme-q4-c2", "Grow ARR from $8.4M to $9.6M",
     "increase", 8_400_000, 9_600_000, 8_950_000, "$", 2, 0.6, "u-lena", None),
    ("kr-c2-cac", "acme-q4-c2", "Keep blended CAC payback at most 14 months",
     "at_most", None, 14, 15.5, "months", 1, 0.5, "u-lena", None),
    ("kr-c2-churn", "acme-q4-c2", "Reduce logo churn from 6% to 3% annualised",
     None, 6, 3, 4.8, "%", 1, 0.7, "u-omar", None),
    ("kr-eng-incidents", "acme-q4-d-eng", "Reduce Sev-1 incidents per month from 5 to 1",
     None, 5, 1, 2, "incidents/month", 1, 0.7, "u-raj", None),
    ("kr-eng-mttr", "acme-q4-d-eng", "Cut mean time to recovery from 90 to 30 minutes",
     None, 90, 30, 55, "min", 1, 0.6, "u-raj", None),
    ("kr-eng-oncall", "acme-q4-d-eng", "Keep on-call pages per week at most 10",
     "at_most", None, 10, 7, "pages/week", 1, 0.9, "u-raj", None),
    ("kr-plat-canary", "acme-q4-t-platform", "Roll out canary upgrades to 100% of sites",
     None, 0, 100, 35, "%", 1, 0.5, "u-mei", None),
    ("kr-plat-window", "acme-q4-t-platform", "Upgrades needing a maintenance window from 12 to 0",
     "decrease", 12, 0, 7, "upgrades", 1, 0.4, "u-mei", None),
    ("kr-plat-rollback", "acme-q4-t-platform", "Automatic rollback tested in production",
     "milestone", None, None, None, None, 1, 0.8, "u-mei", True),
    ("kr-plat-docs", "acme-q4-t-platform", "Write the upgrade runbook",
     "milestone", None, None, None, None, 0, None, "u-mei", False),
    ("kr-mob-fix", "acme-q4-t-mobile", "Resolve 60% of stuck-robot alerts from the app",
     None, None, 60, 18, "%", 1, 0.4, "u-jonas", None),
    ("kr-mob-rating", "acme-q4-t-mobile", "Raise app store rating from 3.6 to 4.5 stars",
     None, 3.6, 4.5, 3.9, "stars", 1, 0.5, "u-jonas", None),
    ("kr-mob-beta", "acme-q4-t-mobile", "Remote reset released to all beta customers",
     "milestone", None, None, None, None, 1, 0.6, "u-jonas", False),
    ("kr-sales-logos", "acme-q4-d-sales", "Sign 8 new DACH warehouse customers",
     None, 0, 8, 3, "customers", 2, 0.6, "u-lena", None),
    ("kr-sales-pipeline", "acme-q4-d-sales", "Keep qualified DACH pipeline at least $3M",
     "at_least", None, 3_000_000, 2_600_000, "$", 1, 0.5, "u-sofia", None),
    ("kr-sales-cycle", "acme-q4-d-sales", "Shorten the sales cycle from 120 to 90 days",
     None, 120, 90, 104, "days", 1, 0.6, "u-sofia", None),
    ("kr-sales-winrate", "acme-q4-d-sales", "Lift win rate from 18% to 25%",
     None, 18, 25, 21, "%", 1, 0.7, "u-lena", None),
    ("kr-cs-refs", "acme-q4-t-cs", "Get 6 new customers to agree to be a reference",
     None, 0, 6, 2, "customers", 1, 0.5, "u-omar", None),
    ("kr-cs-ttv", "acme-q4-t-cs", "Reduce onboarding tickets per new site",
     "decrease", None, 10, 16, "tickets", 1, 0.5, "u-omar", None),
    ("kr-cs-health", "acme-q4-t-cs", "Keep accounts with a red health score at most 5%",
     "at_most", None, 5, 4, "%", 1, 0.8, "u-omar", None),
    ("kr-mkt-pages", "acme-q4-t-marketing", "Publish 10 blog posts",
     None, 0, 10, 6, "posts", 1, 0.9, "u-kwame", None),
    ("kr-mkt-leads", "acme-q4-t-marketing", "Grow inbound demo requests from 40 to 70 a month",
     None, 40, 70, 52, "requests/month", 1, 0.6, "u-kwame", None),
    ("kr-q3-rollout", "acme-q3-c1", "Controller 3.0 running at all 42 customer sites",
     None, 0, 42, 38, "sites", 1, 0.7, "u-raj", None),
    ("kr-q3-regress", "acme-q3-c1", "Keep regressions reported by customers at most 3",
     "at_most", None, 3, 2, "regressions", 1, 0.8, "u-raj", None),
    ("kr-q3-training", "acme-q3-c1", "Every customer admin trained on 3.0",
     "milestone", None, None, None, None, 1, 0.9, "u-omar", True),
    ("kr-q3-frt", "acme-q3-t-support", "Cut first response time from 8 to 2 hours",
     None, 8, 2, 3.5, "hours", 1, 0.6, "u-ines", None),
    ("kr-q3-csat", "acme-q3-t-support", "Raise support CSAT from 82% to 92%",
     None, 82, 92, 90, "%", 1, 0.7, "u-ines", None),
    ("kr-q1-uk", "acme-q1-c1", "Sign 3 UK launch customers",
     None, 0, 3, 0, "customers", 1, None, "u-lena", None),
)

# key result, date, value, confidence, note
CHECK_INS: tuple[tuple[str, date, float, float | None, str], ...] = (
    ("kr-c1-uptime", date(2026, 10, 15), 99.3, 0.6, "Two controller crashes at the Leipzig site."),
    ("kr-c1-uptime", date(2026, 11, 1), 99.4, 0.6, ""),
    ("kr-c1-uptime", date(2026, 11, 15), 99.5, 0.6, "Watchdog fix rolled out."),
    ("kr-c1-nps", date(2026, 10, 15), 44, 0.7, "Survey after the 3.0 launch."),
    ("kr-c1-nps", date(2026, 11, 12), 48, 0.8, ""),
    ("kr-c2-arr", date(2026, 10, 31), 8_650_000, 0.6, ""),
    ("kr-c2-arr", date(2026, 11, 14), 8_950_000, 0.6, "Two expansions closed."),
    ("kr-c2-cac", date(2026, 10, 31), 13.5, 0.6, ""),
    ("kr-c2-cac", date(2026, 11, 14), 15.5, 0.5, "Trade fair spend landed this month."),
    ("kr-eng-incidents", date(2026, 10, 31), 3, 0.6, ""),
    ("kr-eng-incidents", date(2026, 11, 14), 2, 0.7, ""),
    ("kr-eng-oncall", date(2026, 10, 20), 12, 0.8, "Noisy disk alerts; tuned."),
    ("kr-eng-oncall", date(2026, 11, 10), 7, 0.9, ""),
    ("kr-plat-canary", date(2026, 11, 2), 20, 0.5, "Canary ring 1 live."),
    ("kr-plat-canary", date(2026, 11, 16), 35, 0.5, ""),
    ("kr-sales-pipeline", date(2026, 10, 10), 3_200_000, 0.6, ""),
    ("kr-sales-pipeline", date(2026, 10, 24), 3_050_000, 0.6, ""),
    ("kr-sales-pipeline", date(2026, 11, 7), 2_600_000, 0.5, "Two deals slipped to Q1."),
    ("kr-sales-logos", date(2026, 11, 7), 3, 0.6, ""),
    ("kr-cs-health", date(2026, 10, 15), 6, 0.7, ""),
    ("kr-cs-health", date(2026, 11, 12), 4, 0.8, ""),
    ("kr-mob-fix", date(2026, 10, 12), 10, 0.5, "Beta with two customers."),
    ("kr-q3-rollout", date(2026, 8, 15), 25, 0.7, ""),
    ("kr-q3-rollout", date(2026, 9, 28), 38, 0.6, "Four sites postponed to October."),
    ("kr-q3-csat", date(2026, 9, 25), 90, 0.7, ""),
)
# fmt: on


def build() -> Workspace:
    """The Acme workspace, assembled from the tables above."""
    objectives = tuple(
        Objective.model_validate(
            {
                "id": oid,
                "title": title,
                "description": description,
                "level": level,
                "team": team,
                "owners": (owner,),
                "cycle": cycle,
                "parents": parents,
                "kind": kind,
                "status": "Draft" if cycle == "2027-Q1" else "Active",
            }
        )
        for oid, title, level, team, owner, cycle, parents, kind, description in OBJECTIVES
    )
    key_results = tuple(
        KeyResult.model_validate(
            {
                "id": kid,
                "objective": objective,
                "title": title,
                "kind": kind,
                "start": start,
                "target": target,
                "current": current,
                "unit": unit,
                "weight": weight,
                "confidence": confidence,
                "owners": (owner,),
                "done": done,
            }
        )
        for (
            kid,
            objective,
            title,
            kind,
            start,
            target,
            current,
            unit,
            weight,
            confidence,
            owner,
            done,
        ) in KEY_RESULTS
    )
    check_ins = tuple(
        CheckIn(
            key_result=kid,
            at=datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC),
            value=value,
            confidence=confidence,
            note=note,
        )
        for kid, day, value, confidence, note in CHECK_INS
    )
    people = tuple(
        Person(id=pid, name=name, email=f"{name.split()[0].lower()}@acme-robotics.example")
        for pid, name, _role in PEOPLE
    )
    return Workspace(
        cycles=CYCLES,
        objectives=objectives,
        key_results=key_results,
        people=people,
        check_ins=check_ins,
    )


def main() -> None:
    data: dict[str, Any] = build().model_dump(mode="json")
    OUT.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
