"""The notifier over real HTTP and SMTP: every event, routing, quiet hours, exactly once, faults."""

from __future__ import annotations

import email
import json
import sqlite3
from datetime import UTC, date, datetime, timedelta
from email.policy import default as default_policy
from pathlib import Path

import pytest

from okrsync.model import CheckIn, Cycle, Workspace
from okrsync.sandbox import FaultPlan
from okrsync_sandbox.channels.slack import SlackReceiver
from okrsync_sandbox.channels.smtp import SmtpReceiver
from okrsync_sandbox.channels.teams import TeamsReceiver

from .hostile import CRLF_TITLE, MARKUP
from .world import CYCLE, MONDAY, World, make_world, workspace


@pytest.fixture
def world(tmp_path: Path, teams: TeamsReceiver, slack: SlackReceiver, smtp: SmtpReceiver) -> World:
    return make_world(tmp_path, teams, slack, smtp)


def _mails(world: World) -> list[email.message.EmailMessage]:
    return [
        email.message_from_string(m.payload, policy=default_policy)  # type: ignore[misc]
        for m in world.smtp.received()
    ]


def _subjects(world: World) -> list[tuple[str, str]]:
    return sorted((str(m["To"]), str(m["Subject"])) for m in _mails(world))


TUESDAY = MONDAY + timedelta(days=1)


def test_check_in_due_reaches_the_owner_once_per_period(world: World) -> None:
    summary = world.run(workspace(), TUESDAY)
    assert _subjects(world) == [
        ("ana@northwind.example", "Check-in due: 1 key result without a new value")
    ]
    [mail] = _mails(world)
    text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Win 12 new logos" in text and "https://notion.example/kr-logos" in text
    assert "kr-logos" not in text.replace("https://notion.example/kr-logos", "")  # no raw id
    # Ben has no address: skipped, never guessed. Ana also gets a Slack DM.
    assert [m.to for m in world.slack.received()] == ["ana@northwind.example"]
    assert summary.channels["email"].sent == 1 and summary.channels["slack"].sent == 1
    # A re-run in the same period sends nothing and says so.
    again = world.run(workspace(), TUESDAY + timedelta(hours=3))
    assert again.channels["email"].already_sent == 1 and again.channels["email"].sent == 0
    assert len(world.smtp.received()) == 1 and len(world.slack.received()) == 1


def test_next_period_reminds_again(world: World) -> None:
    settings = world.settings(events={"health_changed": False})  # 40% of the way slips to off track
    world.run(workspace(), TUESDAY, settings=settings)
    world.run(workspace(), TUESDAY + timedelta(days=7), settings=settings)
    to_ana = [s for s in _subjects(world) if s[0] == "ana@northwind.example"]
    assert (
        to_ana == [("ana@northwind.example", "Check-in due: 1 key result without a new value")] * 2
    )


def test_a_recent_value_means_no_reminder(world: World) -> None:
    world.run(workspace(checked=TUESDAY - timedelta(days=2)), TUESDAY)
    assert world.smtp.received() == []


def test_health_change_goes_to_owner_and_team_channels_with_a_mention(world: World) -> None:
    settings = world.settings(events={"check_in_due": False})
    world.run(workspace(current=13.0), TUESDAY, settings=settings)  # baseline: nothing changed yet
    assert world.teams.received() == [] and world.smtp.received() == []
    world.run(workspace(current=80.0), TUESDAY + timedelta(hours=1), settings=settings)
    # 13 -> 80 at ~52% of the cycle: from off track to on track.
    [card] = world.teams.received()
    assert card.to == "Sales" and card.error == ""
    content = card.payload["attachments"][0]["content"]
    assert content["msteams"]["entities"][0]["mentioned"]["id"] == "ana@northwind.example"
    texts = json.dumps(content)
    assert "Back on track: Win 12 new logos" in texts
    assert sorted(m.to for m in world.slack.received()) == ["Sales", "ana@northwind.example"]
    assert _subjects(world) == [("ana@northwind.example", "Back on track: Win 12 new logos")]
    world.run(workspace(current=80.0), TUESDAY + timedelta(hours=2), settings=settings)
    assert len(world.teams.received()) == 1


