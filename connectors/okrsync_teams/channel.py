"""The Teams channel: Adaptive Cards posted to Workflows "when a webhook request is received" URLs.

Only Workflows URLs are accepted (the Office 365 connector webhooks are retired). The URL is a
secret (its `sig` signs the request), read from the environment variable the destination
names, and never appears in a message, log or error. Workflows answer 202 with an empty body;
card errors only show in the flow's run history, so the card is checked before it is sent.
Requests go through the shared HTTP policy, one per workflow (4 per second, Retry-After).
"""

from __future__ import annotations

from typing import ClassVar, Final
from urllib.parse import urlsplit

import httpx

from okrsync.http import for_httpx
from okrsync.http.policy import HttpPolicy
from okrsync.http.urls import is_loopback, url_problem
from okrsync.i18n import translator
from okrsync.notify.channel import ChannelContext, Delivery, Destination, LimitError, Rendered
from okrsync.notify.message import Notice
from okrsync.notify.webhook import (
    Answer,
    deliver,
    http_options,
    library_timeout,
    new_policy,
    resolved,
    retry_after_of,
)

from .card import build_card

WORKFLOW_HOSTS: Final = (".environment.api.powerplatform.com", ".logic.azure.com")
ACCEPTED: Final = frozenset({200, 202})


def workflow_url_problem(url: str) -> str | None:
    """Why `url` is not a Workflows webhook URL (without repeating the secret URL), or None."""
    if url_problem(url) is not None:
        # read with the HTTP libraries' own parsers: a backslash, user:pass@ or anything they
        # read as another host would post the card (and the URL's signature) elsewhere
        return "is not a plain https URL (or http on loopback) that every HTTP library reads alike"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return "is not a URL"
    if "outlook.office" in host or host.endswith(".webhook.office.com"):
        return (
            "is an Office 365 connector webhook, which Microsoft retired; create a Workflow "
            "'Post to a channel when a webhook request is received' and use its URL"
        )
    loopback = is_loopback(host)
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        return "is not an https URL"
    if not loopback and not host.endswith(WORKFLOW_HOSTS):
        return "is not a Power Automate Workflows URL (*.environment.api.powerplatform.com)"
    if "/workflows/" not in parts.path:
        return "does not look like a Workflows trigger URL (no /workflows/ in its path)"
    return None


class TeamsChannel:
    name: ClassVar[str] = "teams"

    def __init__(self, context: ChannelContext) -> None:
        self.context = context
        self.http = http_options(
            context.options, requests_per_second=4.0, timeout_s=15.0, max_retries=3
        )
        self._client = for_httpx.guard_client(httpx.Client(timeout=library_timeout(self.http)))
        self._urls: dict[str, str] = {}
        self._policies: dict[str, HttpPolicy] = {}

    def render(self, notice: Notice, to: Destination) -> Rendered:
        body = build_card(notice, translator(to.language))
        return Rendered(
            channel=to.channel,
            kind=notice.kind,
            to=to.label,
            destination=to,
            payload=body,
            text=notice.plain_text(),
        )

    def _policy(self, variable: str) -> tuple[str, HttpPolicy]:
        if variable not in self._urls:
            url = self.context.secret(variable, what="Teams Workflow URL").get_secret_value()
            problem = workflow_url_problem(url)
            if problem:
                raise LimitError(f"the URL in {variable} {problem}")
            self._urls[variable] = url
            self._policies[variable] = new_policy(self.http, url, self.context)
        return self._urls[variable], self._policies[variable]

    def send(self, message: Rendered) -> Delivery:
        where = f"Teams {message.to}"
        prepared = resolved(where, lambda: self._policy(message.destination.target))
        if isinstance(prepared, Delivery):
            return prepared
        url, policy = prepared

        def post() -> Answer:
            response = self._client.post(url, json=message.payload)
            return Answer(
                response.status_code,
                response.text,
                retry_after_of(response.headers, self.context.clock()),
            )

        return deliver(
            policy,
            where,
            post,
            lambda exc: for_httpx.transport_error(exc, where),
            accepted=ACCEPTED,
        )

    def secrets(self) -> list[str]:
        return list(self._urls.values())

    def close(self) -> None:
        self._client.close()
