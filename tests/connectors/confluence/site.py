"""A Confluence sandbox laid out the way real teams keep OKR pages, in several variants."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from okrsync_confluence.connector import ConfluenceConnector

from okrsync.connector import ConnectorContext, Writeback
from okrsync.mapping.loader import load_mapping
from okrsync_sandbox.confluence import ConfluenceSandbox, User

ROOT = Path(__file__).resolve().parents[3]
MAPPING = ROOT / "mappings" / "confluence-okr-pages.yaml"
GRACE = User(
    account_id="557058:grace-0001",
    display_name="Grace Hopper",
    email="grace@example.com",
    username="grace",
    user_key="ff8080grace0001",
)
KR_HEADER = (
    "<tr><th>Key Result</th><th>Owner</th><th>Kind</th><th>Start</th><th>Current</th>"
    "<th>Target</th><th>Unit</th><th>Confidence</th><th>Due</th></tr>"
)


@dataclass
class FakeClock:
    """Epoch seconds the sandbox stamps versions with; tests move it forward."""

    now: float = 1_754_000_000.0  # 2025-07-31

    def __call__(self) -> float:
        return self.now


@dataclass
class Site:
    sandbox: ConfluenceSandbox
    deployment: str
    clock: FakeClock = field(default_factory=FakeClock)
    ids: dict[str, str] = field(default_factory=dict)
    slept: list[float] = field(default_factory=list)

    def mention(self) -> str:
        attr = "ri:account-id" if self.deployment == "cloud" else "ri:userkey"
        value = GRACE.account_id if self.deployment == "cloud" else GRACE.user_key
        return f'<ac:link><ri:user {attr}="{value}"/></ac:link>'

    def options(self, **extra: Any) -> dict[str, Any]:
        options: dict[str, Any] = {
            "url": self.sandbox.url,
            "deployment": self.deployment,
            "token_env": "CONF_TOKEN",
            "space": "OKR",
            "objectives": {"label": "okr"},
            "review_parent": self.ids["reviews"],
            "page_size": 2,
            "max_retries": 3,
        }
        if self.deployment == "cloud":
            options["username_env"] = "CONF_USER"
        options.update(extra)
        return options

    def connector(
        self,
        writeback: Writeback | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], None] | None = None,
        **extra: Any,
    ) -> ConfluenceConnector:
        timing: dict[str, Any] = {"sleep": sleep or self.slept.append}
        if clock is not None:
            timing["clock"] = clock
        context = ConnectorContext(
            source="wiki",
            options=self.options(**extra),
            mapping=load_mapping(MAPPING),
            writeback=writeback or Writeback(),
            env={"CONF_USER": self.sandbox.username, "CONF_TOKEN": self.sandbox.token},
            **timing,
        )
        return ConfluenceConnector(context)


def company_page() -> str:
    """Keys in th, colgroup, lozenge, date; no KR table rows of its own."""
    return (
        '<ac:structured-macro ac:name="details" ac:schema-version="1"><ac:rich-text-body>'
        "<table><colgroup><col/><col/></colgroup><tbody>"
        "<tr><th>Level</th><td>Company</td></tr>"
        "<tr><th>Quarter</th><td>Q3 2025</td></tr>"
        "<tr><th>Type</th><td>Committed</td></tr>"
        '<tr><th>Status</th><td><ac:structured-macro ac:name="status">'
        '<ac:parameter ac:name="colour">Green</ac:parameter>'
        '<ac:parameter ac:name="title">ON TRACK</ac:parameter></ac:structured-macro></td></tr>'
        "</tbody></table></ac:rich-text-body></ac:structured-macro>"
        f"<table><tbody>{KR_HEADER}"
        "<tr><td>Market share 20%</td><td></td><td>Increase</td><td>12%</td><td>15%</td>"
        '<td>20%</td><td>%</td><td>7</td><td><time datetime="2025-09-30"/></td></tr>'
        "</tbody></table>"
    )


def team_page(mention: str) -> str:
    """Keys in td inside layout wrappers, a mention, a page link by title, a wrapped KR table."""
    return (
        '<div class="contentLayout2"><div class="cell">'
        '<ac:structured-macro ac:name="details"><ac:rich-text-body>'
        '<div class="table-wrap"><table><tbody>'
        f"<tr><td><strong>Owner</strong></td><td>{mention}</td></tr>"
        "<tr><td>Team</td><td>Growth</td></tr>"
        "<tr><td>Level</td><td>Team</td></tr>"
        "<tr><td>Quarter</td><td><p>Q3&nbsp;2025</p></td></tr>"
        '<tr><td>Aligned to</td><td><ac:link><ri:page ri:content-title="Win the market"/>'
        "</ac:link></td></tr>"
        "<tr><td>Notes</td><td>okrsync: ignore OBJ003</td></tr>"
        "</tbody></table></div></ac:rich-text-body></ac:structured-macro></div></div>"
        "<h2>Key results</h2><p>Intro &mdash; kept as written.</p>"
        f'<div class="table-wrap"><table class="wrapped"><tbody>{KR_HEADER}'
        f"<tr><td>Reach 100 paying customers</td><td>{mention}</td><td></td><td>10</td>"
        "<td>55 customers</td><td>100</td><td></td><td>8</td><td></td></tr>"
        "<tr><td>Churn below 2%</td><td></td><td>Decrease</td><td>5%</td><td>3%</td>"
        "<td>2%</td><td>%</td><td></td><td></td></tr>"
        "</tbody></table></div>"
    )


def build_site(sandbox: ConfluenceSandbox, deployment: str, clock: FakeClock) -> Site:
    """Space OKR: a parent for reviews and five objective pages (one unreadable)."""
    site = Site(sandbox=sandbox, deployment=deployment, clock=clock)
    sandbox.store.add_user(
        User(
            account_id=GRACE.account_id,
            display_name=GRACE.display_name,
            email=GRACE.email,
            username=GRACE.username,
            user_key=GRACE.user_key,
        )
    )
    sandbox.create_space("OKR", "OKRs")
    okrs = sandbox.create_page("OKR", "Objectives", "<p>Our OKRs.</p>")
    site.ids["reviews"] = sandbox.create_page("OKR", "Reviews", "<p>Reviews.</p>").id
    site.ids["company"] = sandbox.create_page(
        "OKR", "Win the market", company_page(), okrs.id, labels=("okr",)
    ).id
    site.ids["team"] = sandbox.create_page(
        "OKR", "Grow revenue", team_page(site.mention()), okrs.id, labels=("okr", "growth")
    ).id
    for index in range(2):
        site.ids[f"extra{index}"] = sandbox.create_page(
            "OKR",
            f"Extra objective {index}",
            '<ac:structured-macro ac:name="details"><ac:rich-text-body><table><tbody>'
            f"<tr><th>Quarter</th><td>Q3 2025</td></tr><tr><th>Team</th><td>T{index}</td></tr>"
            "</tbody></table></ac:rich-text-body></ac:structured-macro>",
            okrs.id,
            labels=("okr",),
        ).id
    broken = sandbox.create_page("OKR", "Broken objective", "<p>ok</p>", okrs.id, labels=("okr",))
    with sandbox.store.locked():
        broken.versions[-1].body = "<p>half a <b>table</p>"
    site.ids["broken"] = broken.id
    sandbox.create_page("OKR", "Not an OKR", "<p>no label</p>", okrs.id)
    return site
