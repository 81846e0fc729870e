"""The forecast for supervisors: every open case of a unit run forward through its own
definition's rules (``pathway.core.case.Case``: the same clocks, reminders and escalations
the workflow rings), under an assumed visit rate and staff absences, tallied per coordinator
per week: what falls due and the overdue load if nothing else changes. Pure: no clock, no
I/O, no Temporal; ``now`` is always given.

- ``script``: the assumptions (visits per week per case, absences) and the visits they plan;
- ``runner``: a case resumed from its projected clocks and stepped through time;
- ``weeks``: the week grid and the tally.
"""

from pathway.core.forecast.runner import CaseRun, CaseStart, resume
from pathway.core.forecast.script import Absence, Assumptions, planned_visits
from pathway.core.forecast.weeks import Forecast, WeekRow, forecast, week_starts

__all__ = [
    "Absence",
    "Assumptions",
    "CaseRun",
    "CaseStart",
    "Forecast",
    "WeekRow",
    "forecast",
    "planned_visits",
    "resume",
    "week_starts",
]
