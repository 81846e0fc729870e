"""Due dates the way a Polish social welfare centre counts them: calendar days, weeks,
calendar months (clipped), working days (no weekends, no Polish public holidays), all in
Europe/Warsaw local dates, returned as aware UTC datetimes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from pathway.core import calendar as cal
from pathway.core.calendar import (
    POLISH_HOLIDAYS,
    Duration,
    add_months,
    add_to_date,
    add_working_days,
    after,
    deadline_at,
    due_date,
    ends_at,
    is_working_day,
    local_date,
    parse_duration,
)

WAW = "Europe/Warsaw"
WAW_TZ = ZoneInfo(WAW)
UTC = UTC


def warsaw(*args: int) -> datetime:
    return datetime(*args, tzinfo=WAW_TZ)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def dur(text: str) -> Duration:
    return Duration.model_validate(text)


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("30 days", 30, "days"),
        ("1 day", 1, "days"),
        ("7 d", 7, "days"),
        ("7d", 7, "days"),
        ("  14 days  ", 14, "days"),
        ("2 weeks", 2, "weeks"),
        ("1 week", 1, "weeks"),
        ("3 w", 3, "weeks"),
        ("3 months", 3, "months"),
        ("1 month", 1, "months"),
        ("36 hours", 36, "hours"),
        ("1 hour", 1, "hours"),
        ("12h", 12, "hours"),
        ("10 working_days", 10, "working_days"),
        ("10 working days", 10, "working_days"),
        ("1 working_day", 1, "working_days"),
        ("5 workdays", 5, "working_days"),
        ("5 Working Days", 5, "working_days"),
        ("30 DAYS", 30, "days"),
        # Polish
        ("30 dni", 30, "days"),
        ("1 dzień", 1, "days"),
        ("1 dzien", 1, "days"),
        ("2 tygodnie", 2, "weeks"),
        ("5 tygodni", 5, "weeks"),
        ("3 miesiące", 3, "months"),
        ("5 miesięcy", 5, "months"),
        ("5 miesiecy", 5, "months"),
        ("1 miesiac", 1, "months"),
        ("10 dni roboczych", 10, "working_days"),
        ("2 dni robocze", 2, "working_days"),
        ("10 dni_roboczych", 10, "working_days"),
        ("1 miesiąc", 1, "months"),
        ("3 miesiace", 3, "months"),
        ("1 tydzień", 1, "weeks"),
        ("1 tydzien", 1, "weeks"),
        ("1 dzień roboczy", 1, "working_days"),
        ("1 godzina", 1, "hours"),
        ("2 godziny", 2, "hours"),
        ("12 godzin", 12, "hours"),
        ("3660 days", 3660, "days"),
        ("120 months", 120, "months"),
    ],
)
def test_parse_duration_forms(text: str, amount: int, unit: str) -> None:
    assert parse_duration(text) == {"amount": amount, "unit": unit}
    d = Duration.model_validate(text)
    assert (d.amount, d.unit) == (amount, unit)
    assert str(d) == f"{amount} {unit}"


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("87601 hours", 87600),
        ("3661 days", 3660),
        ("523 weeks", 522),
        ("121 months", 120),
        ("2521 working_days", 2520),
        ("99999 miesięcy", 120),
    ],
)
def test_durations_longer_than_ten_years_are_refused(text: str, limit: int) -> None:
    """They are typos, and would leave the calendar's range (year 9999) or its holiday table."""
    with pytest.raises(ValidationError) as info:
        Duration.model_validate(text)
    assert "longer than any pathway" in str(info.value) and str(limit) in str(info.value)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("3 fortnights", "unknown unit 'fortnights'"),
        ("abc", "'abc' is not a duration"),
        ("-5 days", "not a duration"),
        ("", "not a duration"),
        ("days", "not a duration"),
        ("1.5 days", "not a duration"),
        ("100000 days", "not a duration"),
        ("5 dayz", "unknown unit 'dayz'"),
    ],
)
def test_parse_duration_rejects(text: str, words: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_duration(text)
    assert words in str(info.value)


@pytest.mark.parametrize(
    "value", [30, 30.0, True, "0 days", "0 months", {"amount": -1, "unit": "days"}, {"amount": 1, "unit": "years"}]
)
def test_duration_model_rejects(value: object) -> None:
    with pytest.raises(ValidationError):
        Duration.model_validate(value)


def test_duration_bare_number_says_it_needs_a_unit() -> None:
    with pytest.raises(ValidationError) as info:
        Duration.model_validate(30)
    assert "needs a unit" in str(info.value) and "30 days" in str(info.value)


def test_duration_from_a_dict_and_back() -> None:
    d = Duration.model_validate({"amount": 10, "unit": "working_days"})
    assert d == dur("10 working_days")
    assert Duration.model_validate(d.model_dump()) == d


# --------------------------------------------------------------------------- months


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 3, 15), 3, date(2026, 6, 15)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 12, 31), 1, date(2027, 1, 31)),
        (date(2026, 10, 31), 14, date(2027, 12, 31)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 15), -1, date(2025, 12, 15)),
        (date(2026, 5, 5), 0, date(2026, 5, 5)),
    ],
)
def test_add_months_clips_to_the_month_length(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


@settings(max_examples=200, deadline=None)
@given(st.dates(date(2000, 1, 1), date(2090, 12, 31)), st.integers(0, 120))
def test_add_months_properties(start: date, months: int) -> None:
    result = add_months(start, months)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == months
    assert result.day == start.day or (result.day < start.day and (result + timedelta(days=1)).day == 1)


# --------------------------------------------------------------------------- working days


def test_holiday_table_comes_from_the_holidays_library() -> None:
    for year in (2000, 2025, 2026, 2099):
        assert set(holidays.Poland(years=year)) <= POLISH_HOLIDAYS


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 1),
        date(2026, 1, 6),
        date(2026, 4, 6),
        date(2026, 5, 1),
        date(2026, 6, 4),
        date(2026, 11, 11),
        date(2026, 12, 24),
        date(2026, 12, 25),
        date(2025, 12, 24),
    ],
)
def test_polish_public_holidays_on_weekdays_are_not_working_days(day: date) -> None:
    assert day.weekday() < 5  # the point is that they are weekdays
    assert day in holidays.Poland(years=day.year)
    assert not is_working_day(day)


