"""A real SMTP server on 127.0.0.1 (aiosmtpd) that stores what it accepts.

AUTH PLAIN/LOGIN with the sandbox's user and password (refused: 535), then MAIL/RCPT/DATA.
Faults: `refuse(address, code)` answers RCPT for that address with 451 (temporary) or 550
(permanent); `fail_data(code, times)` answers the next DATA commands with 421 (the server
closes), 451 or 554; `slow_seconds` delays every DATA answer (past the client's timeout);
`hold()` keeps DATA unanswered until released (`hold.py`).
"""

from __future__ import annotations

import asyncio
import email
import logging
import secrets
import socket
import ssl
import threading
import warnings
from collections.abc import Callable
from email.policy import default as default_policy
from typing import Any, Final

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from okrsync.sandbox import FaultPlan, ReceivedMessage, ReceiverSetup

from .hold import Hold
from .view import email_html, page

USER: Final = "okrsync"
PASSWORD_ENV: Final = "OKRSYNC_SANDBOX_SMTP_PASSWORD"  # noqa: S105 (a variable name)
SENDER: Final = "okrsync@sandbox.example"
_REASONS: Final = {
    421: "4.7.0 Too many connections, closing transmission channel",
    451: "4.3.0 Temporary local problem, try again later",
    550: "5.1.1 Mailbox unavailable",
    554: "5.6.0 Message rejected",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Handler:
    def __init__(self, receiver: SmtpReceiver) -> None:
        self.receiver = receiver

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        code = self.receiver.refusals.get(address.lower())
        if code:
            return f"{code} {_REASONS.get(code, 'refused')}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        receiver = self.receiver
        if receiver.held is not None:
            await asyncio.get_running_loop().run_in_executor(None, receiver.held.enter)
        if receiver.slow_seconds:
            await asyncio.sleep(receiver.slow_seconds)
        with receiver.lock:
            code = receiver.data_failures.pop(0) if receiver.data_failures else None
        if code:
            if code == 421:
                server.transport.close()  # type: ignore[union-attr]
            return f"{code} {_REASONS.get(code, 'failed')}"
        raw = envelope.content
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        for rcpt in envelope.rcpt_tos:
            receiver.keep(ReceivedMessage(channel="email", to=rcpt, status=250, payload=text))
        return "250 OK queued"


# aiosmtpd logs each session's AUTH-without-TLS and login_data notices; the demo's terminal
# and the test output are not the place for them.
logging.getLogger("mail.log").setLevel(logging.ERROR)


class _Controller(Controller):
    """aiosmtpd's controller, quiet about AUTH without TLS: this server only listens on
    127.0.0.1, where there is nothing to eavesdrop on."""

    def factory(self) -> SMTP:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
            server: SMTP = super().factory()  # type: ignore[no-untyped-call]
        return server


class SmtpReceiver:
    name = "email"

    def __init__(self, *, tls: ssl.SSLContext | None = None, implicit_tls: bool = False) -> None:
        """`tls`: the server's certificate, offered with STARTTLS (required before AUTH), or
        from the first byte with `implicit_tls` (port 465 style)."""
        self.tls = tls
        self.implicit_tls = implicit_tls
        self.password = secrets.token_urlsafe(16)
        self.port = _free_port()
        self.lock = threading.Lock()
        self.refusals: dict[str, int] = {}
        self.data_failures: list[int] = []
        self.slow_seconds = 0.0
        self.held: Hold | None = None
        self.logins = 0
        self._messages: list[ReceivedMessage] = []
        self._controller: Controller | None = None

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == USER
            and data.password.decode() == self.password
        )
        if ok:
            with self.lock:
                self.logins += 1
        return AuthResult(success=ok, handled=False)

    def start(self) -> None:
        if self._controller is not None:
            return
        if self.tls is not None and self.implicit_tls:
            tls: dict[str, Any] = {"ssl_context": self.tls, "auth_require_tls": False}
        elif self.tls is not None:
            tls = {"tls_context": self.tls, "require_starttls": True, "auth_require_tls": True}
        else:
            tls = {"auth_require_tls": False}
        self._controller = _Controller(
            _Handler(self),
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self._authenticate,
            auth_required=True,
            **tls,
        )
        self._controller.start()

    def stop(self) -> None:
        if self.held is not None:
            self.held.release()
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def setup(self, labels: list[str], people: tuple[str, ...] = ()) -> ReceiverSetup:
        options = {
            "type": "email",
            "host": "127.0.0.1",
            "port": self.port,
            "security": "none" if self.tls is None else "tls" if self.implicit_tls else "starttls",
            "username": USER,
            "password_env": PASSWORD_ENV,
            "sender": SENDER,
        }
        return ReceiverSetup(options=options, env={PASSWORD_ENV: self.password})

    def hold(self, on_arrival: Callable[[], None] | None = None) -> Hold:
        """Hold every DATA command from now on (unanswered) until the `Hold` is released."""
        self.held = Hold(on_arrival)
        return self.held

    def refuse(self, address: str, code: int) -> None:
        self.refusals[address.lower()] = code

    def fail_data(self, code: int, times: int = 1) -> None:
        with self.lock:
            self.data_failures.extend([code] * times)

    def set_faults(self, plan: FaultPlan | None) -> None:
        """SMTP faults are set with `refuse`/`fail_data`; a plan's slow answers apply to DATA."""
        self.slow_seconds = plan.slow_seconds if plan and plan.rates.get("slow") else 0.0

    def keep(self, message: ReceivedMessage) -> None:
        with self.lock:
            self._messages.append(message)

    def received(self) -> list[ReceivedMessage]:
        with self.lock:
            return list(self._messages)

    def clear(self) -> None:
        with self.lock:
            self._messages.clear()

    def render_html(self) -> str:
        posts = []
        for message in self.received():
            parsed = email.message_from_string(str(message.payload), policy=default_policy)
            body = parsed.get_body(preferencelist=("html", "plain"))
            content = body.get_content() if body is not None else ""
            posts.append(email_html(message.to, str(parsed["Subject"]), content, message.error))
        return page("E-mails (okrsync sandbox)", posts)


def create_receiver(**kwargs: Any) -> SmtpReceiver:
    return SmtpReceiver(**kwargs)
