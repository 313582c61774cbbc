"""A small, complete OKR workspace to seed into a sandbox (test data, not a demo company)."""

from __future__ import annotations

from datetime import date

from okrsync.model import Cycle, KeyResult, Objective, Person, Workspace


def sample_workspace() -> Workspace:
    """A small workspace with a company objective and two aligned team objectives.

    What the connector contract suite seeds into a sandbox, and what emulator tests seed when
    they need something; the figures exercise percentages, currency, plain counts, milestones,
    several owners and escaping (an apostrophe, `&` and `<...>`).
    """
    people = (
        Person(id="p-ana", name="Ana Lima", email="ana@example.com"),
        Person(id="p-ben", name="Ben O'Neil", email="ben@example.com"),
        Person(id="p-chen", name="Chen Wei", email=None),
    )
    cycle = Cycle(id="q3-2025", name="Q3 2025", start=date(2025, 7, 1), end=date(2025, 9, 30))
    objectives = (
        Objective(
            id="o-company",
            title="Become the default OKR tool for SMEs",
            level="company",
            owners=("p-ana",),
            cycle=cycle.id,
            kind="aspirational",
            status="On track",
            description="Growth & retention <together>.",
        ),
        Objective(
            id="o-sales",
            title="Grow revenue in the DACH region",
            level="team",
            team="Sales",
            owners=("p-ben",),
            cycle=cycle.id,
            parents=("o-company",),
            kind="committed",
            status="At risk",
        ),
        Objective(
            id="o-product",
            title="Ship a delightful onboarding",
            level="team",
            team="Product",
            owners=("p-chen", "p-ana"),
            cycle=cycle.id,
            parents=("o-company",),
            status="Off track",
            ignore_rules=("OBJ003",),
        ),
        Objective(
            id="o-support",
            title="Answer every ticket within a day",
            level="team",
            team="Support",
            owners=("p-ben",),
            cycle=cycle.id,
            parents=("o-company",),
            kind="committed",
        ),
    )
    key_results = (
        KeyResult(
            id="kr-nps",
            objective="o-company",
            title="Raise NPS from 20 to 45",
            start=20,
            current=31,
            target=45,
            owners=("p-ana",),
            confidence=0.7,
            due=date(2025, 9, 30),
        ),
        KeyResult(
            id="kr-churn",
            objective="o-company",
            title="Cut churn to 3%",
            kind="decrease",
            start=6,
            current=5,
            target=3,
            unit="%",
            owners=("p-ana",),
        ),
        KeyResult(
            id="kr-arr",
            objective="o-sales",
            title="New ARR of $500K",
            kind="increase",
            start=0,
            current=180_000,
            target=500_000,
            unit="$",
            owners=("p-ben",),
            confidence=0.5,
            due=date(2025, 9, 30),
        ),
        KeyResult(
            id="kr-deals",
            objective="o-sales",
            title="Close 1,200 deals",
            start=0,
            current=450,
            target=1200,
            owners=("p-ben",),
        ),
        KeyResult(
            id="kr-activation",
            objective="o-product",
            title="Activation at 27% -> 40%",
            start=27,
            current=29,
            target=40,
            unit="%",
            owners=("p-chen",),
            confidence=0.3,
        ),
        KeyResult(
            id="kr-wizard",
            objective="o-product",
            title="Ship the setup wizard",
            kind="milestone",
            start=0,
            current=0,
            target=1,
            owners=("p-chen",),
            due=date(2025, 8, 15),
        ),
        KeyResult(
            id="kr-first-response",
            objective="o-support",
            title="First response in 4 hours",
            kind="at_most",
            start=9,
            current=5,
            target=4,
            unit="h",
            owners=("p-ben",),
        ),
    )
    return Workspace(cycles=(cycle,), objectives=objectives, key_results=key_results, people=people)
