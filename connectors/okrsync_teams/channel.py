"""The Teams channel: Adaptive Cards posted to Workflows "when a webhook request is received" URLs.

Only Workflows URLs are accepted (the Office 365 connector webhooks are retired). The URL is a
secret (its `sig` signs the request), read from the environment variable the destination
names, and never appears in a message, log or error. Workflows answer 202 with an empty body;
card errors only show in the flow's run history, so the card is checked before it is sent.
"""

from __future__ import annotations

from typing import ClassVar, Final
from urllib.parse import urlsplit

import httpx

from okrsync.config import is_loopback
from okrsync.errors import OkrsyncError
from okrsync.notify.channel import ChannelContext, Delivery, Destination, LimitError, Rendered
from okrsync.notify.message import Notice

from .card import build_card

WORKFLOW_HOSTS: Final = (".environment.api.powerplatform.com", ".logic.azure.com")
TIMEOUT_SECONDS: Final = 15.0


def workflow_url_problem(url: str) -> str | None:
    """Why `url` is not a Workflows webhook URL (without repeating the secret URL), or None."""
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


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None


class TeamsChannel:
    name: ClassVar[str] = "teams"

    def __init__(self, context: ChannelContext, client: httpx.Client | None = None) -> None:
        self.context = context
        self.timeout = float(context.options.get("timeout_seconds", TIMEOUT_SECONDS))
        self._client = client or httpx.Client(timeout=self.timeout, follow_redirects=False)
        self._urls: dict[str, str] = {}

    def render(self, notice: Notice, to: Destination) -> Rendered:
        body = build_card(notice)
        return Rendered(
            channel=to.channel,
            kind=notice.kind,
            to=to.label,
            destination=to,
            payload=body,
            text=notice.plain_text(),
        )

    def _url(self, variable: str) -> str:
        if variable not in self._urls:
            url = self.context.secret(variable, what="Teams Workflow URL").get_secret_value()
            problem = workflow_url_problem(url)
            if problem:
                raise LimitError(f"the URL in {variable} {problem}")
            self._urls[variable] = url
        return self._urls[variable]

    def send(self, message: Rendered) -> Delivery:
        where = f"Teams {message.to}"
        try:
            url = self._url(message.destination.target)
            response = self._client.post(url, json=message.payload)
        except LimitError as exc:
            return Delivery(status="failed", permanent=True, error=f"{where}: {exc}")
        except OkrsyncError as exc:  # a credential variable not set: fixed by the next run
            return Delivery(status="failed", error=f"{where}: {exc}")
        except httpx.TimeoutException:
            return Delivery(status="failed", error=f"{where}: no answer in {self.timeout:g}s")
        except httpx.HTTPError as exc:
            return Delivery(status="failed", error=f"{where}: {type(exc).__name__}")
        if response.status_code in (200, 202):
            return Delivery(status="sent")
        status = response.status_code
        temporary = status == 429 or status >= 500 or status == 408
        return Delivery(
            status="failed",
            permanent=not temporary,
            error=f"{where}: HTTP {status}",
            retry_after=_retry_after(response),
        )

    def secrets(self) -> list[str]:
        return list(self._urls.values())

    def close(self) -> None:
        self._client.close()
