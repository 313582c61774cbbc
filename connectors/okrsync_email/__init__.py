"""E-mail over SMTP as a notification channel (text and HTML parts from Jinja2 templates)."""

from __future__ import annotations

from okrsync.notify.channel import ChannelContext

from .channel import EmailChannel


def create(context: ChannelContext) -> EmailChannel:
    return EmailChannel(context)


__all__ = ["EmailChannel", "create"]
