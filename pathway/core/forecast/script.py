"""What the forecast assumes: how often each case is visited, and who is away when. From
these, ``planned_visits`` gives one case's visits: a visit every ``7 / visits_per_week`` days
counted from the case's last activity, none on the days its coordinator is away (a missed
visit is not made up: the next one keeps the rhythm)."""

from __future__ import annotations

import zlib
from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pathway.core import calendar as cal

MAX_WEEKS = 104


class Absence(BaseModel):
    """A coordinator away from ``first_day`` to ``last_day`` (local days, both included)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    coordinator_id: str = Field(min_length=1, max_length=128)
    first_day: date
    last_day: date

    @model_validator(mode="after")
    def _ordered(self) -> Absence:
        if self.last_day < self.first_day:
            raise ValueError("an absence ends on or after the day it begins")
        return self

    def covers(self, coordinator_id: str, day: date) -> bool:
        return coordinator_id == self.coordinator_id and self.first_day <= day <= self.last_day


class Assumptions(BaseModel):
    """``visits_per_week`` per case (0: nobody visits); ``weeks`` forecast from this week."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    visits_per_week: float = Field(default=1.0, ge=0, le=7)
    absences: tuple[Absence, ...] = ()
    weeks: int = Field(default=26, ge=1, le=MAX_WEEKS)

    @property
    def interval(self) -> timedelta | None:
        """Days between assumed visits; a rate so low that the next visit would fall after any
        forecast's horizon waits just past it (a tiny rate is no visit, not an overflow)."""
        if self.visits_per_week == 0:
            return None
        return timedelta(days=min(7 / self.visits_per_week, 7 * (MAX_WEEKS + 1)))

    def away(self, coordinator_id: str, day: date) -> bool:
        return any(a.covers(coordinator_id, day) for a in self.absences)


def planned_visits(
    assumptions: Assumptions,
    *,
    case_id: str,
    coordinator_id: str,
    last_activity_at: datetime,
    now: datetime,
    until: datetime,
    tz: str,
) -> list[datetime]:
    """The visits the assumptions plan for one case in ``(now, until)``. A case whose next
    visit by the rhythm is already past gets its first one within the first interval, at a
    point fixed by its id, so the unit's late cases are not all visited in the same minute."""
    interval = assumptions.interval
    if interval is None:
        return []
    at = last_activity_at + interval
    if at <= now:
        at = now + interval * ((zlib.crc32(case_id.encode()) % 1000 + 1) / 1000)
    visits: list[datetime] = []
    absent = [a for a in assumptions.absences if a.coordinator_id == coordinator_id]
    while at < until:
        if not absent or not any(a.first_day <= cal.local_date(at, tz) <= a.last_day for a in absent):
            visits.append(at)
        at += interval
    return visits
