"""Slack incoming webhooks (and the two Web API methods okrsync uses), on 127.0.0.1.

Webhooks answer like Slack: 200 `ok`; 400 `invalid_payload` (not JSON), `no_text` (neither
text nor blocks), `invalid_blocks` (more than 50 blocks, an unknown block type, a text above
its limit, a text object that is not plain_text/mrkdwn); 404 `no_service` (unknown or revoked
URL), 404 `channel_not_found`, 410 `channel_is_archived`; 429 `rate_limited` with Retry-After
past one message per second per webhook (short bursts allowed). The Web API part answers
`users.lookupByEmail` and `chat.postMessage` with a bot token, as JSON with `ok`.
"""

from __future__ import annotations

import json
import math
import re
import secrets
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from okrsync.sandbox import ReceivedMessage, ReceiverSetup
from okrsync_sandbox.kit.rate import TokenBucket, retry_after_header

from .http_receiver import HttpReceiver, Reply
from .view import page, slack_html

BLOCK_TYPES: Final = frozenset(
    {"section", "header", "context", "actions", "divider", "image", "rich_text", "input", "file"}
)
BOT_TOKEN_ENV: Final = "OKRSYNC_SANDBOX_SLACK_BOT_TOKEN"  # noqa: S105 (a variable name)
_HOOK: Final = re.compile(r"^/services/(T[0-9A-Z]+)/(B[0-9A-Z]+)/([A-Za-z0-9_-]+)$")


def blocks_problem(blocks: Any) -> str:
    """Why Slack refuses these blocks with `invalid_blocks`, or ""."""
    if not isinstance(blocks, list) or len(blocks) > 50:
        return "blocks must be a list of at most 50"
    for block in blocks:
        if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
            return "unknown block type"
        limit = 150 if block["type"] == "header" else 3000
        texts = (
            [block.get("text"), *block.get("elements", [])] if block["type"] != "actions" else []
        )
        for text in texts:
            if text is None and block["type"] != "section":
                continue
            if text is None:
                if not block.get("fields"):
                    return "a section needs text or fields"
                continue
            if not isinstance(text, dict) or text.get("type") not in ("plain_text", "mrkdwn"):
                return "a text object must be plain_text or mrkdwn"
            if not str(text.get("text", "")) or len(str(text["text"])) > limit:
                return f"a {block['type']} text must be 1 to {limit} characters"
        if block["type"] == "header" and (block.get("text") or {}).get("type") != "plain_text":
            return "a header text must be plain_text"
    return ""


