"""Northwind Analytics: the realistic company the demo seeds into the sandboxes.

A B2B analytics company of about 120 people with a dozen teams on three levels (company,
departments, teams), about 40 objectives and 150 key results of every kind, laid out for the
quarter that contains `today` (with the previous quarter finished). It carries the mistakes real
OKR sets have, on purpose, so the rule catalogue has something to find: orphan objectives,
key results that are tasks, missing baselines, stale check-ins, an overloaded team, an objective
phrased as a metric, a key result nobody owns, a committed objective that is behind.

Pure and deterministic: the same `today` gives the same workspace.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from okrsync.model import (
    CheckIn,
    Cycle,
    KeyResult,
    KeyResultKind,
    Level,
    Objective,
    ObjectiveKind,
    Person,
    Workspace,
)

# (title, kind, start, target, unit); kind None lets okrsync infer it from start and target.
KRSpec = tuple[str, KeyResultKind | None, float | None, float | None, str | None]


@dataclass(frozen=True)
class ObjSpec:
    key: str
    title: str
    krs: tuple[KRSpec, ...]
    parent: str | None = None
    kind: ObjectiveKind = "aspirational"
    description: str = ""
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class TeamSpec:
    name: str
    level: Level
    lead: str
    members: tuple[str, ...]
    objectives: tuple[ObjSpec, ...]
    pace: float = 1.0  # how fast this team moves its numbers (1.0 = exactly on the cycle's pace)
    confidence: float = 0.7  # what the team says about its chances (0-1)
    stale: bool = False  # nobody has touched the numbers for weeks


COMPANY = TeamSpec(
    "Leadership",
    "company",
    "Maya Lindqvist",
    ("Maya Lindqvist", "Jonas Weber"),
    (
        ObjSpec(
            "C1",
            "Become the analytics platform mid-market teams cannot work without",
            (
                ("Grow net revenue retention from 104% to 112%", None, 104, 112, "%"),
                ("Raise weekly active accounts from 1,850 to 2,400", None, 1850, 2400, "accounts"),
                ("Cut logo churn from 2.1% to 1.4% per month", None, 2.1, 1.4, "%"),
            ),
            kind="committed",
            description="Retention is our growth engine this year.",
        ),
        ObjSpec(
            "C2",
            "Win the enterprise segment in the DACH region",
            (
                ("Grow enterprise ARR from $2.4M to $3.6M", None, 2_400_000, 3_600_000, "$"),
                ("Sign 6 new enterprise logos in DACH", None, 0, 6, "logos"),
                ("Raise enterprise win rate from 18% to 25%", None, 18, 25, "%"),
            ),
        ),
        ObjSpec(
            "C3",
            "Ship a product customers recommend without being asked",
            (
                ("Lift NPS from 31 to 45", None, 31, 45, "points"),
                ("Cut median time-to-first-dashboard from 3 days to 4 hours", None, 72, 4, "h"),
                ("Keep p95 query latency at most 800 ms", "at_most", None, 800, "ms"),
            ),
        ),
        ObjSpec(
            "C4",
            "Build a company people are proud to work for",
            (
                ("Raise eNPS from 12 to 30", None, 12, 30, "points"),
                ("Hire 14 engineers with 90-day retention of 100%", None, 0, 14, "hires"),
                ("Keep regretted attrition at most 5%", "at_most", None, 5, "%"),
            ),
        ),
    ),
)

DEPARTMENTS = (
    TeamSpec(
        "Sales",
        "department",
        "Jonas Weber",
        ("Jonas Weber", "Aylin Demir"),
        (
            ObjSpec(
                "D-SALES-1",
                "Build a predictable enterprise pipeline",
                (
                    ("Grow qualified pipeline from $3M to $5M", None, 3_000_000, 5_000_000, "$"),
                    ("Keep forecast accuracy at least 85%", "at_least", None, 85, "%"),
                    ("Shorten the enterprise sales cycle from 94 to 75 days", None, 94, 75, "days"),
                ),
                parent="C2",
            ),
            ObjSpec(
                "D-SALES-2",
                "Turn happy customers into expansion revenue",
                (
                    ("Grow expansion ARR from $180K to $420K", None, 180_000, 420_000, "$"),
                    ("Raise accounts with 2+ products from 22% to 35%", None, 22, 35, "%"),
                ),
                parent="C1",
            ),
        ),
        pace=0.95,
    ),
    TeamSpec(
        "Marketing",
        "department",
        "Chloé Martin",
        ("Chloé Martin",),
        (
            ObjSpec(
                "D-MKT-1",
                "Make Northwind the name mid-market data teams think of first",
                (
                    ("Grow organic sign-ups from 900 to 1,500 per month", None, 900, 1500, "/mo"),
                    ("Raise aided brand awareness in DACH from 9% to 15%", None, 9, 15, "%"),
                    ("Publish 3 benchmark reports cited by analysts", None, 0, 3, "reports"),
                ),
                parent="C2",
            ),
            ObjSpec(
                "D-MKT-2",
                "Increase MQLs by 40%",
                (
                    ("Grow MQLs from 1,200 to 1,680 per quarter", None, 1200, 1680, "MQLs"),
                    ("Raise MQL to SQL conversion from 14% to 20%", None, 14, 20, "%"),
                ),
                parent="C2",
            ),
        ),
        pace=1.05,
    ),
    TeamSpec(
        "Product & Engineering",
        "department",
        "Priya Raman",
        ("Priya Raman", "Tom Becker"),
        (
            ObjSpec(
                "D-PE-1",
                "Make the product fast and dependable at enterprise scale",
                (
                    ("Raise uptime from 99.5% to 99.95%", None, 99.5, 99.95, "%"),
                    ("Cut P1 incidents from 9 to 3 per quarter", None, 9, 3, "incidents"),
                    ("Keep p95 dashboard load at most 1.5 s", "at_most", None, 1.5, "s"),
                ),
                parent="C3",
                kind="committed",
            ),
            ObjSpec(
                "D-PE-2",
                "Let new customers see value on their first day",
                (
                    ("Cut time-to-first-dashboard from 72 h to 4 h", None, 72, 4, "h"),
                    ("Raise day-7 activation from 38% to 60%", None, 38, 60, "%"),
                ),
                parent="C1",
            ),
        ),
    ),
    TeamSpec(
        "Customer Success",
        "department",
        "Samuel Okafor",
        ("Samuel Okafor",),
        (
            ObjSpec(
                "D-CS-1",
                "Turn every customer into a reference",
                (
                    ("Lift CSAT from 4.2 to 4.6", None, 4.2, 4.6, "stars"),
                    ("Grow referenceable customers from 40 to 75", None, 40, 75, "customers"),
                    ("Cut gross churn from $95K to $50K per quarter", None, 95_000, 50_000, "$"),
                ),
                parent="C1",
            ),
        ),
    ),
    TeamSpec(
        "People & Operations",
        "department",
        "Hannah Schulz",
        ("Hannah Schulz",),
        (
            ObjSpec(
                "D-PO-1",
                "Hire and grow the team we need for next year",
                (
                    ("Cut time-to-hire from 52 to 35 days", None, 52, 35, "days"),
                    ("Raise offer acceptance from 71% to 85%", None, 71, 85, "%"),
                    ("Raise eNPS from 12 to 30", None, 12, 30, "points"),
                ),
                parent="C4",
            ),
        ),
    ),
)

TEAMS = (
    TeamSpec(
        "Enterprise Sales",
        "team",
        "Aylin Demir",
        ("Aylin Demir", "Felix Braun", "Nora Keller"),
        (
            ObjSpec(
                "T-ENT-1",
                "Land lighthouse customers in German manufacturing",
                (
                    ("Sign 4 manufacturing logos above $80K ARR", None, 0, 4, "logos"),
                    ("Grow stage-3 opportunities from 11 to 25", None, 11, 25, "opps"),
                    ("Raise close rate from 22% to 27%", None, 22, 27, "%"),
                    ("Raise scheduled calls per rep from 3 to 6 per week", None, 3, 6, "calls"),
                ),
                parent="D-SALES-1",
            ),
            ObjSpec(
                "T-ENT-2",
                "Make our proposals impossible to say no to",
                (
                    ("Hold weekly deal reviews with every AE", "milestone", None, None, None),
                    ("Raise proposal-to-close from 31% to 40%", None, 31, 40, "%"),
                ),
                parent="D-SALES-1",
            ),
        ),
        pace=0.45,
        confidence=0.4,
    ),
    TeamSpec(
        "SMB Sales",
        "team",
        "Felix Braun",
        ("Felix Braun", "Lea Wagner"),
        (
            ObjSpec(
                "T-SMB-1",
                "Make self-serve buyers upgrade on their own",
                (
                    ("Raise trial-to-paid conversion from 6% to 9%", None, 6, 9, "%"),
                    ("Grow self-serve MRR from $60K to $85K", None, 60_000, 85_000, "$"),
                    ("Keep refund rate at most 2%", "at_most", None, 2, "%"),
                ),
                parent="D-SALES-2",
            ),
        ),
        pace=1.2,
    ),
    TeamSpec(
        "Growth Marketing",
        "team",
        "Chloé Martin",
        ("Chloé Martin", "Ben Hofmann"),
        (
            ObjSpec(
                "T-GRO-1",
                "Make our website convert like the best in SaaS",
                (
                    ("Raise visitor-to-trial conversion from 1.8% to 2.6%", None, 1.8, 2.6, "%"),
                    ("Launch the new pricing page", "milestone", None, None, None),
                    ("Cut cost per trial from $140 to $95", None, 140, 95, "$"),
                ),
                parent="D-MKT-1",
            ),
            ObjSpec(
                "T-GRO-2",
                "Grow the community of data practitioners around us",
                (
                    ("Grow newsletter subscribers from 8,000 to 12,000", None, 8000, 12000, "subs"),
                    ("Run 6 community meetups", None, 0, 6, "meetups"),
                    ("Raise webinar attendance rate from 35% to 50%", None, 35, 50, "%"),
                ),
                parent="D-MKT-1",
            ),
        ),
        pace=1.25,
    ),
    TeamSpec(
        "Content",
        "team",
        "Ben Hofmann",
        ("Ben Hofmann",),
        (
            ObjSpec(
                "T-CON-1",
                "Become the reference for analytics engineering know-how",
                (
                    ("Grow organic search traffic from 40K to 65K visits", None, 40000, 65000, ""),
                    ("Write 12 blog posts", None, 0, 12, "posts"),
                    ("Rank top-3 for 10 target keywords (from 2)", None, 2, 10, "keywords"),
                ),
                # Deliberately aligned to nothing: an orphan.
            ),
        ),
        pace=0.2,
        stale=True,
    ),
    TeamSpec(
        "Platform",
        "team",
        "Tom Becker",
        ("Tom Becker", "Ivan Petrov", "Sara Costa"),
        (
            ObjSpec(
                "T-PLT-1",
                "Make the query engine fast at enterprise data volumes",
                (
                    ("Cut p95 query latency from 1,400 ms to 800 ms", None, 1400, 800, "ms"),
                    ("Raise cache hit rate from 55% to 80%", None, 55, 80, "%"),
                ),
                parent="D-PE-1",
            ),
            ObjSpec(
                "T-PLT-2",
                "Never lose a customer's trust in an incident",
                (
                    ("Cut mean time to recovery from 95 to 30 minutes", None, 95, 30, "min"),
                    ("Raise alerts with runbooks from 40% to 100%", None, 40, 100, "%"),
                    ("Migrate billing to the new payment provider", "milestone", None, None, None),
                ),
                parent="D-PE-1",
                kind="committed",
            ),
            ObjSpec(
                "T-PLT-3",
                "Cut our cloud bill without slowing anyone down",
                (
                    ("Cut cloud cost per active account from $14 to $10", None, 14, 10, "$"),
                    ("Reduce idle compute hours", "decrease", None, 2000, "h"),
                ),
                parent="C3",
            ),
            ObjSpec(
                "T-PLT-4",
                "Give every engineer a deploy pipeline they trust",
                (
                    ("Cut CI time from 28 to 12 minutes", None, 28, 12, "min"),
                    ("Raise deploys per week from 15 to 40", None, 15, 40, "deploys"),
                ),
                parent="D-PE-1",
            ),
            ObjSpec(
                "T-PLT-5",
                "Make the platform ready for EU data residency",
                (
                    ("Implement the EU region", "milestone", None, None, None),
                    ("Move 30 EU customers to the EU region", None, 0, 30, "customers"),
                ),
                parent="C2",
            ),
        ),
        pace=0.5,
        confidence=0.9,  # overloaded and overconfident
    ),
    TeamSpec(
        "Data",
        "team",
        "Ivan Petrov",
        ("Ivan Petrov", "Mei Chen"),
        (
            ObjSpec(
                "T-DAT-1",
                "Give customers numbers they can trust",
                (
                    ("Cut data freshness lag from 6 h to 30 min", None, 360, 30, "min"),
                    ("Keep data-quality test pass rate at least 99%", "at_least", None, 99, "%"),
                    ("Cut support tickets about wrong numbers from 45 to 10", None, 45, 10, ""),
                ),
                parent="D-PE-1",
            ),
        ),
        pace=0.95,
    ),
    TeamSpec(
        "Web App",
        "team",
        "Sara Costa",
        ("Sara Costa", "Lukas Meyer"),
        (
            ObjSpec(
                "T-WEB-1",
                "Make the first hour in Northwind delightful",
                (
                    ("Raise onboarding checklist completion from 24% to 55%", None, 24, 55, "%"),
                    ("Cut time-to-first-dashboard from 72 h to 4 h", None, 72, 4, "h"),
                    ("Lift in-app satisfaction from 3.9 to 4.4", None, 3.9, 4.4, "stars"),
                ),
                parent="D-PE-2",
            ),
            ObjSpec(
                "T-WEB-2",
                "Make dashboards people share",
                (
                    ("Grow shared dashboards from 1,100 to 2,000 per week", None, 1100, 2000, ""),
                    ("Raise embedded dashboard views from 12K to 30K", None, 12000, 30000, "views"),
                ),
                parent="C1",
            ),
        ),
        pace=1.1,
    ),
    TeamSpec(
        "Mobile",
        "team",
        "Lukas Meyer",
        ("Lukas Meyer",),
        (
            ObjSpec(
                "T-MOB-1",
                "Put key numbers in every manager's pocket",
                (
                    ("Grow mobile weekly actives from 300 to 900", None, 300, 900, "users"),
                    ("Raise app store rating from 3.8 to 4.5", None, 3.8, 4.5, "stars"),
                    ("Keep crash-free sessions at least 99.5%", "at_least", None, 99.5, "%"),
                ),
                # Deliberately aligned to nothing: an orphan.
            ),
        ),
        pace=0.6,
    ),
    TeamSpec(
        "Support",
        "team",
        "Samuel Okafor",
        ("Samuel Okafor", "Julia Novak"),
        (
            ObjSpec(
                "T-SUP-1",
                "Answer every customer faster than they expect",
                (
                    ("Cut first response time from 9 h to 2 h", None, 9, 2, "h"),
                    ("Raise one-touch resolution from 48% to 65%", None, 48, 65, "%"),
                    ("Keep CSAT at least 4.5", "at_least", None, 4.5, "stars"),
                ),
                parent="D-CS-1",
            ),
        ),
        pace=1.05,
    ),
    TeamSpec(
        "Onboarding",
        "team",
        "Julia Novak",
        ("Julia Novak",),
        (
            ObjSpec(
                "T-ONB-1",
                "Get every new customer live within two weeks",
                (
                    ("Cut time-to-live from 31 to 14 days", None, 31, 14, "days"),
                    ("Raise accounts live within 14 days from 35% to 80%", None, 35, 80, "%"),
                    ("Create onboarding playbooks", None, None, None, None),
                ),
                parent="D-CS-1",
            ),
        ),
        pace=0.3,
        stale=True,
    ),
    TeamSpec(
        "Recruiting",
        "team",
        "Hannah Schulz",
        ("Hannah Schulz", "Omar Haddad"),
        (
            ObjSpec(
                "T-REC-1",
                "Hire great engineers faster than our competitors",
                (
                    ("Cut time-to-hire for engineers from 58 to 38 days", None, 58, 38, "days"),
                    ("Grow referral hires from 15% to 35%", None, 15, 35, "%"),
                    ("Raise candidate experience score from 7.1 to 8.5", None, 7.1, 8.5, ""),
                ),
                parent="D-PO-1",
            ),
        ),
        pace=0.85,
    ),
)


# More key results for objectives above, so most objectives carry three to five of them
# (some deliberately carry six, or one, for the rules to find).
MORE_KRS: dict[str, tuple[KRSpec, ...]] = {
    "C2": (
        ("Grow DACH partner-sourced pipeline from $200K to $900K", None, 200_000, 900_000, "$"),
    ),
    "C3": (("Raise feature adoption of alerts from 18% to 40%", None, 18, 40, "%"),),
    "D-SALES-1": (("Grow average deal size from $48K to $60K", None, 48_000, 60_000, "$"),),
    "D-SALES-2": (
        ("Cut discounting on renewals from 14% to 8%", None, 14, 8, "%"),
        ("Run account plans for the top 40 customers", None, 0, 40, "plans"),
    ),
    "D-MKT-2": (("Cut cost per MQL from $210 to $160", None, 210, 160, "$"),),
    "D-PE-2": (
        ("Raise self-serve setup success from 61% to 85%", None, 61, 85, "%"),
        ("Cut setup support tickets from 120 to 50 per month", None, 120, 50, "tickets"),
    ),
    "D-CS-1": (("Grow customer advisory board from 4 to 12 members", None, 4, 12, "members"),),
    "D-PO-1": (("Raise managers trained in coaching from 20% to 80%", None, 20, 80, "%"),),
    "T-ENT-1": (("Grow DACH champion network from 6 to 20 contacts", None, 6, 20, "contacts"),),
    "T-ENT-2": (
        ("Cut proposal turnaround from 9 to 3 days", None, 9, 3, "days"),
        ("Raise proposals with an ROI case from 30% to 90%", None, 30, 90, "%"),
    ),
    "T-SMB-1": (
        ("Raise in-app upgrade clicks from 2.1% to 4%", None, 2.1, 4, "%"),
        ("Cut checkout abandonment from 38% to 25%", None, 38, 25, "%"),
    ),
    "T-GRO-1": (("Grow demo requests from 140 to 220 per month", None, 140, 220, "/mo"),),
    "T-GRO-2": (("Grow community Slack members from 2,300 to 4,000", None, 2300, 4000, ""),),
    "T-CON-1": (("Grow newsletter click rate from 3.1% to 4.5%", None, 3.1, 4.5, "%"),),
    "T-PLT-1": (
        ("Raise queries served under 1 s from 71% to 92%", None, 71, 92, "%"),
        ("Cut warehouse scan volume per query from 2.4 GB to 1.2 GB", None, 2.4, 1.2, "GB"),
    ),
    "T-PLT-3": (("Raise reserved-instance coverage from 35% to 70%", None, 35, 70, "%"),),
    "T-PLT-4": (
        ("Cut change failure rate from 18% to 8%", None, 18, 8, "%"),
        ("Raise test coverage of core services from 54% to 75%", None, 54, 75, "%"),
    ),
    "T-PLT-5": (("Pass the external ISO 27001 surveillance audit", "milestone", None, None, None),),
    "T-DAT-1": (
        ("Raise tables with documented owners from 45% to 95%", None, 45, 95, "%"),
        ("Cut failed nightly loads from 12 to 2 per month", None, 12, 2, "loads"),
    ),
    "T-WEB-2": (
        ("Raise dashboards with scheduled reports from 9% to 20%", None, 9, 20, "%"),
        ("Cut dashboard render errors from 0.8% to 0.2%", None, 0.8, 0.2, "%"),
    ),
    "T-MOB-1": (("Grow push notification opt-in from 41% to 60%", None, 41, 60, "%"),),
    "T-SUP-1": (
        ("Raise help-center deflection from 22% to 35%", None, 22, 35, "%"),
        ("Cut backlog older than 3 days from 85 to 15 tickets", None, 85, 15, "tickets"),
    ),
    "T-ONB-1": (("Lift onboarding CSAT from 4.1 to 4.6", None, 4.1, 4.6, "stars"),),
    "T-REC-1": (
        ("Grow engineering pipeline from 140 to 260 candidates", None, 140, 260, ""),
        ("Cut interview-to-offer time from 12 to 6 days", None, 12, 6, "days"),
    ),
}

# Further team objectives, including individual goals on the fourth level.
MORE_OBJECTIVES: dict[str, tuple[ObjSpec, ...]] = {
    "Enterprise Sales": (
        ObjSpec(
            "T-ENT-3",
            "Turn our first DACH customers into case studies",
            (
                ("Publish 3 DACH customer case studies", None, 0, 3, "stories"),
                ("Grow reference calls given from 2 to 10", None, 2, 10, "calls"),
                ("Raise deals with a reference call from 20% to 60%", None, 20, 60, "%"),
            ),
            parent="C2",
        ),
    ),
    "Growth Marketing": (
        ObjSpec(
            "T-GRO-3",
            "Make paid acquisition pay back within a year",
            (
                ("Cut CAC payback from 19 to 12 months", None, 19, 12, "months"),
                ("Raise paid-to-trial conversion from 3.5% to 5%", None, 3.5, 5, "%"),
                ("Grow LinkedIn-sourced pipeline from $150K to $400K", None, 150_000, 400_000, "$"),
            ),
            parent="D-MKT-2",
        ),
    ),
    "Data": (
        ObjSpec(
            "T-DAT-2",
            "Ship the metrics layer customers asked for",
            (
                ("Grow accounts using the metrics layer from 0 to 150", None, 0, 150, "accounts"),
                ("Raise metric definitions reused across dashboards to 60%", None, 20, 60, "%"),
                ("Cut metric disputes raised by customers from 30 to 5", None, 30, 5, ""),
            ),
            parent="D-PE-2",
        ),
    ),
    "Support": (
        ObjSpec(
            "T-SUP-2",
            "Make support a source of product insight",
            (
                ("Tag 95% of tickets with a product area (from 40%)", None, 40, 95, "%"),
                ("Ship 10 fixes sourced from support insights", None, 0, 10, "fixes"),
                ("Cut repeat contacts from 17% to 9%", None, 17, 9, "%"),
            ),
            parent="D-CS-1",
        ),
    ),
    "Recruiting": (
        ObjSpec(
            "T-REC-2",
            "Make Northwind a known employer in the Berlin data scene",
            (
                ("Grow careers page visits from 3,000 to 8,000 per month", None, 3000, 8000, ""),
                ("Host 4 engineering meetups", None, 0, 4, "meetups"),
                ("Grow inbound engineering applications from 60 to 150", None, 60, 150, ""),
            ),
            parent="D-PO-1",
        ),
    ),
    "Web App": (
        ObjSpec(
            "I-WEB-1",
            "Grow into a tech lead for the dashboard editor",
            (
                ("Lead 6 design reviews this quarter", None, 0, 6, "reviews"),
                ("Mentor 2 engineers to independent feature ownership", None, 0, 2, "people"),
                ("Cut editor bundle size from 2.8 MB to 1.6 MB", None, 2.8, 1.6, "MB"),
            ),
            parent="T-WEB-1",
        ),
    ),
    "Platform": (
        ObjSpec(
            "I-PLT-1",
            "Become the go-to person for query performance",
            (
                ("Profile and fix the 20 slowest customer queries", None, 0, 20, "queries"),
                ("Give 3 internal talks on query tuning", None, 0, 3, "talks"),
                ("Cut p99 latency of the slowest tenant from 9 s to 3 s", None, 9, 3, "s"),
            ),
            parent="T-PLT-1",
        ),
    ),
}

# Individual objectives belong to one person, not to the whole team.
INDIVIDUAL_OWNER = {"I-WEB-1": "Lukas Meyer", "I-PLT-1": "Ivan Petrov"}


# The previous quarter: (key, title, commitment, final score) and each one's key results.
PREVIOUS_QUARTER: tuple[tuple[str, str, str, float], ...] = (
    ("P1", "Launch the partner program", "committed", 0.8),
    ("P2", "Double self-serve revenue", "aspirational", 0.6),
    ("P3", "Make support a reason customers stay", "aspirational", 0.7),
)
PREVIOUS_KRS: dict[str, tuple[tuple[str, float, float, str], ...]] = {
    "P1": (
        ("Sign 10 reseller partners", 0, 10, "partners"),
        ("Grow partner-sourced pipeline from $0 to $500K", 0, 500_000, "$"),
    ),
    "P2": (
        ("Grow self-serve MRR from $30K to $60K", 30_000, 60_000, "$"),
        ("Raise trial-to-paid conversion from 4% to 6%", 4, 6, "%"),
    ),
    "P3": (
        ("Lift support CSAT from 4.0 to 4.5", 4.0, 4.5, "stars"),
        ("Cut first response time from 12 h to 4 h", 12, 4, "h"),
    ),
}
# Units that count whole things: nobody hires 8.48 engineers or writes 3.7 blog posts.
WHOLE_UNITS = frozenset(
    {
        "accounts",
        "calls",
        "contacts",
        "customers",
        "deploys",
        "fixes",
        "hires",
        "incidents",
        "keywords",
        "loads",
        "logos",
        "meetups",
        "members",
        "MQLs",
        "opps",
        "partners",
        "people",
        "plans",
        "posts",
        "queries",
        "reports",
        "reviews",
        "stories",
        "subs",
        "talks",
        "tickets",
        "users",
        "views",
        "/mo",
        "",
    }
)


def _plausible(value: float, unit: str | None) -> float:
    """A value as it would be recorded: whole for counts, at most 100 for a percentage."""
    if unit == "%":
        return round(min(value, 100.0), 2)
    if (unit or "") in WHOLE_UNITS or abs(value) >= 100:
        return float(round(value))
    return round(value, 2)


def _quarter(day: date) -> tuple[date, date, str]:
    q = (day.month - 1) // 3
    start = date(day.year, 3 * q + 1, 1)
    next_start = date(day.year + (q == 3), (3 * q + 3) % 12 + 1, 1)
    return start, next_start - timedelta(days=1), f"Q{q + 1} {day.year}"


def _cycle(day: date) -> Cycle:
    start, end, name = _quarter(day)
    return Cycle(id=f"{start.year}-Q{(start.month - 1) // 3 + 1}", name=name, start=start, end=end)


def _person_id(name: str) -> str:
    return "user-" + name.lower().replace(" ", "-").replace("é", "e")


def _email(name: str) -> str:
    first, last = name.lower().replace("é", "e").split(" ", 1)
    return f"{first}.{last.replace(' ', '')}@northwind.example"


def demo_company(today: date, *, seed: int = 7) -> Workspace:
    """The Northwind workspace for the quarter containing `today` (plus the finished one before)."""
    rng = random.Random(seed)
    current = _cycle(today)
    previous = _cycle(current.start - timedelta(days=1))
    elapsed = min(max((today - current.start).days / current.days, 0.0), 1.0)
    now = datetime.combine(today, time(9, 0), tzinfo=UTC)

    teams = (COMPANY, *DEPARTMENTS, *TEAMS)
    names = sorted({n for t in teams for n in (t.lead, *t.members)})
    people = tuple(Person(id=_person_id(n), name=n, email=_email(n)) for n in names)

    objectives: list[Objective] = []
    key_results: list[KeyResult] = []
    check_ins: list[CheckIn] = []
    for team in teams:
        for number, spec in enumerate(team.objectives + MORE_OBJECTIVES.get(team.name, ())):
            individual = spec.key in INDIVIDUAL_OWNER
            lead = INDIVIDUAL_OWNER.get(spec.key, team.lead)
            oid = f"obj-{spec.key.lower()}"
            objectives.append(
                Objective(
                    id=oid,
                    title=spec.title,
                    description=spec.description,
                    level="individual" if individual else team.level,
                    team=team.name,
                    owners=(_person_id(lead),),
                    cycle=current.id,
                    parents=(f"obj-{spec.parent.lower()}",) if spec.parent else (),
                    kind=spec.kind,
                    status="In progress",
                    ignore_rules=spec.ignore,
                )
            )
            krs = spec.krs + MORE_KRS.get(spec.key, ())
            for index, (title, kind, start, target, unit) in enumerate(krs):
                kid = f"kr-{spec.key.lower()}-{index + 1}"
                owner = lead if individual else team.members[(number + index) % len(team.members)]
                # Deliberate gap: one key result nobody owns.
                owners = () if spec.key == "T-GRO-2" and index == 1 else (_person_id(owner),)
                progress = max(0.0, rng.gauss(elapsed * team.pace, 0.12))
                current_value = _current(kind, start, target, unit, progress, rng)
                days_ago = rng.randint(1, 9) if not team.stale else rng.randint(24, 40)
                updated = now - timedelta(days=days_ago, hours=rng.randint(0, 8))
                noise = rng.choice((-0.1, 0.0, 0.0, 0.1))
                confidence = round(min(1.0, max(0.1, team.confidence + noise)), 1)
                key_results.append(
                    KeyResult(
                        id=kid,
                        objective=oid,
                        title=title,
                        kind=kind,
                        start=start,
                        target=target,
                        current=current_value,
                        unit=unit or None,
                        confidence=confidence,
                        owners=owners,
                        due=current.end if index == 0 else None,
                        done=(progress >= 0.8) if kind == "milestone" else None,
                        updated_at=updated,
                    )
                )
                if current_value is not None and not team.stale:
                    check_ins.extend(_history(kid, start, current_value, current, updated))
    # The previous quarter, finished: a few graded objectives for the portfolio rules.
    for key, title, commitment, score in PREVIOUS_QUARTER:
        oid = f"obj-prev-{key.lower()}"
        objectives.append(
            Objective(
                id=oid,
                title=title,
                level="company",
                team="Leadership",
                owners=(_person_id("Maya Lindqvist"),),
                cycle=previous.id,
                kind="committed" if commitment == "committed" else "aspirational",
                status="Done",
            )
        )
        for index, (kr_title, start, target, unit) in enumerate(PREVIOUS_KRS[key]):
            key_results.append(
                KeyResult(
                    id=f"kr-prev-{key.lower()}-{index + 1}",
                    objective=oid,
                    title=kr_title,
                    start=start,
                    target=target,
                    current=_plausible(start + (target - start) * score, unit),
                    unit=unit,
                    owners=(_person_id("Jonas Weber"),),
                    updated_at=datetime.combine(previous.end, time(17, 0), tzinfo=UTC),
                )
            )
    return Workspace(
        cycles=(previous, current),
        objectives=tuple(objectives),
        key_results=tuple(key_results),
        people=people,
        check_ins=tuple(check_ins),
    )


def _current(
    kind: KeyResultKind | None,
    start: float | None,
    target: float | None,
    unit: str | None,
    progress: float,
    rng: random.Random,
) -> float | None:
    if kind == "milestone" or target is None:
        return None
    if kind in ("at_least", "at_most"):
        # Mostly holding the band, sometimes just outside it; a percentage stays below 100%.
        share = rng.choice((0.02, 0.04, -0.03))
        room = (100 - target) * 10 if unit == "%" and kind == "at_least" else abs(target)
        margin = room * share
        return _plausible(target + margin if kind == "at_least" else target - margin, unit)
    base = start if start is not None else (target * 1.6 if kind == "decrease" else 0.0)
    return _plausible(base + (target - base) * progress, unit)


def _history(
    kr_id: str, start: float | None, current: float, cycle: Cycle, updated: datetime
) -> list[CheckIn]:
    """Two earlier check-ins on the way from start to the current value."""
    if start is None:
        return []
    span = (updated.date() - cycle.start).days
    if span < 14:
        return []
    points = []
    for share in (0.33, 0.66):
        at = datetime.combine(cycle.start + timedelta(days=int(span * share)), time(10, 0), UTC)
        value = start + (current - start) * share
        points.append(CheckIn(key_result=kr_id, at=at, value=round(value, 2)))
    return points
