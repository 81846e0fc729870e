"""Where each branch of the stalled audit finds its rows' answers in the store (the columns
``pathway.readmodels.stalled_limits.audit_columns`` fills), and when they fit: a stored day
only in the zone the audit counts in, a stored limit's end only for the limit it applies."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import case, literal
from sqlmodel import col

from pathway.core.calendar import Duration
from pathway.readmodels.sql_days import days_late
from pathway.readmodels.stalled_finish import NO_DAYS
from pathway.readmodels.stalled_limits import limit_key
from pathway.store.models import Case


@dataclass(frozen=True)
class Branch:
    """One branch's answers: ``since`` is the broken clock itself (``limit_end`` None) or the
    stored end of the limit; the days come from the stored local day ``day``, where
    ``guard`` holds (None: never, the audit computes them)."""

    tz: str
    duration: Duration | None
    day: Any
    guard: Any
    limit_end: Any = None
    today: Any = None  # today's date in ``tz``, or a parameter bound to it

    @classmethod
    def due(
        cls, day: Any, tz: str, today: Any, *, duration: Duration | None = None, single_zone: bool = True
    ) -> Branch:
        """Late from the clock's own moment on (a stage's deadline, a visit, a plan's action or
        review): its days from the stored due day, where the case's days are in ``tz``."""
        guard = col(Case.due_zone) == literal(tz) if single_zone else None
        return cls(tz, duration, day, guard, today=today)

    @classmethod
    def ends(cls, limit: Any, ends: Any, ends_on: Any, duration: Duration, tz: str) -> Branch:
        """Late from when ``duration`` after the clock ends (inactivity, a pause): the stored
        end and its day, where they were computed for this very limit and zone."""
        return cls(tz, duration, ends_on, col(limit) == literal(limit_key(duration, tz)), limit_end=ends)

    def on(self, today: Any) -> Branch:
        return replace(self, today=today)

    def days(self, day: Any = None) -> Any:
        """The days overdue of the stored local ``day`` (this branch's own by default)."""
        if self.guard is None or self.today is None:
            return NO_DAYS
        target = day if day is not None else col(self.day)
        return case((self.guard, days_late(self.today, target)), else_=NO_DAYS)

    def answers(self, clock: Any) -> tuple[Any, Any]:
        """(since, days) of a row whose ``clock`` broke the rule."""
        if self.limit_end is None:
            return clock, self.days()
        return case((self.guard, col(self.limit_end)), else_=None), self.days()
