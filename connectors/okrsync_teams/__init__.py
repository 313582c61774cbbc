"""Microsoft Teams as a notification channel (Workflows webhooks, Adaptive Cards)."""

from __future__ import annotations

from okrsync.notify.channel import ChannelContext

from .channel import TeamsChannel


def create(context: ChannelContext) -> TeamsChannel:
    return TeamsChannel(context)


__all__ = ["TeamsChannel", "create"]