def test_christmas_eve_is_a_holiday_from_2025_only() -> None:
    assert date(2024, 12, 24) not in holidays.Poland(years=2024)
    assert date(2024, 12, 24).weekday() == 1  # Tuesday
    assert is_working_day(date(2024, 12, 24))
    assert date(2025, 12, 24) in holidays.Poland(years=2025)
    assert not is_working_day(date(2025, 12, 24))


def test_weekends_are_not_working_days() -> None:
    assert not is_working_day(date(2026, 3, 7))  # Saturday
    assert not is_working_day(date(2026, 3, 8))  # Sunday
    assert is_working_day(date(2026, 3, 9))  # Monday


def test_ten_working_days_from_30_april_2026() -> None:
    # Thu 30 Apr; Fri 1 May is a holiday; 2-3 May is a weekend (3 May, a holiday, is a Sunday).
    assert date(2026, 4, 30).weekday() == 3
    assert date(2026, 5, 1).weekday() == 4 and date(2026, 5, 1) in POLISH_HOLIDAYS
    assert date(2026, 5, 3).weekday() == 6
    # 4,5,6,7,8 (5) and 11,12,13,14,15 (10)
    assert add_working_days(date(2026, 4, 30), 10) == date(2026, 5, 15)
    assert add_working_days(date(2026, 4, 30), 1) == date(2026, 5, 4)


def test_easter_monday_2026_is_skipped() -> None:
    # Fri 3 Apr + 1 working day: Sat, Sun (Easter), Mon 6 Apr (Easter Monday) -> Tue 7 Apr
    assert add_working_days(date(2026, 4, 3), 1) == date(2026, 4, 7)


def test_11_november_is_skipped() -> None:
    assert date(2026, 11, 11).weekday() == 2  # Wednesday
    assert add_working_days(date(2026, 11, 10), 1) == date(2026, 11, 12)
    assert add_working_days(date(2026, 11, 9), 3) == date(2026, 11, 13)


