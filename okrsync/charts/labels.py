"""Every text a chart shows, in one place, so a translation replaces one object."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ChartLabels:
    """The words on the charts (English by default); `{name}` is filled in where shown."""

    objective_title: str = "{name}: progress"
    cycle_title: str = "{name}: mean score"
    score_axis: str = "Score"
    progress: str = "Progress"
    mean_score: str = "Mean score"
    expected_pace: str = "Expected pace"
    no_data: str = "No values recorded yet"
    sparkline: str = "{name}: score over time"
    date_format: str = "%d %b"
    """strftime format of the date ticks."""


ENGLISH = ChartLabels()
