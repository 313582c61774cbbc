"""okrsync.toml `[notify]`: channels, who gets what, when, and how often.

Teams and Slack channels name, per team, the environment variable that holds the team
channel's secret webhook URL; e-mail and Slack direct messages reach people at the address the
workspace knows (Notion users' e-mails, Confluence users where visible), overridable per person
under `[notify.people."Name or e-mail"]`.

Each message is written in its reader's language: a person's `language`, else their team's
(`[notify.teams.NAME] language`), else the config's global `language` (English by default);
a team channel's message in the team's language, else the global one. Languages are checked
by `okrsync.i18n.check_language`, the one check every language setting uses.
"""

from __future__ import annotations

from datetime import time
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ConfigDict, Field, field_validator

from okrsync.i18n import check_language
from okrsync.model import Frozen
from okrsync.notify.message import EventKind

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[Weekday, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)


class ChannelSettings(Frozen):
    """One `[notify.channels.NAME]` table: its `type`, team webhooks, and its own options."""

    model_config = ConfigDict(frozen=True, extra="allow")

    type: Literal["teams", "slack", "email"]
    webhooks: dict[str, str] = Field(
        default={},
        description="Team name -> the environment variable holding its channel's webhook URL.",
    )
    direct: bool = Field(
        default=True, description="Slack: direct messages to people (needs bot_token_env)."
    )

    def options(self) -> dict[str, Any]:
        """What the channel itself reads (everything but routing keys)."""
        data = self.model_dump()
        data.pop("webhooks", None)
        data.pop("direct", None)
        return data

    def env_names(self) -> list[str]:
        names = list(self.webhooks.values())
        names += [str(v) for k, v in (self.model_extra or {}).items() if k.endswith("_env") and v]
        return names


class Schedule(Frozen):
    """When a team (or everyone, by default) hears from okrsync."""

    timezone: str = "UTC"
    quiet_hours: str | None = Field(
        default="20:00-08:00", description="Local 'HH:MM-HH:MM' when nothing is sent; '' for none."
    )
    digest_day: Weekday = "monday"
    digest_hour: int = Field(default=9, ge=0, le=23)
    cadence_days: int = Field(default=7, ge=1, le=92, description="Check-in cadence.")
    grace_days: int = Field(default=1, ge=0, le=14)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (write e.g. 'Europe/Berlin')") from None
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str | None) -> str | None:
        if value:
            quiet_window(value)
        return value or None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def quiet_window(value: str) -> tuple[time, time]:
    """'20:00-08:00' as (start, end); ValueError naming the expected form."""
    try:
        start, end = (time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError:
        raise ValueError(f"quiet_hours {value!r} is not 'HH:MM-HH:MM'") from None
    return start, end


class PersonSettings(Frozen):
    email: str | None = None
    teams: str | None = Field(default=None, description="Teams address (UPN) for @mentions.")
    channels: tuple[str, ...] | None = Field(
        default=None, description="Channel names for this person's own messages (default: all)."
    )
    language: str | None = Field(
        default=None, description="This person's language (default: their team's, else global)."
    )
    mute: bool = False

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        return None if value is None else check_language(value)


class TeamSettings(Schedule):
    channels: tuple[str, ...] | None = Field(
        default=None, description="Channels for this team's messages (default: every webhook)."
    )
    language: str | None = Field(
        default=None, description="The team's language: its channel, and its people by default."
    )

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        return None if value is None else check_language(value)


class NotifySettings(Frozen):
    enabled: bool = True
    sources: tuple[str, ...] | None = Field(
        default=None,
        description="Sources whose OKRs notify (default: all); one is enough when two sources "
        "hold the same people's OKRs.",
    )
    defaults: Schedule = Schedule()
    events: dict[EventKind, bool] = Field(default={}, description="Per-event switches (on).")
    channels: dict[str, ChannelSettings] = {}
    teams: dict[str, TeamSettings] = {}
    people: dict[str, PersonSettings] = {}
    leadership: tuple[str, ...] = Field(
        default=(), description="E-mail addresses that get the leadership digest."
    )
    review_url: str | None = Field(default=None, description="Link to the review, in digests.")
    grading_days: int = Field(default=7, ge=1, le=30, description="Grading reminder lead time.")
    max_attempts: int = Field(default=10, ge=1, le=100)

    def on(self, kind: EventKind) -> bool:
        return self.events.get(kind, True)

    def schedule_for(self, team: str | None) -> Schedule:
        if team and team in self.teams:
            return self.teams[team]
        return self.defaults

    def env_names(self) -> list[str]:
        return sorted({n for c in self.channels.values() for n in c.env_names()})

    def person(self, name: str, email: str | None) -> PersonSettings:
        """The override for a person, found by name or e-mail (an empty one if none)."""
        return self.people.get(name) or self.people.get(email or "") or PersonSettings()

    def language_for(
        self, team: str | None, fallback: str, person: PersonSettings | None = None
    ) -> str:
        """The reader's language: the person's, else the team's, else `fallback` (global)."""
        if person is not None and person.language:
            return person.language
        settings = self.teams.get(team or "")
        return (settings.language if settings else None) or fallback
