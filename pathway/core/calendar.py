"""Due dates the way a social welfare centre counts them.

Durations come in calendar days, weeks, calendar months, working days (Monday-Friday except
Polish public holidays) and hours. All arithmetic happens on local dates in the centre's time
zone (Europe/Warsaw by default) and results are returned as aware UTC datetimes.

Two conventions, chosen because they are how staff read a deadline:
- a *deadline* ("within 30 days") is met until the end of its last day: ``deadline_at``
  returns local midnight after the due date;
- a *fixed duration* ("3 months of internship") ends at the start of its end date:
  ``ends_at`` returns local midnight of that date (entered 15 March -> ends 15 June).

This module is pure: the holiday table is computed once at import (outside any workflow
sandbox), and nothing here reads the clock.
"""

from __future__ import annotations

import calendar as _pycal
import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import holidays as _holidays
from pydantic import BaseModel, ConfigDict, model_validator

Unit = Literal["hours", "days", "weeks", "months", "working_days"]

# Polish public holidays for every year a pathway can plausibly touch. Computed eagerly so
# that workflow code never triggers the library's lazy imports inside Temporal's sandbox.
POLISH_HOLIDAYS: frozenset[date] = frozenset(_holidays.country_holidays("PL", years=range(2000, 2101)).keys())

_UNIT_ALIASES: dict[str, Unit] = {
    **dict.fromkeys(("hour", "hours", "h", "godzina", "godziny", "godzin"), "hours"),
    **dict.fromkeys(("day", "days", "d", "dzień", "dzien", "dni"), "days"),
    **dict.fromkeys(("week", "weeks", "w", "tydzień", "tydzien", "tygodnie", "tygodni"), "weeks"),
    **dict.fromkeys(
        ("month", "months", "miesiąc", "miesiac", "miesiące", "miesiace", "miesięcy", "miesiecy"), "months"
    ),
    **dict.fromkeys(
        (
            "working_day",
            "working_days",
            "workday",
            "workdays",
            "dzień_roboczy",
            "dzien_roboczy",
            "dni_robocze",
            "dni_roboczych",
        ),
        "working_days",
    ),
}
# Ten years in each unit: longer is a typo, and would leave the calendar's range.
MAX_AMOUNT: dict[str, int] = {"hours": 87_600, "days": 3_660, "weeks": 522, "months": 120, "working_days": 2_520}
_DURATION_RE = re.compile(r"^\s*(\d{1,5})\s*([A-Za-ząćęłńóśźżĄĆĘŁŃÓŚŹŻ_ ]+?)\s*$")


class Duration(BaseModel):
    """An amount of a calendar unit, written in YAML as ``"30 days"``, ``"3 months"``,
    ``"10 working_days"``, ``"2 weeks"`` or ``"36 hours"``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: int
    unit: Unit

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_duration(value)
        if isinstance(value, bool) or isinstance(value, (int, float)):
            raise ValueError(f"a duration needs a unit, e.g. '{value} days' or '{value} working_days'")
        return value

    @model_validator(mode="after")
    def _positive(self) -> Duration:
        if self.amount <= 0:
            raise ValueError("a duration must be positive")
        if self.amount > MAX_AMOUNT[self.unit]:
            raise ValueError(
                f"{self.amount} {self.unit} is longer than any pathway (at most {MAX_AMOUNT[self.unit]} {self.unit})"
            )
        return self

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}"


def parse_duration(text: str) -> dict[str, object]:
    match = _DURATION_RE.match(text)
    if not match:
        raise ValueError(
            f"'{text}' is not a duration; write an amount and a unit, e.g. '30 days', "
            "'3 months', '10 working_days', '2 weeks' or '36 hours'"
        )
    amount, raw_unit = int(match.group(1)), match.group(2).strip().lower().replace(" ", "_")
    unit = _UNIT_ALIASES.get(raw_unit)
    if unit is None:
        raise ValueError(
            f"unknown unit '{match.group(2).strip()}' in '{text}'; use one of hours, days, weeks, months, working_days"
        )
    return {"amount": amount, "unit": unit}


@lru_cache(maxsize=16)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in POLISH_HOLIDAYS


def add_months(day: date, months: int) -> date:
    """Calendar months; the day is clipped to the month's length (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = _pycal.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def add_working_days(day: date, count: int) -> date:
    """The ``count``-th working day after ``day`` (``day`` itself never counts)."""
    current = day
    remaining = count
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def add_to_date(day: date, duration: Duration) -> date:
    """``day`` moved forward by ``duration`` (not hours)."""
    return _add_to_date(day, duration.amount, duration.unit)


@lru_cache(maxsize=65_536)
def _add_to_date(day: date, amount: int, unit: str) -> date:
    # Cached: every clock a case arms and every reminder it rings shifts a date, and the same
    # few shifts recur across cases (keyed by plain values: comparing Durations costs more).
    if unit == "days":
        return day + timedelta(days=amount)
    if unit == "weeks":
        return day + timedelta(weeks=amount)
    if unit == "months":
        return add_months(day, amount)
    if unit == "working_days":
        return add_working_days(day, amount)
    raise ValueError(f"{unit} cannot be added to a date")


def _local_midnight(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=zone(tz)).astimezone(UTC)


def local_date(moment: datetime, tz: str) -> date:
    return moment.astimezone(zone(tz)).date()


def ends_at(start: datetime, duration: Duration, tz: str) -> datetime:
    """When a fixed duration that began at ``start`` is over (start of its end date)."""
    if duration.unit == "hours":
        return start + timedelta(hours=duration.amount)
    return _local_midnight(add_to_date(local_date(start, tz), duration), tz)


def deadline_at(start: datetime, duration: Duration, tz: str) -> datetime:
    """The first moment a deadline counted from ``start`` is missed (end of its due date)."""
    if duration.unit == "hours":
        return start + timedelta(hours=duration.amount)
    due = add_to_date(local_date(start, tz), duration)
    return _local_midnight(due + timedelta(days=1), tz)


def due_date(deadline: datetime, tz: str) -> date:
    """The last local day on which a deadline produced by ``deadline_at`` is still met."""
    return local_date(deadline - timedelta(microseconds=1), tz)


def after(moment: datetime, duration: Duration, tz: str) -> datetime:
    """``moment`` moved forward by ``duration`` keeping its local time of day (for repeats)."""
    if duration.unit == "hours":
        return moment + timedelta(hours=duration.amount)
    local = moment.astimezone(zone(tz))
    day = add_to_date(local.date(), duration)
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=zone(tz)).astimezone(UTC)


def subtract_from_date(day: date, duration: Duration) -> date:
    """``day`` moved back by ``duration`` (e.g. "remind 30 days before it expires")."""
    if duration.unit == "days":
        return day - timedelta(days=duration.amount)
    if duration.unit == "weeks":
        return day - timedelta(weeks=duration.amount)
    if duration.unit == "months":
        return add_months(day, -duration.amount)
    if duration.unit == "working_days":
        current, remaining = day, duration.amount
        while remaining > 0:
            current -= timedelta(days=1)
            if is_working_day(current):
                remaining -= 1
        return current
    raise ValueError(f"{duration.unit} cannot be subtracted from a date")


def end_of_day(day: date, tz: str) -> datetime:
    """The first moment after local ``day`` (a certificate valid until ``day`` lapses then)."""
    return _local_midnight(day + timedelta(days=1), tz)


def start_of_day(day: date, tz: str) -> datetime:
    return _local_midnight(day, tz)
