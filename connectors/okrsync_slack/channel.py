"""The Slack channel: incoming webhooks (Block Kit), and optional direct messages with a bot token.

slack_sdk's `WebhookClient.send()` never raises for a 4xx/5xx answer, so every status is read
here: 200 `ok` is sent; 429 and 5xx are temporary (with Retry-After when given); `invalid_*`,
`channel_not_found`, `channel_is_archived`, `action_prohibited`, `no_service` are permanent.
Each webhook has its own HTTP policy, paced at Slack's one message per second. Direct messages
(`person` destinations) look the owner up by e-mail (`users.lookupByEmail`, needs
`users:read.email`) and post to them (`chat.postMessage`, `chat:write`).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, ClassVar, Final
from urllib.error import URLError

from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient
from slack_sdk.webhook import WebhookClient

from okrsync.config import check_url
from okrsync.errors import (
    ConnectionLost,
    OkrsyncError,
    RateLimited,
    RecordError,
    ServiceError,
    TimedOut,
)
from okrsync.http.policy import HttpPolicy
from okrsync.i18n import translator
from okrsync.notify.channel import ChannelContext, Delivery, Destination, LimitError, Rendered
from okrsync.notify.message import Notice
from okrsync.notify.webhook import (
    Answer,
    deliver,
    http_options,
    library_timeout,
    new_policy,
    outcome,
    resolved,
    retry_after_of,
)

from .blocks import build_message

DEFAULT_API_URL: Final = "https://slack.com/api/"
ACCEPTED: Final = frozenset({200})


def transport_error(exc: BaseException, where: str) -> OkrsyncError | None:
    """okrsync's error for a failure of slack_sdk's urllib transport, or None."""
    if isinstance(exc, TimeoutError):
        return TimedOut(f"{where}: timed out")
    if isinstance(exc, URLError | OSError):
        return ConnectionLost(f"{where}: {type(exc).__name__}")
    return None


def web_api_error(exc: BaseException, where: str, now: datetime) -> OkrsyncError | None:
    """okrsync's error for a Web API refusal: 429 and 5xx temporary, the rest permanent."""
    if not isinstance(exc, SlackApiError):
        return transport_error(exc, where)
    answer = exc.response
    data = answer.data if isinstance(answer.data, dict) else {}
    error = str(data.get("error", "")) or f"HTTP {answer.status_code}"
    if answer.status_code == 429:
        return RateLimited(
            f"{where}: {error}", retry_after=retry_after_of(dict(answer.headers), now)
        )
    if answer.status_code >= 500:
        return ServiceError(f"{where}: {error}")
    # A refusal comes as 200 with ok=false ("users_not_found"): nothing to retry.
    return RecordError(f"{where}: {error}", subject=where)


class SlackChannel:
    name: ClassVar[str] = "slack"

    def __init__(self, context: ChannelContext) -> None:
        self.context = context
        self.http = http_options(
            context.options,
            requests_per_second=1.0,
            timeout_s=15.0,
            max_retries=3,
            max_retry_wait_s=30.0,
        )
        self._webhooks: dict[str, tuple[WebhookClient, HttpPolicy]] = {}
        self._secrets: list[str] = []
        self._web: tuple[WebClient, HttpPolicy] | None = None
        self._users: dict[str, str] = {}

    def render(self, notice: Notice, to: Destination) -> Rendered:
        return Rendered(
            channel=to.channel,
            kind=notice.kind,
            to=to.label,
            destination=to,
            payload=build_message(notice, translator(to.language)),
            text=notice.plain_text(),
        )

    def _policy(self, url: str, *, paced: bool) -> HttpPolicy:
        options = self.http if paced else self.http.model_copy(update={"requests_per_second": None})
        return new_policy(options, url, self.context)

    def _webhook(self, variable: str) -> tuple[WebhookClient, HttpPolicy]:
        if variable not in self._webhooks:
            url = self.context.secret(variable, what="Slack webhook URL").get_secret_value()
            if check_url(url) is not None:
                raise LimitError(f"the URL in {variable} is not an https URL")
            self._secrets.append(url)
            client = WebhookClient(url, timeout=math.ceil(library_timeout(self.http)))
            self._webhooks[variable] = (client, self._policy(url, paced=True))
        return self._webhooks[variable]

    def _bot(self) -> tuple[WebClient, HttpPolicy]:
        if self._web is None:
            variable = self.context.options.get("bot_token_env")
            token = self.context.secret(variable, what="Slack bot token").get_secret_value()
            self._secrets.append(token)
            base = str(self.context.options.get("api_url", DEFAULT_API_URL))
            if check_url(base) is not None:
                raise LimitError("the Slack api_url is not an https URL")
            timeout = math.ceil(library_timeout(self.http))
            client = WebClient(token=token, base_url=base, timeout=timeout)
            self._web = (client, self._policy(base, paced=False))
        return self._web

    def send(self, message: Rendered) -> Delivery:
        where = f"Slack {message.to}"
        if message.destination.person:
            bot = resolved(where, self._bot)
            return bot if isinstance(bot, Delivery) else self._direct(message, where, *bot)
        prepared = resolved(where, lambda: self._webhook(message.destination.target))
        if isinstance(prepared, Delivery):
            return prepared
        client, policy = prepared

        def post() -> Answer:
            response = client.send_dict(message.payload)
            return Answer(
                response.status_code,
                response.body,
                retry_after_of(response.headers, self.context.clock()),
            )

        return deliver(
            policy, where, post, lambda exc: transport_error(exc, where), accepted=ACCEPTED
        )

    def _direct(
        self, message: Rendered, where: str, web: WebClient, policy: HttpPolicy
    ) -> Delivery:
        email = message.destination.target

        def translate(exc: BaseException) -> OkrsyncError | None:
            return web_api_error(exc, where, self.context.clock())

        def lookup() -> str:
            found: Any = web.users_lookupByEmail(email=email)
            return str(found["user"]["id"])

        if email not in self._users:
            user = outcome(
                lambda: policy.call(
                    where, "users.lookupByEmail", lookup, idempotent=True, translate=translate
                )
            )
            if isinstance(user, Delivery):
                return user
            self._users[email] = user
        posted = outcome(
            lambda: policy.call(
                where,
                "chat.postMessage",
                lambda: web.chat_postMessage(channel=self._users[email], **message.payload),
                idempotent=False,
                translate=translate,
            )
        )
        return posted if isinstance(posted, Delivery) else Delivery(status="sent")

    def secrets(self) -> list[str]:
        return list(self._secrets)

    def close(self) -> None:
        self._webhooks.clear()