def test_win_once_per_cycle(world: World) -> None:
    settings = world.settings(events={"check_in_due": False, "health_changed": False})
    world.run(workspace(current=50.0), TUESDAY, settings=settings)
    world.run(workspace(current=100.0), TUESDAY + timedelta(hours=1), settings=settings)
    world.run(workspace(current=100.0), TUESDAY + timedelta(days=8), settings=settings)
    assert _subjects(world) == [("ana@northwind.example", "Target reached: Win 12 new logos")]
    assert [m.to for m in world.teams.received()] == ["Sales"]


def test_digests_on_the_digest_day_and_hour_only(world: World) -> None:
    settings = world.settings(events={"check_in_due": False})
    world.run(workspace(), MONDAY - timedelta(hours=3), settings=settings)  # 08:00 Berlin: early
    assert world.teams.received() == []
    world.run(workspace(), MONDAY, settings=settings)  # 11:00 Berlin, Monday
    assert sorted(m.to for m in world.teams.received()) == ["Ops", "Sales"]
    sales = next(m for m in world.teams.received() if m.to == "Sales")
    body = json.dumps(sales.payload)
    assert "Weekly OKR digest: Sales" in body and "Missing check-ins" in body
    assert _subjects(world) == [
        ("ana@northwind.example", "Your weekly OKR digest, Ana Silva"),
        ("cem@northwind.example", "Your weekly OKR digest, Cem Aydin"),
        ("ceo@northwind.example", "OKR leadership digest"),
    ]
    leadership = next(m for m in _mails(world) if m["To"] == "ceo@northwind.example")
    text = leadership.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Top risks" in text and "Alignment gaps" in text
    assert "https://notion.example/review-q1" in text
    world.run(workspace(), MONDAY + timedelta(hours=5), settings=settings)
    assert len(world.teams.received()) == 2 and len(world.smtp.received()) == 3


def test_grading_reminder_near_the_end_of_the_cycle(world: World) -> None:
    settings = world.settings(events={"check_in_due": False})
    end = datetime(2026, 3, 27, 10, 0, tzinfo=UTC)  # a Friday, 4 days before the end
    world.run(workspace(), end, settings=settings)
    grading = [s for s in _subjects(world) if "time to grade" in s[1]]
    assert grading == [
        ("ana@northwind.example", "Q1 2026 ends on March 31, 2026: time to grade"),
        ("cem@northwind.example", "Q1 2026 ends on March 31, 2026: time to grade"),
    ]
    mail = next(m for m in _mails(world) if "time to grade" in str(m["Subject"]))
    text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "What worked" in text and "draft next cycle" in text


def test_event_switches_turn_events_off(world: World) -> None:
    world.run(workspace(), TUESDAY, settings=world.settings(events={"check_in_due": False}))
    assert world.smtp.received() == []


def test_quiet_hours_hold_messages_until_morning(world: World) -> None:
    night = datetime(2026, 2, 17, 22, 30, tzinfo=UTC)  # 23:30 in Berlin
    summary = world.run(workspace(), night)
    assert summary.channels["email"].quiet == 1 and world.smtp.received() == []
    morning = world.run(workspace(), night + timedelta(hours=9))  # 08:30 in Berlin
    assert morning.channels["email"].sent == 1 and len(world.smtp.received()) == 1


def test_team_time_zone_decides_quiet_hours(world: World) -> None:
    settings = world.settings(
        teams={
            "Ops": {"timezone": "America/New_York", "quiet_hours": "20:00-08:00", "digest_hour": 5}
        },
        events={"check_in_due": False},
    )
    at = datetime(2026, 2, 16, 11, 0, tzinfo=UTC)  # Berlin 12:00, New York 06:00: Ops is quiet
    world.run(workspace(), at, settings=settings)
    assert [m.to for m in world.teams.received()] == ["Sales"]


def test_people_overrides_address_channels_language_and_mute(world: World) -> None:
    settings = world.settings(
        people={
            "Ana Silva": {
                "email": "ana.silva@northwind.example",
                "channels": ["email"],
                "language": "de",
            },
            "cem@northwind.example": {"mute": True},
        }
    )
    world.run(workspace(), TUESDAY, settings=settings)
    assert [m.to for m in world.smtp.received()] == ["ana.silva@northwind.example"]
    assert world.slack.received() == []
    [mail] = _mails(world)
    html = mail.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert '<html lang="de">' in html
    assert mail["Subject"] == "Check-in fällig: 1 Schlüsselergebnis ohne neuen Wert"


