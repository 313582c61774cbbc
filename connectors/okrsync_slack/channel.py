"""The Slack channel: incoming webhooks (Block Kit), and optional direct messages with a bot token.

slack_sdk's `WebhookClient.send()` never raises for a 4xx/5xx answer, so every status is read
here: 200 `ok` is sent; 429 and 5xx are temporary (with Retry-After when given); `invalid_*`,
`channel_not_found`, `channel_is_archived`, `action_prohibited`, `no_service` are permanent.
Direct messages (`person` destinations) look the owner up by e-mail (`users.lookupByEmail`,
needs `users:read.email`) and post to them (`chat.postMessage`, `chat:write`).
"""

from __future__ import annotations

from typing import Any, ClassVar, Final
from urllib.error import URLError

from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient
from slack_sdk.webhook import WebhookClient, WebhookResponse

from okrsync.config import check_url
from okrsync.errors import OkrsyncError
from okrsync.notify.channel import ChannelContext, Delivery, Destination, LimitError, Rendered
from okrsync.notify.message import Notice

from .blocks import build_message

TIMEOUT_SECONDS: Final = 15
DEFAULT_API_URL: Final = "https://slack.com/api/"


def _retry_after(headers: dict[str, Any]) -> float | None:
    for key, value in headers.items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) and value else value
            try:
                return max(float(raw), 0.0)
            except (TypeError, ValueError):
                return None
    return None


def delivery_of(status: int, body: str, headers: dict[str, Any], where: str) -> Delivery:
    """What a Slack answer means for this message."""
    if status == 200:
        return Delivery(status="sent")
    reason = body.strip()[:80] or "no reason given"
    temporary = status == 429 or status >= 500
    return Delivery(
        status="failed",
        permanent=not temporary,
        error=f"{where}: HTTP {status} {reason}",
        retry_after=_retry_after(headers),
    )


class SlackChannel:
    name: ClassVar[str] = "slack"

    def __init__(self, context: ChannelContext) -> None:
        self.context = context
        self._webhooks: dict[str, WebhookClient] = {}
        self._secrets: list[str] = []
        self._web: WebClient | None = None
        self._users: dict[str, str] = {}
        self.timeout = int(context.options.get("timeout_seconds", TIMEOUT_SECONDS))

    def render(self, notice: Notice, to: Destination) -> Rendered:
        return Rendered(
            channel=to.channel,
            kind=notice.kind,
            to=to.label,
            destination=to,
            payload=build_message(notice),
            text=notice.plain_text(),
        )

    def _webhook(self, variable: str) -> WebhookClient:
        if variable not in self._webhooks:
            url = self.context.secret(variable, what="Slack webhook URL").get_secret_value()
            if check_url(url) is not None:
                raise LimitError(f"the URL in {variable} is not an https URL")
            self._secrets.append(url)
            self._webhooks[variable] = WebhookClient(url, timeout=self.timeout)
        return self._webhooks[variable]

    def _bot(self) -> WebClient:
        if self._web is None:
            variable = self.context.options.get("bot_token_env")
            token = self.context.secret(variable, what="Slack bot token").get_secret_value()
            self._secrets.append(token)
            base = str(self.context.options.get("api_url", DEFAULT_API_URL))
            if check_url(base) is not None:
                raise LimitError("the Slack api_url is not an https URL")
            self._web = WebClient(token=token, base_url=base, timeout=self.timeout)
        return self._web

    def send(self, message: Rendered) -> Delivery:
        where = f"Slack {message.to}"
        try:
            if message.destination.person:
                return self._direct(message, where)
            response: WebhookResponse = self._webhook(message.destination.target).send_dict(
                message.payload
            )
        except LimitError as exc:
            return Delivery(status="failed", permanent=True, error=f"{where}: {exc}")
        except OkrsyncError as exc:  # a credential variable not set: fixed by the next run
            return Delivery(status="failed", error=f"{where}: {exc}")
        except (URLError, OSError) as exc:
            return Delivery(status="failed", error=f"{where}: {type(exc).__name__}")
        return delivery_of(response.status_code, response.body, dict(response.headers), where)

    def _direct(self, message: Rendered, where: str) -> Delivery:
        web = self._bot()
        email = message.destination.target
        try:
            if email not in self._users:
                found = web.users_lookupByEmail(email=email)
                self._users[email] = str(found["user"]["id"])
            web.chat_postMessage(channel=self._users[email], **message.payload)
        except SlackApiError as exc:
            answer = exc.response
            error = str(answer.get("error", "")) if isinstance(answer.data, dict) else ""
            # A Web API refusal comes as 200 with ok=false ("users_not_found"): permanent.
            status = 400 if answer.status_code == 200 else answer.status_code
            return delivery_of(status, error, dict(answer.headers), where)
        return Delivery(status="sent")

    def secrets(self) -> list[str]:
        return list(self._secrets)

    def close(self) -> None:
        self._webhooks.clear()
