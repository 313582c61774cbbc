"""Never overwrite: two writers that would produce the same generated page are refused.

A review page belongs to exactly one writer (a source writing its review into its own
workspace, or a review destination), one scope (the organisation, or one team) and one cycle.
Two writers whose pages land in the same place with the same title would take turns
overwriting one page, so that config is an error:

- at load (`config_collisions`): same place (from the connector's optional `review_place`)
  and a title template in common;
- in `--dry-run` and before any write of a sync (`planned_collisions`): two planned page
  writes naming the same page (`Write.page`), whatever the templates were.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from okrsync.connector import Writeback, review_place_of
from okrsync.errors import ConfigError
from okrsync.records import Write

if TYPE_CHECKING:
    from okrsync.config import DestinationConfig, SourceConfig

FIX = (
    "give one of them another review_title (or another space / parent page), or set "
    "writeback.reviews = false on the source and publish through the destination"
)


def _templates(writeback: Writeback) -> set[str]:
    found = {" ".join(writeback.review_title.split())}
    if writeback.per_team:
        found.add(" ".join(writeback.team_review_title.split()))
    return found


def _place(connector: str, options: dict[str, object]) -> str | None:
    from okrsync.config import resolve_connector

    try:
        place = review_place_of(resolve_connector(connector))
        return place(options) if place is not None else None
    except (ConfigError, ValueError):
        return None  # bad options or connector: reported by the option checks


def config_collisions(
    sources: Sequence[SourceConfig], destinations: Sequence[DestinationConfig]
) -> list[str]:
    """One problem per pair of enabled writers that would write the same review pages."""
    writers: list[tuple[str, str, set[str]]] = []
    for src in sources:
        if src.enabled and src.writeback.reviews:
            place = _place(src.connector, src.options)
            if place is not None:
                writers.append((f"sources.{src.name}", place, _templates(src.writeback)))
    for dest in destinations:
        if dest.enabled:
            place = _place(dest.connector, dest.options)
            if place is not None:
                writers.append((f"destinations.{dest.name}", place, _templates(dest.writeback)))
    problems: list[str] = []
    for i, (first, place, titles) in enumerate(writers):
        for second, other_place, other_titles in writers[i + 1 :]:
            common = sorted(titles & other_titles)
            if place == other_place and common:
                problems.append(
                    f"{first} and {second} would both write the review pages titled "
                    f"{common[0]!r} in {place}; the second would overwrite the first "
                    f"(fix: {FIX})"
                )
    return problems


def planned_collisions(planned: Sequence[tuple[str, Sequence[Write]]]) -> list[str]:
    """One problem per generated page that two writers' planned writes both produce."""
    owner: dict[str, str] = {}
    problems: list[str] = []
    for writer, writes in planned:
        for write in writes:
            if not write.page:
                continue
            first = owner.setdefault(write.page, writer)
            if first != writer:
                problems.append(
                    f"{first} and {writer} would both write {write.description} "
                    f"({write.page}) (fix: {FIX})"
                )
    return problems


def refuse_collisions(planned: Sequence[tuple[str, Sequence[Write]]]) -> None:
    """ConfigError (exit 2) listing every page two writers would both write."""
    problems = planned_collisions(planned)
    if problems:
        raise ConfigError(
            "two writers would write the same review page; nothing was written",
            problems=problems,
            hint=FIX,
        )