def test_christmas_2025_is_skipped_from_christmas_eve() -> None:
    # Tue 23 Dec 2025 + 1: Wed 24 (Wigilia, a holiday since 2025), Thu 25, Fri 26, weekend -> Mon 29
    assert add_working_days(date(2025, 12, 23), 1) == date(2025, 12, 29)
    # the year before, 24 December 2024 (a Tuesday) was a working day
    assert add_working_days(date(2024, 12, 23), 1) == date(2024, 12, 24)


def test_the_start_day_never_counts() -> None:
    assert add_working_days(date(2026, 3, 9), 1) == date(2026, 3, 10)  # Monday -> Tuesday
    assert add_working_days(date(2026, 3, 7), 1) == date(2026, 3, 9)  # Saturday -> Monday
    assert add_working_days(date(2026, 3, 9), 0) == date(2026, 3, 9)


@settings(max_examples=200, deadline=None)
@given(st.dates(date(2000, 1, 1), date(2095, 12, 31)), st.integers(1, 40))
def test_add_working_days_counts_exactly_the_working_days(start: date, count: int) -> None:
    result = add_working_days(start, count)
    assert is_working_day(result)
    between = [start + timedelta(days=i) for i in range(1, (result - start).days + 1)]
    assert sum(is_working_day(d) for d in between) == count


# --------------------------------------------------------------------------- deadlines and ends


def test_ends_at_three_months_from_15_march() -> None:
    start = warsaw(2026, 3, 15, 10, 0)
    end = ends_at(start.astimezone(UTC), dur("3 months"), WAW)
    assert end == utc(2026, 6, 14, 22, 0)
    assert end.tzinfo is not None and end.utcoffset() == timedelta(0)
    assert end.astimezone(WAW_TZ) == warsaw(2026, 6, 15, 0, 0)


def test_ends_at_is_independent_of_the_time_of_day() -> None:
    for hour in (0, 10, 23):
        assert ends_at(warsaw(2026, 3, 15, hour, 59), dur("3 months"), WAW) == utc(2026, 6, 14, 22, 0)


def test_deadline_at_is_the_end_of_the_due_day() -> None:
    start = warsaw(2026, 3, 2, 9, 0)  # CET
    deadline = deadline_at(start, dur("30 days"), WAW)
    # due 1 April 2026 (CEST): missed from 2 April 00:00 local
    assert deadline == utc(2026, 4, 1, 22, 0)
    assert due_date(deadline, WAW) == date(2026, 4, 1)
    assert deadline.astimezone(WAW_TZ).time().isoformat() == "00:00:00"


def test_deadline_in_working_days() -> None:
    # 10 working days from Thu 30 Apr 2026 is Fri 15 May: missed from Sat 16 May 00:00 local
    deadline = deadline_at(warsaw(2026, 4, 30, 16, 0), dur("10 working_days"), WAW)
    assert deadline == warsaw(2026, 5, 16, 0, 0)
    assert due_date(deadline, WAW) == date(2026, 5, 15)


def test_deadline_uses_the_local_date_not_the_utc_date() -> None:
    # 23:30 UTC on 1 March is already 2 March in Warsaw
    start = utc(2026, 3, 1, 23, 30)
    assert local_date(start, WAW) == date(2026, 3, 2)
    assert due_date(deadline_at(start, dur("1 day"), WAW), WAW) == date(2026, 3, 3)


def test_deadline_across_the_spring_dst_change_stays_at_local_midnight() -> None:
    # last Sunday of March 2026 is the 29th: CET (+1) -> CEST (+2)
    start = warsaw(2026, 3, 25, 12, 0)
    deadline = deadline_at(start, dur("7 days"), WAW)
    assert deadline == utc(2026, 4, 1, 22, 0)  # 2 April 00:00 CEST
    assert deadline.astimezone(WAW_TZ) == warsaw(2026, 4, 2, 0, 0)
    # a week and a day after local midnight of the start day is one hour less than 8*24h
    assert deadline - warsaw(2026, 3, 25, 0, 0) == timedelta(days=8, hours=-1)


