"""The forecast of a unit: every case run forward week by week, tallied per coordinator per
week (Monday to Sunday, local):

- ``visits_planned``: the visits the assumptions make (none while the coordinator is away);
- ``visits_due`` / ``deadlines_due``: visits and stage deadlines whose last day on time falls
  in the week, as the clocks stand when the week begins (what must be done that week);
- ``reminders`` / ``escalations``: what the case's clocks ring in the week (escalations reach
  the supervisor);
- ``overdue_cases`` (``overdue_visits``, ``overdue_stages``): the overdue load at the week's
  end, by ``pathway.core.overdue.is_overdue`` (the case page's rule).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from pydantic import BaseModel

from pathway.core import calendar as cal
from pathway.core import overdue
from pathway.core.definition import DefinitionSnapshot
from pathway.core.events import ReminderDue, VisitRecorded
from pathway.core.forecast.runner import CaseRun, CaseStart, resume
from pathway.core.forecast.script import Absence, Assumptions, planned_visits

DEFAULT_TZ = "Europe/Warsaw"


class WeekRow(BaseModel):
    coordinator_id: str
    week_start: date
    absent: bool
    cases: int
    visits_planned: int = 0
    visits_due: int = 0
    deadlines_due: int = 0
    reminders: int = 0
    escalations: int = 0
    overdue_cases: int = 0
    overdue_visits: int = 0
    overdue_stages: int = 0


class Forecast(BaseModel):
    generated_at: datetime
    visits_per_week: float
    weeks: int
    absences: list[Absence]
    cases: int
    # open cases not run: paused (their clocks stand) or of a definition version not known
    paused: int
    unknown_definition: int
    rows: list[WeekRow]

    def totals(self) -> list[WeekRow]:
        """The unit's week by week (every coordinator summed; ``absent``: anyone away)."""
        by_week: dict[date, WeekRow] = {}
        for r in self.rows:
            t = by_week.setdefault(
                r.week_start, WeekRow(coordinator_id="", week_start=r.week_start, absent=False, cases=0)
            )
            t.absent = t.absent or r.absent
            for name in _COUNTS:
                setattr(t, name, getattr(t, name) + getattr(r, name))
        return [by_week[w] for w in sorted(by_week)]


_COUNTS = (
    "cases",
    "visits_planned",
    "visits_due",
    "deadlines_due",
    "reminders",
    "escalations",
    "overdue_cases",
    "overdue_visits",
    "overdue_stages",
)


def week_starts(now: datetime, weeks: int, tz: str = DEFAULT_TZ) -> list[datetime]:
    """The first instants of this week (Monday, local midnight) and the ``weeks`` after it;
    the last is the end of the forecast."""
    today = cal.local_date(now, tz)
    monday = today - timedelta(days=today.weekday())
    return [cal.start_of_day(monday + timedelta(weeks=i), tz) for i in range(weeks + 1)]


def forecast(
    starts: Iterable[CaseStart],
    definitions: Callable[[str, int], DefinitionSnapshot | None],
    assumptions: Assumptions,
    *,
    now: datetime,
    paused: int = 0,
    tz: str = DEFAULT_TZ,
) -> Forecast:
    """Run every case (active ones; ``paused`` counts the others, their clocks stand) for
    ``assumptions.weeks`` weeks from ``now``; ``definitions(id, version)`` gives the snapshot
    a case runs on (None: not known, the case is counted apart)."""
    bounds = week_starts(now, assumptions.weeks, tz)
    monday = [cal.local_date(b, tz) for b in bounds[:-1]]
    runs: list[CaseRun] = []
    unknown = 0
    for start in starts:
        snapshot = definitions(start.definition_id, start.definition_version)
        if snapshot is None:
            unknown += 1
            continue
        case = resume(start, snapshot, now)
        visits = planned_visits(
            assumptions,
            case_id=start.case_id,
            coordinator_id=start.coordinator_id,
            last_activity_at=start.last_activity_at,
            now=now,
            until=bounds[-1],
            tz=case.tz,
        )
        runs.append(CaseRun(case, visits))
    coordinators = sorted({r.coordinator_id for r in runs})
    # Plain counters while running (a model's attribute set is validated, and there are millions).
    counts = {(c, i): [0] * len(_COUNTS) for c in coordinators for i in range(len(monday))}
    days: dict[str, _DueOn] = {}  # one forecast's memory of due days, per time zone
    for run in runs:
        _tally(run, bounds, monday, now, counts, days)
    rows = [
        WeekRow(
            coordinator_id=c,
            week_start=day,
            absent=any(assumptions.away(c, day + timedelta(days=k)) for k in range(7)),
            **dict(zip(_COUNTS, counts[c, i], strict=True)),
        )
        for c in coordinators
        for i, day in enumerate(monday)
    ]
    return Forecast(
        generated_at=now,
        visits_per_week=assumptions.visits_per_week,
        weeks=assumptions.weeks,
        absences=list(assumptions.absences),
        cases=len(runs),
        paused=paused,
        unknown_definition=unknown,
        rows=rows,
    )


_CASES, _PLANNED, _VISITS_DUE, _DEADLINES_DUE, _REMINDERS, _ESCALATIONS, _LATE, _LATE_VISITS, _LATE_STAGES = range(9)


def _tally(
    run: CaseRun,
    bounds: list[datetime],
    monday: list[date],
    now: datetime,
    counts: dict[tuple[str, int], list[int]],
    days: dict[str, _DueOn],
) -> None:
    state = run.case.state
    coordinator, tz = run.coordinator_id, run.case.tz
    due_on = days.get(tz)
    if due_on is None:
        due_on = days[tz] = _DueOn(tz)
    week = timedelta(weeks=1)
    for i in range(len(bounds) - 1):
        begin, end = max(bounds[i], now), bounds[i + 1]
        first = monday[i]
        row = counts[coordinator, i]
        row[_CASES] += 1
        for watch in state.watches.values():
            slot = _DUE.get(watch.key)
            if slot is not None and not overdue.is_overdue(watch.due_at, begin):
                if first <= due_on[watch.due_at] < first + week:
                    row[slot] += 1
        for event in run.advance(end):
            if isinstance(event, VisitRecorded):
                row[_PLANNED] += 1
            elif isinstance(event, ReminderDue):
                row[_ESCALATIONS if event.level == "escalation" else _REMINDERS] += 1
        if state.status == "active":
            late_visit = late_stage = False
            for w in state.watches.values():
                if overdue.is_overdue(w.due_at, end):
                    late_visit = late_visit or w.key == "visit"
                    late_stage = late_stage or w.key == "stage_deadline"
            row[_LATE_VISITS] += late_visit
            row[_LATE_STAGES] += late_stage
            row[_LATE] += late_visit or late_stage


class _DueOn(dict[datetime, date]):
    """``overdue.due_on`` remembered per due moment: due moments are mostly local midnights,
    a few hundred shared by all the unit's cases over half a year."""

    def __init__(self, tz: str) -> None:
        super().__init__()
        self.tz = tz

    def __missing__(self, due_at: datetime) -> date:
        self[due_at] = day = overdue.due_on(due_at, self.tz)
        return day


_DUE = {"visit": _VISITS_DUE, "stage_deadline": _DEADLINES_DUE}


CSV_COLUMNS = ["coordinator_id", "week_start", "absent", *_COUNTS]


def csv_rows(report: Forecast) -> list[dict[str, object]]:
    return [r.model_dump() for r in report.rows]
