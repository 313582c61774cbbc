"""Slack as a notification channel (incoming webhooks with Block Kit; optional bot DMs)."""

from __future__ import annotations

from okrsync.notify.channel import ChannelContext

from .channel import SlackChannel


def create(context: ChannelContext) -> SlackChannel:
    return SlackChannel(context)


__all__ = ["SlackChannel", "create"]
