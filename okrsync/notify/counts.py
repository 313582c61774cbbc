"""What notifying did, per channel: the figures `--json`, the summary table and metrics show."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ChannelCounts(BaseModel):
    sent: int = 0
    already_sent: int = Field(default=0, description="Sent in an earlier run of this period.")
    quiet: int = Field(default=0, description="Held back by quiet hours; sent later.")
    waiting: int = Field(default=0, description="Waiting for a Retry-After to run out.")
    failed: int = Field(default=0, description="Failed this run; retried next run.")
    given_up: int = 0

    def add(self, other: ChannelCounts) -> None:
        for name in type(self).model_fields:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def total(parts: list[dict[str, ChannelCounts]]) -> dict[str, ChannelCounts]:
    """Counts per channel added up over sources."""
    out: dict[str, ChannelCounts] = {}
    for part in parts:
        for channel, counts in part.items():
            out.setdefault(channel, ChannelCounts()).add(counts)
    return dict(sorted(out.items()))
