"""The Confluence sandbox emulator: a local Confluence that atlassian-python-api talks to.

`create_sandbox()` returns a `ConfluenceSandbox` (implements `okrsync.sandbox.Sandbox`):
real HTTP on 127.0.0.1 serving REST v1 (and v2 on Cloud) over an in-memory `Store`, with
basic or bearer auth, an optional rate limit, seeded faults, a request log, JSON save/load,
and a plain HTML view of every page. The HTTP server, fault plans, request log, clock and
state files are the shared emulator kit's (`okrsync_sandbox.kit`); the Confluence rules are
in server.py (pipeline), v1.py/v2.py (routes) and store.py. See docs/sandbox-confluence.md.
"""

from __future__ import annotations

from typing import Any, Final

from okrsync.model import Workspace
from okrsync.sandbox import FaultKind, SeedResult

from ..kit.clock import Clock
from ..kit.emulator import Emulator
from ..kit.http_server import Incoming, Outgoing
from .server import ConfluenceGateway, HumanEdit, fault_eligible
from .store import Page, Property, Space, Store, User
from .view import render_index, render_page
from .wire import Deployment

__all__ = [
    "ConfluenceSandbox",
    "Page",
    "Property",
    "Space",
    "Store",
    "User",
    "create_sandbox",
]

BOT_EMAIL: Final = "okrsync-bot@example.com"
BOT_API_TOKEN: Final = "sandbox-api-token"  # noqa: S105 - a fixed credential of a local emulator
BOT_PAT: Final = "sandbox-personal-access-token"


class ConfluenceSandbox(Emulator):
    """A Confluence Cloud or Data Center emulator; start it, seed it, point okrsync at it."""

    name = "confluence"

    def __init__(
        self, port: int = 0, *, deployment: Deployment = "cloud", clock: Clock | None = None
    ) -> None:
        if deployment not in ("cloud", "datacenter"):
            raise ValueError(f"deployment must be 'cloud' or 'datacenter', not {deployment!r}")
        super().__init__(clock=clock, port=port, server_name="okrsync-confluence-sandbox")
        self.deployment: Deployment = deployment
        self.store = Store(self.clock)
        self._gateway = ConfluenceGateway(
            self, self.store, deployment=deployment, render_view=self._render_view
        )
        self._add_default_users()

    def _add_default_users(self) -> None:
        """The okrsync bot (holds the credentials) and a person who makes human edits."""
        bot = self.store.add_user(
            User(
                account_id="557058:00000000-0000-4000-8000-00000000b07",
                display_name="okrsync",
                email=BOT_EMAIL,
                username="okrsync-bot",
                user_key="8a7f808a0000000000000000000b07",
                api_token=BOT_API_TOKEN,
                personal_access_token=BOT_PAT,
            )
        )
        self.store.bot_account_id = bot.account_id
        self.store.add_user(
            User(
                account_id="557058:00000000-0000-4000-8000-0000000ed17",
                display_name="Alex Editor",
                email="alex.editor@example.com",
                username="alex.editor",
                user_key="8a7f808a00000000000000000000ed17",
            )
        )

    # the Sandbox protocol ----------------------------------------------------------------

    @property
    def url(self) -> str:
        """The URL to give the Confluence client: base_url + "/wiki" on Cloud."""
        return self._gateway.site.base

    @property
    def username(self) -> str:
        """The account email for Cloud basic auth (unused by Data Center bearer auth)."""
        return BOT_EMAIL

    @property
    def token(self) -> str:
        """Cloud: the API token (basic auth password); Data Center: the personal access token."""
        return BOT_API_TOKEN if self.deployment == "cloud" else BOT_PAT

    def seed(self, workspace: Workspace) -> SeedResult:
        from .seed import seed_workspace

        return seed_workspace(self, workspace)

    def fault_eligible(self, kind: FaultKind, method: str, path: str) -> bool:
        return fault_eligible(kind, method, path)

    def set_rate_limit(self, requests_per_second: float | None) -> None:
        self._gateway.set_rate_limit(requests_per_second)

    def respond(self, incoming: Incoming) -> Outgoing:
        return self._gateway.respond(incoming)

    def set_rewrite_macros(self, enabled: bool) -> None:
        """Store bodies the way Confluence does: structured macros get `ac:macro-id` and
        `ac:schema-version` when missing (off by default, so stored bodies equal sent ones).

        With it on, a page read back differs from what was written although nothing changed
        in meaning: the case okrsync's own content hash exists for.
        """
        self.store.rewrite_macros = enabled

    def set_human_edit(self, edit: HumanEdit | None) -> None:
        """How the `human_edit` fault changes a page body (default: appends a paragraph)."""
        self._gateway.human_edit = edit

    def state(self) -> dict[str, Any]:
        return self.store.to_json()

    def restore(self, state: dict[str, Any]) -> None:
        self.store.load_json(state)

    def render_html(self) -> dict[str, str]:
        """Every current page as a plain HTML view: title -> HTML."""
        return {
            page.title: render_page(page, self.store, self.deployment)
            for page in self.store.all_pages()
        }

    def _render_view(self, page_id: str | None) -> tuple[int, str]:
        if page_id is None:
            return 200, render_index(self.store)
        page = self.store.pages.get(page_id)
        if page is None:
            return 404, render_index(self.store, missing=page_id)
        return 200, render_page(page, self.store, self.deployment)

    # conveniences for tests and demos ----------------------------------------------------

    def create_space(self, key: str, name: str, *, with_homepage: bool = True) -> Space:
        """A space, with a home page titled "<name> Home" unless told otherwise."""
        with self.store.locked():
            space = self.store.create_space(key, name)
            if with_homepage:
                home = self.store.create_page(key, f"{name} Home", "<p>Welcome.</p>")
                space.homepage_id = home.id
            return space

    def create_page(
        self,
        space_key: str,
        title: str,
        body: str,
        parent_id: str | None = None,
        *,
        labels: tuple[str, ...] = (),
    ) -> Page:
        return self.store.create_page(space_key, title, body, parent_id, labels=labels)

    def human_edit(self, page_id: str, new_body: str | None = None) -> Page:
        """A person edits the page: a new version by a human user, with changed text."""
        return self.store.human_edit(page_id, new_body)

    def restrict_editing(self, page_id: str) -> None:
        """Leave okrsync's account out of the page's edit restrictions: writes to it get 403."""
        self._gateway.edit_restrictions.add(page_id)

    def page_titles(self) -> list[str]:
        """The title of every current page, duplicates included."""
        return [page.title for page in self.store.all_pages()]

    def set_label(self, page_id: str, label: str) -> None:
        self.store.set_label(page_id, label)

    def page(self, page_id: str) -> Page:
        return self.store.page(page_id, statuses=("any",))


def create_sandbox(
    port: int = 0, *, deployment: Deployment = "cloud", clock: Clock | None = None
) -> ConfluenceSandbox:
    """Entry point of the `okrsync.sandboxes` group: an emulator, not yet started.

    `clock` (epoch seconds) stamps versions and drives the rate limit; tests inject their own.
    """
    return ConfluenceSandbox(port, deployment=deployment, clock=clock)