def _plain(mail: email.message.EmailMessage) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[no-any-return,union-attr]


def test_each_reader_gets_their_language_person_then_team_then_global(world: World) -> None:
    # Sales speaks German (its channel and its people by default), Ops English; Cem (Ops)
    # is English by his team, the leadership address German by its own override.
    settings = world.settings(
        events={"check_in_due": False},
        teams={"Sales": {"language": "de"}},
        people={"ceo@northwind.example": {"language": "de"}},
    )
    world.run(workspace(), MONDAY, settings=settings)  # the digest hour
    mails = {str(m["To"]): m for m in _mails(world)}
    ana, cem, ceo = (mails[f"{n}@northwind.example"] for n in ("ana", "cem", "ceo"))
    assert ana["Subject"] == "Dein wöchentlicher OKR-Überblick, Ana Silva"
    assert "Fehlende Check-ins" in _plain(ana) and "letzter Wert vor 27 Tagen" in _plain(ana)
    assert "Gesendet von okrsync" in _plain(ana) and "Missing" not in _plain(ana)
    html = ana.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert '<html lang="de">' in html and "Dein Wochenüberblick" in html
    assert cem["Subject"] == "Your weekly OKR digest, Cem Aydin"
    assert "Missing check-ins" in _plain(cem) and "Sent by okrsync" in _plain(cem)
    assert ceo["Subject"] == "OKR-Überblick für die Führung"
    assert "Größte Risiken" in _plain(ceo) and "(2 im Plan)" in _plain(ceo)
    assert "durchschnittliche Bewertung 48\u00a0%" in _plain(ceo)
    cards = {m.to: json.dumps(m.payload, ensure_ascii=False) for m in world.teams.received()}
    assert "Wöchentlicher OKR-Überblick: Sales" in cards["Sales"]
    assert "Was sich bewegt hat" in cards["Sales"] and "What moved" not in cards["Sales"]
    assert "Weekly OKR digest: Ops" in cards["Ops"] and "Was sich" not in cards["Ops"]
    [slack] = [m for m in world.slack.received() if m.to == "Sales"]
    assert "Braucht Aufmerksamkeit" in json.dumps(slack.payload, ensure_ascii=False)


def test_the_global_language_is_the_fallback(world: World) -> None:
    settings = world.settings(events={"check_in_due": False})
    world.run(workspace(), MONDAY, settings=settings, language="de")
    assert _subjects(world) == [
        ("ana@northwind.example", "Dein wöchentlicher OKR-Überblick, Ana Silva"),
        ("cem@northwind.example", "Dein wöchentlicher OKR-Überblick, Cem Aydin"),
        ("ceo@northwind.example", "OKR-Überblick für die Führung"),
    ]


def test_an_unknown_language_is_a_clear_settings_error(world: World) -> None:
    with pytest.raises(ValueError, match="unknown language 'xx'") as raised:
        world.settings(people={"Ana Silva": {"language": "xx"}})
    assert "people.Ana Silva.language" in str(raised.value)
    with pytest.raises(ValueError, match="okrsync speaks en, de"):
        world.settings(teams={"Sales": {"language": "klingon"}})


def test_dry_run_plans_without_sending_or_recording(world: World) -> None:
    planned = world.run(workspace(), TUESDAY, dry_run=True)
    assert [(p.channel, p.to, p.kind) for p in planned.planned] == [
        ("email", "ana@northwind.example", "check_in_due"),
        ("slack", "Ana Silva", "check_in_due"),
    ]
    assert world.smtp.received() == [] and world.slack.received() == []
    world.run(workspace(), TUESDAY)
    assert len(world.smtp.received()) == 1


