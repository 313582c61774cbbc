"""Who receives an event where: team channels by webhook, people by their address.

People are found in the workspace's people (their e-mail from Notion or Confluence) and may be
overridden, muted or limited to some channels under `[notify.people."Name or e-mail"]`. A
person without a known address is skipped (counted, never guessed). Each destination carries
the team whose schedule (time zone, quiet hours) applies to it, and the language its message
is written in (the person's, else the team's, else the run's global language, `fallback`).
"""

from __future__ import annotations

from dataclasses import dataclass

from okrsync.notify.channel import Destination
from okrsync.notify.events import Event, Facts
from okrsync.notify.settings import NotifySettings


@dataclass(frozen=True)
class Route:
    destination: Destination
    team: str | None


def person_routes(
    person_id: str, facts: Facts, settings: NotifySettings, fallback: str = "en"
) -> list[Route]:
    person = facts.people.get(person_id)
    if person is None:
        return []
    override = settings.person(person.name, person.email)
    email = override.email or person.email
    if override.mute or not email:
        return []
    team = facts.team_for_person(person_id)
    language = settings.language_for(team, fallback, override)
    routes: list[Route] = []
    for name, channel in sorted(settings.channels.items()):
        if override.channels is not None and name not in override.channels:
            continue
        personal = channel.type == "email" or (
            channel.type == "slack"
            and channel.direct
            and "bot_token_env" in (channel.model_extra or {})
        )
        if personal:
            destination = Destination(
                channel=name,
                target=email,
                label=facts.name(person_id),
                person=True,
                language=language,
            )
            routes.append(Route(destination, team))
    return routes


def team_routes(team: str, settings: NotifySettings, fallback: str = "en") -> list[Route]:
    allowed = settings.teams[team].channels if team in settings.teams else None
    language = settings.language_for(team, fallback)
    return [
        Route(
            Destination(channel=name, target=channel.webhooks[team], label=team, language=language),
            team,
        )
        for name, channel in sorted(settings.channels.items())
        if team in channel.webhooks and (allowed is None or name in allowed)
    ]


def leadership_routes(settings: NotifySettings, fallback: str = "en") -> list[Route]:
    """The leadership addresses by e-mail, each in its override's language (by address)."""
    return [
        Route(
            Destination(
                channel=name,
                target=address,
                label=address,
                person=True,
                language=settings.language_for(None, fallback, settings.person(address, address)),
            ),
            None,
        )
        for address in settings.leadership
        for name, channel in sorted(settings.channels.items())
        if channel.type == "email"
    ]


def routes_for(
    event: Event, facts: Facts, settings: NotifySettings, fallback: str = "en"
) -> list[Route]:
    """Every destination of `event`, without repeats; `fallback` is the global language."""
    found: list[Route] = []
    for person in event.audience.people:
        found += person_routes(person, facts, settings, fallback)
    for team in event.audience.teams:
        found += team_routes(team, settings, fallback)
    if event.audience.leadership:
        found += leadership_routes(settings, fallback)
    unique: dict[tuple[str, str], Route] = {}
    for route in found:
        unique.setdefault((route.destination.channel, route.destination.target), route)
    return list(unique.values())
