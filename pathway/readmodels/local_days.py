"""Local days of many instants at once, for the stalled audit: its ``since`` (a calendar- and
working-day-aware shift, ``calendar.after``) and its days overdue (``overdue.days_overdue``)
for every stalled row, without three time-zone conversions a row.

The local midnights around ``now`` are computed once per audit (one conversion a day, going
back as far as the oldest row asks), and an instant's local day is found by bisection among
them. On a day whose length is not 24 hours (the clocks change) the wall-clock time of an
instant is not its distance from midnight: there, and only there, the calendar's own
functions answer. ``tests/unit/test_local_days.py`` proves the answers equal the core's
(``pathway.core.calendar.after``, ``pathway.core.overdue.days_overdue``) across years of
instants, the clock changes and holidays: one number everywhere.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from datetime import date, datetime, timedelta

from pathway.core import calendar as cal
from pathway.core import overdue
from pathway.core.calendar import Duration

_DAY = timedelta(days=1)


class LocalDays:
    """The local days of one time zone around ``now``."""

    def __init__(self, now: datetime, tz: str, shift: Callable[[date, Duration], date] = cal.add_to_date) -> None:
        self.tz, self.now, self._shift = tz, now, shift
        self.today = cal.local_date(now, tz)
        self.start = self.today - timedelta(days=62)  # the day of mids[0]
        # mids[k] is the first instant of local day start + k; the list ends two days after today.
        self.mids = [cal.start_of_day(self.start + timedelta(days=k), tz) for k in range(65)]

    # ------------------------------------------------------------------ the grid
    def _back_to(self, moment: datetime) -> None:
        while moment <= self.mids[0]:
            more = max(len(self.mids), 64)
            first = self.start - timedelta(days=more)
            self.mids[:0] = [cal.start_of_day(first + timedelta(days=k), self.tz) for k in range(more)]
            self.start = first

    def _up_to(self, day: date) -> None:
        while (day - self.start).days + 1 >= len(self.mids):
            last = self.start + timedelta(days=len(self.mids))
            self.mids += [cal.start_of_day(last + timedelta(days=k), self.tz) for k in range(64)]

    def _index(self, moment: datetime) -> int:
        """k with mids[k] <= moment < mids[k + 1]."""
        self._back_to(moment)
        self._up_to(cal.local_date(moment, self.tz) if moment >= self.mids[-1] else self.today)
        return bisect_right(self.mids, moment) - 1

    def _whole(self, k: int) -> bool:
        return self.mids[k + 1] - self.mids[k] == _DAY

    # ------------------------------------------------------------------ the answers
    def due_on(self, due_at: datetime) -> date:
        """``overdue.due_on``: the last local day on which ``due_at`` is still on time."""
        k = self._due_index(due_at)  # first: it may lay out earlier days, moving ``start``
        return self.start + timedelta(days=k)

    def _due_index(self, due_at: datetime) -> int:
        mids = self.mids
        if not mids[0] < due_at <= mids[-1]:
            self._index(due_at)
            mids = self.mids
        return bisect_left(mids, due_at) - 1

    def days_overdue(self, due_at: datetime) -> int | None:
        """``overdue.days_overdue(due_at, now, tz)``."""
        if not overdue.is_overdue(due_at, self.now):
            return None
        return self.late_days(due_at)

    def late_days(self, due_at: datetime) -> int:
        """``days_overdue(due_at) or 1``, for what is known to be late (the audit's rows)."""
        mids = self.mids
        if mids[0] < due_at <= mids[-1]:
            k = bisect_left(mids, due_at) - 1
        else:
            k = self._due_index(due_at)
        days = (self.today - self.start).days - k
        return days if days > 1 and due_at <= self.now else 1

    def after(self, moment: datetime, duration: Duration) -> datetime:
        """``calendar.after(moment, duration, tz)``: the same local time of day, the date shifted."""
        if duration.unit == "hours":
            return moment + timedelta(hours=duration.amount)
        k = self._index(moment)
        if self._whole(k):
            target = self._shift(self.start + timedelta(days=k), duration)
            self._up_to(target)
            t = (target - self.start).days
            if self._whole(t):
                return self.mids[t] + (moment - self.mids[k])
        return cal.after(moment, duration, self.tz)  # a day the clocks change