def test_daemon_restart_and_reopened_state_never_resend(world: World) -> None:
    world.run(workspace(), TUESDAY)
    with sqlite3.connect(world.state) as conn:
        statuses = sorted(r[0] for r in conn.execute("SELECT status FROM notifications"))
    assert statuses == ["sent", "sent"]
    for hours in (1, 2, 3):
        world.run(workspace(), TUESDAY + timedelta(hours=hours))
    assert len(world.smtp.received()) == 1 and len(world.slack.received()) == 1


def _with_history(ws: Workspace, *values: tuple[str, datetime, float]) -> Workspace:
    """`ws` with these (key result, time, value) check-ins as its history in the workspace."""
    check_ins = tuple(CheckIn(key_result=k, at=at, value=v) for k, at, v in values)
    currents = {k: v for k, _, v in sorted(values, key=lambda row: row[1])}
    key_results = tuple(
        kr.model_copy(update={"current": currents.get(kr.id, kr.current)}) for kr in ws.key_results
    )
    return ws.model_copy(update={"check_ins": check_ins, "key_results": key_results})


def test_a_lost_state_store_resends_nothing_the_workspace_proves_was_earlier(
    world: World,
) -> None:
    settings = world.settings(events={"check_in_due": False})
    january = datetime(2026, 1, 20, tzinfo=UTC)
    behind = ("kr-logos", january, 13.0), ("kr-tickets", january, 55.0)
    world.run(_with_history(workspace(), *behind), TUESDAY, settings=settings)
    # Wednesday: the key result reaches its target (back on track, a win); both are sent.
    wednesday = TUESDAY + timedelta(days=1)
    reached = (*behind, ("kr-logos", wednesday - timedelta(hours=1), 100.0))
    world.run(_with_history(workspace(), *reached), wednesday, settings=settings)
    sent_in_week_one = _subjects(world)
    assert sent_in_week_one == [
        ("ana@northwind.example", "Back on track: Win 12 new logos"),
        ("ana@northwind.example", "Target reached: Win 12 new logos"),
    ]
    # The state store is lost. Next Tuesday the workspace's history still shows that both
    # happened last week: not news. The support desk slipping this week is news.
    world.state.unlink()
    next_tuesday = TUESDAY + timedelta(days=7)
    slipped = (*reached, ("kr-tickets", next_tuesday - timedelta(hours=2), 5.0))
    summary = world.run(_with_history(workspace(), *slipped), next_tuesday, settings=settings)
    assert summary.findings == [] and summary.errors == []
    assert _subjects(world) == sorted(
        [*sent_in_week_one, ("cem@northwind.example", "Off track: Answer tickets within a day")]
    )
    assert [m.to for m in world.teams.received()].count("Sales") == 2  # only last week's two
    # Without the history in the workspace nothing is provable: no alert at all, not a resend.
    world.state.unlink()
    world.smtp.clear()
    world.run(workspace(current=100.0, checked=next_tuesday), next_tuesday, settings=settings)
    assert world.smtp.received() == []


def test_retry_after_is_kept_across_runs_then_sent(
    tmp_path: Path, teams: TeamsReceiver, smtp: SmtpReceiver
) -> None:
    clock = [0.0]  # the receiver's monotonic clock follows the runs' clock
    slack = SlackReceiver(monotonic=lambda: clock[0], burst=50)
    slack.start()
    try:
        world = make_world(tmp_path, teams, slack, smtp)
        slack.set_faults(FaultPlan(rates={"429": 1.0}, retry_after=60))
        first = world.run(workspace(), TUESDAY)
        assert first.channels["slack"].failed == 1 and first.channels["email"].sent == 1
        assert slack.requests == 1
        slack.set_faults(None)
        clock[0] = 30.0
        early = world.run(workspace(), TUESDAY + timedelta(seconds=30))
        assert early.channels["slack"].waiting == 1 and slack.requests == 1
        clock[0] = 61.0
        late = world.run(workspace(), TUESDAY + timedelta(seconds=61))
    finally:
        slack.stop()
    # users.lookupByEmail and chat.postMessage, after the Retry-After ran out
    assert late.channels["slack"].sent == 1 and slack.requests == 3
    assert slack.retry_watch.early_retries == 0
    assert len(world.smtp.received()) == 1


