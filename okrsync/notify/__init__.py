"""Notifications: check-in reminders, health changes, wins, digests and grading reminders.

`message` holds the channel-neutral Notice, `channel` the boundary to the channel connectors
(Teams, Slack, e-mail under connectors/), `settings` okrsync.toml's [notify], `events` what is
due, `routing` who gets it where, and `notifier` the exactly-once sending through the ledger.
"""
