"""Each channel against its receiver: what is sent, and what every refusal or fault means."""

from __future__ import annotations

import email
import json
import ssl
import subprocess
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.policy import default as default_policy
from pathlib import Path

import pytest
from okrsync_email import EmailChannel
from okrsync_slack import SlackChannel
from okrsync_teams import TeamsChannel

from okrsync.errors import InterruptedRun
from okrsync.notify.channel import Channel, ChannelContext, Destination
from okrsync.notify.message import Item, Notice, Section
from okrsync.sandbox import FaultPlan
from okrsync.testing.clock import ManualClock
from okrsync_sandbox.channels.slack import SlackReceiver
from okrsync_sandbox.channels.smtp import SmtpReceiver
from okrsync_sandbox.channels.teams import TeamsReceiver

from .hostile import hostile_notice

NOTICE = Notice.build(
    "check_in_due",
    "2 key results wait for this week's values",
    sections=(
        Section(heading="Sales", items=(Item(text="Win 12 logos", url="https://x.example/kr"),)),
    ),
)


def _teams(
    receiver: TeamsReceiver,
    *,
    stop: threading.Event | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    **options: object,
) -> tuple[TeamsChannel, Destination]:
    setup = receiver.setup(["Sales"])
    context = ChannelContext(
        name="teams",
        options={**setup.options, **options},
        env=setup.env,
        stop=stop,
        monotonic=monotonic,
    )
    to = Destination(channel="teams", target=setup.targets["Sales"], label="Sales")
    return TeamsChannel(context), to


def test_teams_card_is_accepted_with_202_and_its_flow_run_succeeds(teams: TeamsReceiver) -> None:
    channel, to = _teams(teams)
    delivery = channel.send(channel.render(hostile_notice(), to))
    assert delivery.status == "sent"
    [got] = teams.received()
    assert (got.to, got.status, got.error) == ("Sales", 202, "")
    assert got.payload["attachments"][0]["content"]["version"] == "1.5"


def test_teams_receiver_fails_the_run_for_cards_teams_cannot_show(teams: TeamsReceiver) -> None:
    channel, to = _teams(teams)
    rendered = channel.render(NOTICE, to)
    card = rendered.payload["attachments"][0]["content"]
    bare = rendered.model_copy(update={"payload": card})
    newer = rendered.model_copy(
        update={
            "payload": {
                **rendered.payload,
                "attachments": [
                    {**rendered.payload["attachments"][0], "content": {**card, "version": "1.6"}}
                ],
            }
        }
    )
    huge = rendered.model_copy(update={"payload": {**rendered.payload, "pad": "x" * 30_000}})
    for message in (bare, newer, huge):
        assert channel.send(message).status == "sent"  # 202: Workflows accept, then the run fails
    errors = [m.error for m in teams.received()]
    assert errors[0].startswith("BadRequest: the body is not a message")
    assert errors[1].startswith("UnsupportedCardVersion")
    assert errors[2].startswith("RequestEntityTooLarge")


def test_teams_wrong_signature_is_permanent_and_the_url_never_shows(teams: TeamsReceiver) -> None:
    setup = teams.setup(["Sales"])
    url = setup.env[setup.targets["Sales"]]
    env = {"HOOK": url.replace("sig=", "sig=x")}
    channel = TeamsChannel(ChannelContext(name="teams", env=env))
    delivery = channel.send(
        channel.render(NOTICE, Destination(channel="teams", target="HOOK", label="Sales"))
    )
    assert (delivery.status, delivery.permanent) == ("failed", True)
    assert "401" in delivery.error and "sig" not in delivery.error
    assert teams.received() == []


@pytest.mark.parametrize(
    "url",
    [
        "https://contoso.webhook.office.com/webhookb2/abc@def/IncomingWebhook/x/y",
        "https://outlook.office.com/webhook/abc",
        "http://prod-01.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=s3cr3t",
        "https://example.com/workflows/abc?sig=s3cr3t",
        # urllib.parse and httpx read host 127.0.0.1, urllib3 reads ...logic.azure.com
        "http://prod-01.westus.logic.azure.com\\@127.0.0.1/workflows/abc?sig=s3cr3t",
    ],
)
def test_teams_accepts_only_workflows_urls(url: str) -> None:
    channel = TeamsChannel(ChannelContext(name="teams", env={"HOOK": url}))
    delivery = channel.send(
        channel.render(NOTICE, Destination(channel="teams", target="HOOK", label="Sales"))
    )
    assert (delivery.status, delivery.permanent) == ("failed", True)
    assert url not in delivery.error and "s3cr3t" not in delivery.error


