"""Receivers for okrsync's notification channels: Teams Workflows, Slack webhooks, an SMTP server.

Each receiver speaks the real protocol on 127.0.0.1 (HTTP for Teams and Slack, SMTP through
aiosmtpd), checks what arrives the way the service does, stores it, and can inject the
service's faults. They are found through the `okrsync.receivers` entry points.
"""
