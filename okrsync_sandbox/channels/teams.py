"""A Teams Workflows "when a webhook request is received" trigger, on 127.0.0.1.

Like the service: the URL's `sig` must match (else 401); the body must be JSON (else 400
InvalidRequestContent); then it answers 202 with an empty body at once and "runs the flow",
whose outcome only shows in the run history (`received()[i].error`): a bare card, an attachment
that is not an Adaptive Card, a version Teams does not render (above 1.5) or a message above
~28 KB fail the run, as they fail the "Post card in a chat or channel" action.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from okrsync.sandbox import ReceivedMessage, ReceiverSetup

from .http_receiver import HttpReceiver, Reply
from .view import page, teams_card_html

MAX_BYTES: Final = 28_000
CARD: Final = "application/vnd.microsoft.card.adaptive"
_PATH: Final = re.compile(
    r"^/powerautomate/automations/direct/workflows/([0-9a-f]{32})/triggers/manual/paths/invoke$"
)


def _json_error(status: int, code: str, message: str) -> Reply:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    return Reply(status, body, content_type="application/json; charset=utf-8")


def run_error(body: Any, size: int) -> str:
    """Why the flow run fails for this body, or "" when the card is posted."""
    if not isinstance(body, dict) or body.get("type") != "message":
        return (
            "BadRequest: the body is not a message; send {'type': 'message', 'attachments': [...]}"
        )
    attachments = body.get("attachments")
    if not isinstance(attachments, list) or not attachments:
        return "BadRequest: the message has no attachments"
    for attachment in attachments:
        if not isinstance(attachment, dict) or attachment.get("contentType") != CARD:
            return "BadRequest: an attachment is not an Adaptive Card"
        card = attachment.get("content")
        if not isinstance(card, dict) or card.get("type") != "AdaptiveCard":
            return "BadRequest: an attachment has no AdaptiveCard content"
        major, _, minor = str(card.get("version", "")).partition(".")
        if not (major.isdigit() and minor.isdigit()) or (int(major), int(minor)) > (1, 5):
            version = card.get("version")
            return (
                f"UnsupportedCardVersion: Teams renders Adaptive Cards up to 1.5, not {version!r}"
            )
    if size > MAX_BYTES:
        return f"RequestEntityTooLarge: the message is {size} bytes; Teams takes about {MAX_BYTES}"
    return ""


class TeamsReceiver(HttpReceiver):
    name = "teams"

    def __init__(self, *, monotonic: Callable[[], float] | None = None) -> None:
        super().__init__(**({"monotonic": monotonic} if monotonic else {}))
        self._workflows: dict[str, tuple[str, str]] = {}  # id -> (label, sig)

    def workflow_url(self, label: str) -> str:
        """A new Workflow for `label` (a team's channel) and its secret trigger URL."""
        workflow = hashlib.sha256(label.encode()).hexdigest()[:32]
        sig = self._workflows.get(workflow, (label, secrets.token_urlsafe(32)))[1]
        self._workflows[workflow] = (label, sig)
        return (
            f"{self.base_url}/powerautomate/automations/direct/workflows/{workflow}"
            f"/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun"
            f"&sv=1.0&sig={sig}"
        )

    def setup(self, labels: list[str], people: tuple[str, ...] = ()) -> ReceiverSetup:
        env: dict[str, str] = {}
        targets: dict[str, str] = {}
        for label in labels:
            variable = "OKRSYNC_SANDBOX_TEAMS_" + re.sub(r"[^A-Z0-9]+", "_", label.upper()) + "_URL"
            env[variable] = self.workflow_url(label)
            targets[label] = variable
        return ReceiverSetup(options={"type": "teams"}, env=env, targets=targets)

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        parts = urlsplit(path)
        match = _PATH.match(parts.path)
        if method != "POST" or not match or match.group(1) not in self._workflows:
            return _json_error(404, "TriggerNotFound", "The workflow trigger could not be found.")
        label, sig = self._workflows[match.group(1)]
        if parse_qs(parts.query).get("sig", [""])[0] != sig:
            return _json_error(
                401,
                "DirectApiInvalidAuthorizationSignature",
                "The provided authorization signature is not valid.",
            )
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _json_error(
                400,
                "InvalidRequestContent",
                "The input body for trigger 'manual' of type 'Request' must be of type JSON.",
            )
        self.keep(
            ReceivedMessage(
                channel="teams",
                to=label,
                status=202,
                payload=data,
                error=run_error(data, len(body)),
            )
        )
        return Reply(202)

    def render_html(self) -> str:
        cards = [
            teams_card_html(m.to, m.payload, m.error)
            for m in self.received()
            if m.channel == "teams"
        ]
        return page("Teams channel posts (okrsync sandbox)", cards)


def create_receiver(**kwargs: Any) -> TeamsReceiver:
    return TeamsReceiver(**kwargs)