@pytest.mark.parametrize("fault", ["503", "500"])
def test_teams_5xx_fails_once_and_is_left_to_the_next_run(teams: TeamsReceiver, fault: str) -> None:
    channel, to = _teams(teams)
    teams.set_faults(FaultPlan(rates={fault: 1.0}))  # type: ignore[dict-item]
    delivery = channel.send(channel.render(NOTICE, to))
    assert (delivery.status, delivery.permanent) == ("failed", False)
    assert f"HTTP {fault}" in delivery.error
    assert teams.requests == 1  # a post that may have landed is not repeated in the run


def test_teams_429_is_retried_after_its_retry_after_and_bounded(teams: TeamsReceiver) -> None:
    channel, to = _teams(teams, max_retries=2)
    teams.set_faults(FaultPlan(rates={"429": 1.0}, retry_after=0.2))
    delivery = channel.send(channel.render(NOTICE, to))
    assert (delivery.status, delivery.permanent, delivery.retry_after) == ("failed", False, 0.2)
    assert teams.requests == 3 and teams.retry_watch.early_retries == 0


def test_teams_429_with_a_long_retry_after_is_left_to_a_later_run(teams: TeamsReceiver) -> None:
    channel, to = _teams(teams)
    teams.set_faults(FaultPlan(rates={"429": 1.0}, retry_after=600))
    delivery = channel.send(channel.render(NOTICE, to))
    assert (delivery.status, delivery.retry_after) == ("failed", 600)
    assert teams.requests == 1


def test_teams_timeout_is_temporary(teams: TeamsReceiver) -> None:
    # The request's deadline is read on an injected clock: the receiver holds the post and,
    # once it is in, moves that clock past the deadline. Nothing races wall time (the HTTP
    # library's own timer is a backstop 5 s past the deadline, never reached here).
    clock = ManualClock(datetime(2026, 2, 16, 10, 0, tzinfo=UTC))
    channel, to = _teams(teams, monotonic=clock.monotonic, timeout_s=0.3)
    held = teams.hold(on_arrival=lambda: clock.advance(1.0))
    try:
        delivery = channel.send(channel.render(NOTICE, to))
    finally:
        held.release()
    assert (delivery.status, delivery.permanent) == ("failed", False)
    assert "no complete answer within 0.3 s" in delivery.error
    assert teams.requests == 1  # a post that may have landed is not repeated in the run


def _stopped_mid_send(channel: Channel, to: Destination, stop: threading.Event) -> None:
    """The receiver holds the message and sets the run's stop event once it is in: the send
    must give up by itself (the deadline is on a clock that never moves)."""
    assert not stop.is_set()
    with pytest.raises(InterruptedRun, match="stopped by a signal"):
        channel.send(channel.render(NOTICE, to))


def test_a_stop_ends_a_teams_post_in_flight(teams: TeamsReceiver) -> None:
    stop = threading.Event()
    channel, to = _teams(teams, stop=stop, monotonic=lambda: 0.0)
    held = teams.hold(on_arrival=stop.set)
    try:
        _stopped_mid_send(channel, to, stop)
    finally:
        held.release()
    assert teams.requests == 1


def test_a_stop_ends_a_slack_post_in_flight(slack: SlackReceiver) -> None:
    stop = threading.Event()
    channel, to = _slack(slack, stop=stop, monotonic=lambda: 0.0)
    held = slack.hold(on_arrival=stop.set)
    try:
        _stopped_mid_send(channel, to, stop)
    finally:
        held.release()
    assert slack.requests == 1