class SlackReceiver(HttpReceiver):
    name = "slack"

    def __init__(
        self,
        *,
        monotonic: Callable[[], float] | None = None,
        per_second: float = 1.0,
        burst: float = 4.0,
    ) -> None:
        super().__init__(**({"monotonic": monotonic} if monotonic else {}))
        self.per_second = per_second
        self.burst = burst
        self._hooks: dict[str, dict[str, Any]] = {}  # secret -> {label, state, limiter}
        self.bot_token = "xoxb-sandbox-" + secrets.token_hex(12)
        self.users: dict[str, str] = {}  # e-mail -> user id

    def webhook_url(self, label: str) -> str:
        for secret, hook in self._hooks.items():
            if hook["label"] == label:
                return f"{self.base_url}/services/T0SANDBOX/{hook['id']}/{secret}"
        secret = secrets.token_urlsafe(18).replace("-", "x").replace("_", "y")
        hook_id = f"B{len(self._hooks) + 1:08d}"
        limiter = TokenBucket(self.per_second, self.monotonic, burst=self.burst)
        self._hooks[secret] = {"label": label, "id": hook_id, "state": "ok", "limiter": limiter}
        return f"{self.base_url}/services/T0SANDBOX/{hook_id}/{secret}"

    def set_state(self, label: str, state: str) -> None:
        """'ok', 'archived' (410), 'deleted' (404 channel_not_found) or 'revoked' (404)."""
        for hook in self._hooks.values():
            if hook["label"] == label:
                hook["state"] = state

    def add_user(self, email: str) -> str:
        return self.users.setdefault(email.lower(), f"U{len(self.users) + 1:08d}")

    def setup(self, labels: list[str], people: tuple[str, ...] = ()) -> ReceiverSetup:
        for email in people:
            self.add_user(email)
        env = {BOT_TOKEN_ENV: self.bot_token}
        targets: dict[str, str] = {}
        for label in labels:
            variable = "OKRSYNC_SANDBOX_SLACK_" + re.sub(r"[^A-Z0-9]+", "_", label.upper()) + "_URL"
            env[variable] = self.webhook_url(label)
            targets[label] = variable
        options = {
            "type": "slack",
            "bot_token_env": BOT_TOKEN_ENV,
            "api_url": self.base_url + "/api/",
        }
        return ReceiverSetup(options=options, env=env, targets=targets)

    def _refuse(self, label: str, status: int, error: str, payload: Any) -> Reply:
        self.keep(
            ReceivedMessage(channel="slack", to=label, status=status, payload=payload, error=error)
        )
        return Reply(status, error.encode())

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        parts = urlsplit(path)
        if parts.path.startswith("/api/"):
            return self._web_api(parts.path[5:], parts.query, headers, body)
        match = _HOOK.match(parts.path)
        hook = self._hooks.get(match.group(3)) if match else None
        if method != "POST" or hook is None or hook["state"] == "revoked":
            return Reply(404, b"no_service")
        label = hook["label"]
        if hook["state"] == "archived":
            return self._refuse(label, 410, "channel_is_archived", None)
        if hook["state"] == "deleted":
            return self._refuse(label, 404, "channel_not_found", None)
        wait = hook["limiter"].take()
        if wait is not None:
            seconds = float(max(1, math.ceil(wait)))  # Slack answers whole seconds
            self.retry_watch.sent(seconds)
            return Reply(429, b"rate_limited", {"Retry-After": retry_after_header(seconds)})
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return self._refuse(label, 400, "invalid_payload", body.decode("utf-8", "replace"))
        if not isinstance(data, dict):
            return self._refuse(label, 400, "invalid_payload", data)
        if not data.get("text") and not data.get("blocks"):
            return self._refuse(label, 400, "no_text", data)
        if "blocks" in data and blocks_problem(data["blocks"]):
            return self._refuse(label, 400, "invalid_blocks", data)
        self.keep(ReceivedMessage(channel="slack", to=label, status=200, payload=data))
        return Reply(200, b"ok", content_type="text/html")

    def fault_reply(self, method: str, path: str) -> Reply | None:
        """Faults as Slack sends them: the Web API answers JSON (`ratelimited`), webhooks text."""
        reply = super().fault_reply(method, path)
        if reply is not None and reply.status and path.startswith("/api/"):
            error = "ratelimited" if reply.status == 429 else "internal_error"
            body = json.dumps({"ok": False, "error": error}).encode()
            return Reply(reply.status, body, reply.headers, content_type="application/json")
        return reply

    def _web_api(self, method: str, query: str, headers: dict[str, str], body: bytes) -> Reply:
        def reply(data: dict[str, Any]) -> Reply:
            return Reply(200, json.dumps(data).encode(), content_type="application/json")

        if headers.get("authorization") != f"Bearer {self.bot_token}":
            return reply({"ok": False, "error": "invalid_auth"})
        params: dict[str, Any] = {k: v[0] for k, v in parse_qs(query).items()}
        content_type = headers.get("content-type", "")
        if body and "json" in content_type:
            params.update(json.loads(body.decode("utf-8")))
        elif body:
            params.update({k: v[0] for k, v in parse_qs(body.decode("utf-8")).items()})
        if method == "users.lookupByEmail":
            user = self.users.get(str(params.get("email", "")).lower())
            if user is None:
                return reply({"ok": False, "error": "users_not_found"})
            return reply({"ok": True, "user": {"id": user}})
        if method == "chat.postMessage":
            channel = str(params.get("channel", ""))
            people = {v: k for k, v in self.users.items()}
            if channel not in people:
                return reply({"ok": False, "error": "channel_not_found"})
            if params.get("blocks") and blocks_problem(params["blocks"]):
                return reply({"ok": False, "error": "invalid_blocks"})
            self.keep(
                ReceivedMessage(channel="slack", to=people[channel], status=200, payload=params)
            )
            return reply({"ok": True, "channel": channel, "ts": "1700000000.000100"})
        return reply({"ok": False, "error": "unknown_method"})

    def render_html(self) -> str:
        posts = [slack_html(m.to, m.payload, m.status, m.error) for m in self.received()]
        return page("Slack messages (okrsync sandbox)", posts)


def create_receiver(**kwargs: Any) -> SlackReceiver:
    return SlackReceiver(**kwargs)
