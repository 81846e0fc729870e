"""One definition of "due on" and "days overdue" (issue 13, item 8)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from pathway.core import calendar as cal
from pathway.core.calendar import Duration
from pathway.core.overdue import days_overdue, due_on, is_overdue

TZ = "Europe/Warsaw"


def test_a_due_date_is_the_last_day_still_on_time() -> None:
    # "within 10 days" from 1 April (local): met until the end of 11 April.
    opened = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
    due_at = cal.deadline_at(opened, Duration(amount=10, unit="days"), TZ)
    assert due_at == datetime(2026, 4, 11, 22, 0, tzinfo=UTC)  # local midnight after 11 April
    assert due_on(due_at, TZ) == date(2026, 4, 11)  # not 12 April, the first late instant's date


def test_days_overdue_counts_local_days_past_the_last_day_on_time() -> None:
    due_at = datetime(2026, 4, 11, 22, 0, tzinfo=UTC)  # due on 11 April
    assert days_overdue(due_at, due_at - timedelta(microseconds=1), TZ) is None
    assert not is_overdue(due_at, due_at - timedelta(microseconds=1))
    assert days_overdue(due_at, due_at, TZ) == 1  # 12 April, 00:00: one day late
    assert days_overdue(due_at, datetime(2026, 4, 12, 21, 59, tzinfo=UTC), TZ) == 1  # 12 April, 23:59
    # 21 April, 09:00 local: ten days past 11 April, however many hours that is.
    assert days_overdue(due_at, datetime(2026, 4, 21, 7, 0, tzinfo=UTC), TZ) == 10
    assert days_overdue(None, due_at, TZ) is None


def test_a_deadline_in_hours_is_one_day_late_the_same_day() -> None:
    due_at = datetime(2026, 4, 11, 10, 0, tzinfo=UTC)  # 12:00 in Warsaw
    assert due_on(due_at, TZ) == date(2026, 4, 11)
    assert days_overdue(due_at, datetime(2026, 4, 11, 15, 0, tzinfo=UTC), TZ) == 1