def test_deadline_across_the_autumn_dst_change_stays_at_local_midnight() -> None:
    # last Sunday of October 2026 is the 25th: CEST (+2) -> CET (+1)
    start = warsaw(2026, 10, 20, 12, 0)
    deadline = deadline_at(start, dur("7 days"), WAW)
    assert deadline == utc(2026, 10, 27, 23, 0)  # 28 October 00:00 CET
    assert deadline.astimezone(WAW_TZ) == warsaw(2026, 10, 28, 0, 0)
    assert deadline - warsaw(2026, 10, 20, 0, 0) == timedelta(days=8, hours=1)


def test_ends_at_across_dst() -> None:
    assert ends_at(warsaw(2026, 3, 1, 9, 0), dur("1 months"), WAW) == utc(2026, 3, 31, 22, 0)
    assert ends_at(warsaw(2026, 10, 1, 9, 0), dur("1 months"), WAW) == utc(2026, 10, 31, 23, 0)


def test_hours_are_exact_elapsed_time_even_across_dst() -> None:
    start = warsaw(2026, 3, 28, 12, 0)
    assert deadline_at(start, dur("36 hours"), WAW) == start + timedelta(hours=36)
    assert ends_at(start, dur("36 hours"), WAW) == start + timedelta(hours=36)
    assert after(start, dur("36 hours"), WAW) == start + timedelta(hours=36)
    with pytest.raises(ValueError):
        add_to_date(date(2026, 3, 28), dur("36 hours"))


def test_after_keeps_the_local_time_of_day_across_dst() -> None:
    # a reminder at local midnight Fri 27 Mar (CET), repeated 2 working days later: Tue 31 Mar
    # 00:00 CEST, which is 4 days minus an hour later
    moment = warsaw(2026, 3, 27, 0, 0).astimezone(UTC)
    later = after(moment, dur("2 working_days"), WAW)
    assert later.astimezone(WAW_TZ) == warsaw(2026, 3, 31, 0, 0)
    assert later - moment == timedelta(days=4, hours=-1)
    assert later.utcoffset() == timedelta(0)


def test_results_are_utc() -> None:
    start = warsaw(2026, 7, 1, 8, 0)
    for fn in (deadline_at, ends_at, after):
        result = fn(start, dur("3 days"), WAW)
        assert result.utcoffset() == timedelta(0)


def test_another_time_zone_is_honoured() -> None:
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert deadline_at(start, dur("1 day"), "UTC") == utc(2026, 3, 4, 0, 0)
    assert deadline_at(start, dur("1 day"), "America/New_York") == datetime(2026, 3, 4, 5, 0, tzinfo=UTC)


units = st.sampled_from(["days", "weeks", "months", "working_days"])
moments = st.datetimes(datetime(2000, 1, 1), datetime(2090, 1, 1), timezones=st.just(UTC))


@settings(max_examples=200, deadline=None)
@given(moments, st.integers(1, 60), units)
def test_due_date_is_the_inverse_of_deadline_at(start: datetime, amount: int, unit: str) -> None:
    d = Duration(amount=amount, unit=unit)  # type: ignore[arg-type]
    deadline = deadline_at(start, d, WAW)
    expected_due = add_to_date(local_date(start, WAW), d)
    assert due_date(deadline, WAW) == expected_due
    # the deadline is local midnight starting the day after the due date
    local = deadline.astimezone(WAW_TZ)
    assert (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)
    assert local.date() == expected_due + timedelta(days=1)
    # met just before it, missed at it
    assert local_date(deadline - timedelta(microseconds=1), WAW) == expected_due
    assert local_date(deadline, WAW) > expected_due
    # a fixed duration of the same length ends a day earlier than the deadline
    assert ends_at(start, d, WAW).astimezone(WAW_TZ).date() == expected_due
    assert deadline > start


def test_module_reads_no_clock() -> None:
    source = open(cal.__file__, encoding="utf-8").read()
    for forbidden in ("datetime.now", "date.today", "time.time(", "utcnow"):
        assert forbidden not in source
