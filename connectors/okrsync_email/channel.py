"""The e-mail channel: SMTP with STARTTLS or implicit TLS (certificate and host name checked).

Options (okrsync.toml `[notify.channels.NAME]`): `host`, `port`, `security` = "starttls"
(default, port 587), "tls" (port 465) or "none" (loopback only: the sandbox), `username`,
`password_env` (the variable holding the password), `sender`, `ca_file` (an extra CA bundle).
SMTP has no error classes of its own: a 4xx answer is temporary (retried on the next run), a
5xx is permanent (reported); a recipient refused alone is judged by its own code.

smtplib blocks in socket reads that neither a total deadline nor a SIGTERM interrupt, so each
send runs under the HTTP policy's guard (`okrsync.http.guard.run_guarded`, the one mechanism
for both): it gives up at `timeout_seconds` for the whole exchange or as soon as the run's stop
event is set (then the socket is shut down and `InterruptedRun` goes up to the notifier).
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from typing import ClassVar, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from okrsync.config import is_loopback
from okrsync.errors import ConfigError, InterruptedRun, OkrsyncError
from okrsync.http.guard import Attempt, run_guarded
from okrsync.http.urls import Origin
from okrsync.notify.channel import ChannelContext, Delivery, Destination, LimitError, Rendered
from okrsync.notify.message import Notice

from .message import build_email, checked_address

TIMEOUT_SECONDS: Final = 20.0


class EmailOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str = "email"
    host: str
    port: int | None = None
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password_env: str | None = None
    sender: str
    sender_name: str = "okrsync"
    ca_file: str | None = Field(default=None, description="Extra CA bundle (self-signed relay).")
    timeout_seconds: float = TIMEOUT_SECONDS

    @property
    def default_port(self) -> int:
        return {"starttls": 587, "tls": 465, "none": 25}[self.security]


def _coded(code: int, reason: bytes | str, where: str) -> Delivery:
    text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else reason
    return Delivery(
        status="failed",
        permanent=code // 100 == 5,
        error=f"{where}: SMTP {code} {' '.join(text.split())[:80]}",
    )


class EmailChannel:
    name: ClassVar[str] = "email"

    def __init__(self, context: ChannelContext) -> None:
        self.context = context
        self.options = EmailOptions.model_validate(context.options)
        if self.options.security == "none" and not is_loopback(self.options.host):
            raise ConfigError(
                f"channel {context.name!r}: security = 'none' is allowed only for a loopback "
                "SMTP server",
                hint="use security = 'starttls' (port 587) or 'tls' (port 465)",
            )
        try:
            self.sender = checked_address(self.options.sender, f"channel {context.name!r} sender")
        except LimitError as exc:
            raise ConfigError(str(exc), hint="write sender as name@example.com") from None
        self._password: str | None = None
        self._smtp: smtplib.SMTP | None = None

    def render(self, notice: Notice, to: Destination) -> Rendered:
        address = checked_address(to.target, f"the address of {to.label}")
        message, html = build_email(
            notice, sender=self.sender, to=address, at=self.context.clock(), language=to.language
        )
        return Rendered(
            channel=to.channel,
            kind=notice.kind,
            to=str(address),
            destination=to,
            payload=message.as_string(),
            text=notice.plain_text(),
            html=html,
        )

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.options.ca_file)

    def _connect(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        opts = self.options
        port = opts.port or opts.default_port
        smtp: smtplib.SMTP
        if opts.security == "tls":
            smtp = smtplib.SMTP_SSL(
                opts.host, port, timeout=opts.timeout_seconds, context=self._tls()
            )
        else:
            smtp = smtplib.SMTP(opts.host, port, timeout=opts.timeout_seconds)
            if opts.security == "starttls":
                smtp.starttls(context=self._tls())
        if opts.username:
            if self._password is None:
                secret = self.context.secret(opts.password_env, what="SMTP password")
                self._password = secret.get_secret_value()
            smtp.login(opts.username, self._password)
        self._smtp = smtp
        return smtp

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def _attempt(self, where: str) -> Attempt:
        """The bounds of one send: the whole exchange within `timeout_seconds`, the stop event."""
        opts = self.options
        attempt = Attempt(
            where,
            origin=Origin("smtp", opts.host, opts.port or opts.default_port),
            deadline_s=opts.timeout_seconds,
            max_bytes=0,
            stop=self.context.stop,
            monotonic=self.context.monotonic,
        )
        attempt.on_abandon(self._abandon)
        return attempt

    def _abandon(self) -> None:
        """The caller gave up on a send: cut the connection so the worker's read ends."""
        smtp, self._smtp = self._smtp, None
        sock = getattr(smtp, "sock", None)
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)

    def send(self, message: Rendered) -> Delivery:
        where = f"e-mail to {message.to}"

        def exchange() -> dict[str, tuple[int, bytes]]:
            return self._connect().sendmail(
                str(self.sender.addr_spec),
                [message.destination.target],
                message.payload.encode("utf-8"),
            )

        try:
            refused = run_guarded(exchange, self._attempt(where))
        except InterruptedRun:
            raise
        except smtplib.SMTPRecipientsRefused as exc:
            code, reason = next(iter(exc.recipients.values()))
            return _coded(code, reason, where)
        except smtplib.SMTPAuthenticationError as exc:
            self._drop()
            return Delivery(status="failed", error=f"{where}: SMTP {exc.smtp_code} login refused")
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:
                self._smtp = None
            return _coded(exc.smtp_code, exc.smtp_error, where)
        except (smtplib.SMTPException, OSError) as exc:
            self._smtp = None
            return Delivery(status="failed", error=f"{where}: {type(exc).__name__}")
        except OkrsyncError as exc:  # a timeout, or the password variable not set: next run
            return Delivery(status="failed", error=f"{where}: {exc}")
        if refused:
            code, reason = next(iter(refused.values()))
            return _coded(code, reason, where)
        return Delivery(status="sent")

    def secrets(self) -> list[str]:
        return [self._password] if self._password else []

    def close(self) -> None:
        self._drop()