def test_temporary_failures_are_bounded_then_given_up_with_a_finding(world: World) -> None:
    world.smtp.fail_data(451, times=10)
    settings = world.settings(max_attempts=3)
    outcomes = [
        world.run(workspace(), TUESDAY + timedelta(minutes=m), settings=settings) for m in range(5)
    ]
    assert [o.channels["email"].failed for o in outcomes] == [1, 1, 0, 0, 0]
    assert [o.channels["email"].given_up for o in outcomes] == [0, 0, 1, 0, 0]
    [finding] = outcomes[2].findings
    assert finding.code == "NTF001" and "SMTP 451" in finding.message
    assert outcomes[4].channels["email"].already_sent == 1
    assert world.smtp.received() == []


def test_a_failure_that_outlives_its_period_is_given_up(world: World) -> None:
    world.smtp.fail_data(451, times=1)
    settings = world.settings(events={"health_changed": False})
    world.run(workspace(), TUESDAY, settings=settings)
    later_day = TUESDAY + timedelta(days=8)
    later = world.run(workspace(checked=later_day), later_day, settings=settings)
    assert later.channels["email"].given_up == 1
    assert "period ended" in later.findings[0].message
    assert [m.to for m in world.smtp.received()] == ["cem@northwind.example"]  # his own, on time


def test_a_permanent_refusal_is_reported_and_not_retried(world: World) -> None:
    world.slack.set_state("Sales", "archived")
    settings = world.settings(events={"check_in_due": False})
    world.run(workspace(current=13.0), TUESDAY, settings=settings)
    result = world.run(workspace(current=80.0), TUESDAY + timedelta(hours=1), settings=settings)
    assert result.channels["slack"].given_up == 1
    assert any("channel_is_archived" in f.message for f in result.findings)
    assert len(world.teams.received()) == 1  # the other channels are not held up
    world.run(workspace(current=80.0), TUESDAY + timedelta(hours=2), settings=settings)
    assert len([m for m in world.slack.received() if m.to == "Sales"]) == 1


def test_hostile_titles_inject_nothing_anywhere(world: World) -> None:
    title = f"{CRLF_TITLE} {MARKUP} \ud800 " + "x" * 10_000
    settings = world.settings(events={"check_in_due": False})
    world.run(workspace(current=13.0, title=title), TUESDAY, settings=settings)
    world.run(workspace(current=80.0, title=title), TUESDAY + timedelta(hours=1), settings=settings)
    [mail] = _mails(world)
    assert mail.get_all("Bcc") is None and len(str(mail["Subject"])) <= 150
    html = mail.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "<script>" not in html
    [card] = world.teams.received()
    entities = card.payload["attachments"][0]["content"]["msteams"]["entities"]
    assert [e["mentioned"]["id"] for e in entities] == ["ana@northwind.example"]
    runs = json.dumps(card.payload["attachments"][0]["content"]["body"][:-1])
    assert "<at>" not in runs
    for message in world.slack.received():
        for block in message.payload["blocks"]:
            text = json.dumps(block.get("text", {}))
            assert "<!channel>" not in text and "<@U0EVIL>" not in text


def test_no_secret_reaches_the_ledger_or_the_summary(world: World) -> None:
    world.slack.set_faults(FaultPlan(rates={"503": 1.0}))
    world.teams.set_faults(FaultPlan(rates={"500": 1.0}))
    settings = world.settings(events={"check_in_due": False})
    world.run(workspace(current=13.0), TUESDAY, settings=settings)
    summary = world.run(workspace(current=80.0), TUESDAY + timedelta(hours=1), settings=settings)
    assert summary.errors
    stored = [world.state, Path(f"{world.state}-wal")]
    dumped = summary.model_dump_json() + "".join(
        p.read_bytes().decode("latin-1") for p in stored if p.exists()
    )
    for secret in world.env.values():
        assert secret not in dumped
        assert secret.split("sig=")[-1] not in dumped


def test_cycle_outside_the_window_sends_no_grading_reminder(world: World) -> None:
    settings = world.settings(events={"check_in_due": False})
    world.run(workspace(), datetime(2026, 3, 10, 10, tzinfo=UTC), settings=settings)
    assert not any("grade" in s for _, s in _subjects(world))
    assert CYCLE.end == date(2026, 3, 31) and isinstance(CYCLE, Cycle)
