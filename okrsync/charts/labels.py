"""Every text a chart shows, in one place, so a translation replaces one object."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from okrsync.i18n import N_, Translator


@dataclass(frozen=True, slots=True)
class ChartLabels:
    """The words on the charts (English by default); `{name}` is filled in where shown."""

    objective_title: str = N_("{name}: progress")
    cycle_title: str = N_("{name}: mean score")
    score_axis: str = N_("Score")
    progress: str = N_("Progress")
    mean_score: str = N_("Mean score")
    expected_pace: str = N_("Expected pace")
    no_data: str = N_("No values recorded yet")
    sparkline: str = N_("{name}: score over time")
    date_format: str = N_("%d %b")
    """strftime format of the date ticks (German: "%d.%m.", no month names: strftime would
    spell them in the process's C locale)."""


ENGLISH = ChartLabels()


@cache
def chart_labels(t: Translator) -> ChartLabels:
    """The chart words in the language of `t`."""
    return ChartLabels(
        objective_title=t.gettext(ENGLISH.objective_title),
        cycle_title=t.gettext(ENGLISH.cycle_title),
        score_axis=t.gettext(ENGLISH.score_axis),
        progress=t.gettext(ENGLISH.progress),
        mean_score=t.gettext(ENGLISH.mean_score),
        expected_pace=t.gettext(ENGLISH.expected_pace),
        no_data=t.gettext(ENGLISH.no_data),
        sparkline=t.gettext(ENGLISH.sparkline),
        date_format=t.gettext(ENGLISH.date_format),
    )