def test_a_stop_ends_an_smtp_exchange_in_flight(smtp: SmtpReceiver) -> None:
    stop = threading.Event()
    channel = _email(smtp, stop=stop, monotonic=lambda: 0.0)
    held = smtp.hold(on_arrival=stop.set)
    try:
        _stopped_mid_send(channel, _to("ana@northwind.example"), stop)
    finally:
        held.release()
    # The connection was cut: the next send (after the stop is lifted) connects afresh.
    stop.clear()
    assert channel.send(channel.render(NOTICE, _to("ben@northwind.example"))).status == "sent"
    channel.close()


def _slack(
    receiver: SlackReceiver,
    *,
    stop: threading.Event | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> tuple[SlackChannel, Destination]:
    setup = receiver.setup(["Sales"])
    context = ChannelContext(
        name="slack", options=setup.options, env=setup.env, stop=stop, monotonic=monotonic
    )
    return SlackChannel(context), Destination(
        channel="slack", target=setup.targets["Sales"], label="Sales"
    )


def test_slack_webhook_gets_plain_text_blocks(slack: SlackReceiver) -> None:
    channel, to = _slack(slack)
    assert channel.send(channel.render(hostile_notice(), to)).status == "sent"
    [got] = slack.received()
    assert got.status == 200 and got.payload["mrkdwn"] is False


@pytest.mark.parametrize(
    ("state", "status", "error"),
    [
        ("archived", 410, "channel_is_archived"),
        ("deleted", 404, "channel_not_found"),
        ("revoked", 404, "no_service"),
    ],
)
def test_slack_refusals_are_permanent_with_slacks_text(
    slack: SlackReceiver, state: str, status: int, error: str
) -> None:
    channel, to = _slack(slack)
    slack.set_state("Sales", state)
    delivery = channel.send(channel.render(NOTICE, to))
    assert (delivery.status, delivery.permanent) == ("failed", True)
    assert delivery.error == f"Slack Sales: HTTP {status} {error}"


def test_slack_refuses_invalid_blocks_and_payloads(slack: SlackReceiver) -> None:
    channel, to = _slack(slack)
    rendered = channel.render(NOTICE, to)
    too_many = rendered.model_copy(update={"payload": {"blocks": [{"type": "divider"}] * 51}})
    mrkdwn_header = rendered.model_copy(
        update={
            "payload": {"blocks": [{"type": "header", "text": {"type": "mrkdwn", "text": "*x*"}}]}
        }
    )
    empty = rendered.model_copy(update={"payload": {"unfurl_links": False}})
    answers = [channel.send(m).error for m in (too_many, mrkdwn_header, empty)]
    assert answers == [
        "Slack Sales: HTTP 400 invalid_blocks",
        "Slack Sales: HTTP 400 invalid_blocks",
        "Slack Sales: HTTP 400 no_text",
    ]


def test_slack_keeps_to_one_message_per_second_per_webhook() -> None:
    receiver = SlackReceiver(burst=1)  # answers 429 to a second message within a second
    receiver.start()
    try:
        channel, to = _slack(receiver)
        sent = [channel.send(channel.render(NOTICE, to)).status for _ in range(3)]
    finally:
        receiver.stop()
    assert sent == ["sent", "sent", "sent"]
    # Paced at the same rate as the service's bucket: at most one 429 from clock jitter, and
    # that one repeated only after its Retry-After.
    assert receiver.requests in (3, 4) and receiver.retry_watch.early_retries == 0


def test_slack_direct_message_by_email_lookup(slack: SlackReceiver) -> None:
    channel, _ = _slack(slack)
    slack.add_user("ana@northwind.example")
    person = Destination(channel="slack", target="ana@northwind.example", label="Ana", person=True)
    assert channel.send(channel.render(NOTICE, person)).status == "sent"
    [got] = slack.received()
    assert got.to == "ana@northwind.example" and got.payload["blocks"][0]["type"] == "header"
    unknown = Destination(channel="slack", target="who@northwind.example", label="Who", person=True)
    delivery = channel.send(channel.render(NOTICE, unknown))
    assert (delivery.status, delivery.permanent) == ("failed", True)
    assert "users_not_found" in delivery.error
    assert slack.bot_token not in delivery.error


def _email(
    receiver: SmtpReceiver,
    *,
    stop: threading.Event | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    **options: object,
) -> EmailChannel:
    setup = receiver.setup([])
    context = ChannelContext(
        name="email",
        options={**setup.options, **options},
        env=setup.env,
        stop=stop,
        monotonic=monotonic,
    )
    return EmailChannel(context)


def _to(address: str) -> Destination:
    return Destination(channel="email", target=address, label="Ana", person=True)


def test_email_is_a_multipart_message_over_smtp_with_auth(smtp: SmtpReceiver) -> None:
    channel = _email(smtp)
    assert (
        channel.send(channel.render(hostile_notice(), _to("ana@northwind.example"))).status
        == "sent"
    )
    channel.close()
    [got] = smtp.received()
    parsed = email.message_from_string(got.payload, policy=default_policy)
    assert parsed["To"] == "ana@northwind.example" and parsed.get_all("Bcc") is None
    assert parsed.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert smtp.logins == 1


@pytest.mark.parametrize(("code", "permanent"), [(451, False), (550, True)])
def test_email_refused_recipient_by_its_code(
    smtp: SmtpReceiver, code: int, permanent: bool
) -> None:
    smtp.refuse("ana@northwind.example", code)
    channel = _email(smtp)
    delivery = channel.send(channel.render(NOTICE, _to("ana@northwind.example")))
    assert (delivery.status, delivery.permanent) == ("failed", permanent)
    assert f"SMTP {code}" in delivery.error
    # The connection stays usable for the next recipient.
    assert channel.send(channel.render(NOTICE, _to("ben@northwind.example"))).status == "sent"
    channel.close()


def test_email_421_drops_the_connection_and_the_next_message_reconnects(smtp: SmtpReceiver) -> None:
    smtp.fail_data(421)
    channel = _email(smtp)
    first = channel.send(channel.render(NOTICE, _to("ana@northwind.example")))
    second = channel.send(channel.render(NOTICE, _to("ana@northwind.example")))
    channel.close()
    assert (first.status, first.permanent) == ("failed", False)
    assert second.status == "sent" and len(smtp.received()) == 1


def test_email_wrong_password_is_reported_without_the_password(smtp: SmtpReceiver) -> None:
    channel = EmailChannel(
        ChannelContext(
            name="email",
            options=smtp.setup([]).options,
            env={"OKRSYNC_SANDBOX_SMTP_PASSWORD": "wrong-password-123"},
        )
    )
    delivery = channel.send(channel.render(NOTICE, _to("ana@northwind.example")))
    assert delivery.status == "failed" and "login refused" in delivery.error
    assert "wrong-password-123" not in delivery.error
    assert smtp.received() == []


def test_email_insecure_server_is_refused_unless_loopback() -> None:
    from okrsync.errors import ConfigError

    with pytest.raises(ConfigError, match="loopback"):
        EmailChannel(
            ChannelContext(
                name="email",
                options={"host": "smtp.example.com", "security": "none", "sender": "a@b.example"},
            )
        )
    assert json.dumps(NOTICE.model_dump())  # the notice itself is plain data


def _certificate(folder: Path) -> tuple[Path, ssl.SSLContext]:
    """A self-signed certificate for 127.0.0.1 and the server context holding it."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    return cert, server


@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "implicit-tls"])
def test_email_over_tls_checks_the_servers_certificate(tmp_path: Path, implicit: bool) -> None:
    cert, server = _certificate(tmp_path)
    receiver = SmtpReceiver(tls=server, implicit_tls=implicit)
    receiver.start()
    try:
        trusting = _email(receiver, ca_file=str(cert))
        sent = trusting.send(trusting.render(NOTICE, _to("ana@northwind.example")))
        trusting.close()
        # Without the CA the default context refuses the self-signed certificate: no mail,
        # no password sent, a temporary failure (fixed by configuring ca_file).
        strict = _email(receiver)
        refused = strict.send(strict.render(NOTICE, _to("ben@northwind.example")))
        strict.close()
    finally:
        receiver.stop()
    assert sent.status == "sent" and receiver.logins == 1
    assert [m.to for m in receiver.received()] == ["ana@northwind.example"]
    assert (refused.status, refused.permanent) == ("failed", False)
    assert "SSLCertVerificationError" in refused.error
