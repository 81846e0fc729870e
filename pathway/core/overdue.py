"""When something is due and how late it is: the one definition every surface reads.

The workflow keeps a due moment (``due_at``) as the *first instant that is late*: a deadline
"within 30 days" is met until the end of its last day, so ``due_at`` is local midnight after
it (see ``calendar.deadline_at``). People read dates, not instants, so:

- ``due_on(due_at)`` is the last local day on which the thing is still on time: the date a
  person reads as "due on";
- ``days_overdue(due_at, now)`` is the whole local days past that day (at least 1 once
  ``due_at`` has passed), or None while it is still on time.

The case page, the stalled audit, the dashboard, the case lists and the CLI all take their
numbers from here, so one case shows one number everywhere. Pure: ``now`` is always given.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pathway.core import calendar as cal


def due_on(due_at: datetime, tz: str) -> date:
    """The last local day on which something due at ``due_at`` (its first late instant) is
    still on time."""
    return cal.local_date(due_at - timedelta(microseconds=1), tz)


def due_at(day: date, tz: str) -> datetime:
    """The first late instant of something due on local ``day`` (the inverse of ``due_on``):
    a plan's action due on a day is on time until that day ends."""
    return cal.end_of_day(day, tz)


def is_overdue(due_at: datetime | None, now: datetime) -> bool:
    """Late from ``due_at`` on: at that instant the workflow's reminder fires and says so."""
    return due_at is not None and now >= due_at


def days_overdue(due_at: datetime | None, now: datetime, tz: str) -> int | None:
    """Whole local days from the last day on time to ``now``'s day, at least 1 once
    ``due_at`` has passed; None while it is still on time (or nothing is due)."""
    if due_at is None or not is_overdue(due_at, now):
        return None
    return max(1, (cal.local_date(now, tz) - due_on(due_at, tz)).days)
