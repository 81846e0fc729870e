"""What each definition allows before a case counts as stalled, the calendar arithmetic of
those limits, and what the projection stores of them so the audit's rows come back from
SQL finished (``audit_columns``).

Durations are calendar- and working-day aware, so "21 days after the last activity" cannot be
written as ``last_activity_at < now - interval`` in SQL. Instead, for each definition and
rule, the clock values already past their limit are found in Python (``past_limit``: a few
half-open ranges of the clock column): each branch of the audit's one statement is a range
scan of an index.

The *answers* (a row's ``since`` and days overdue) need the case's local days, which SQLite
cannot compute (no time zones). So the projection stores them with the case
(``audit_columns``, migration ``0012_audit_days``): the local day each due moment falls due
on (``overdue.due_on``), and for inactivity and pauses the moment their limit ends
(``after``) and its day, each with the limit and zone it was computed for. The audit uses a
stored answer only where that limit and zone are the ones it applies; anywhere else (a store
not yet filled, a limit the catalog changed since, ``--inactive-days``) it computes the row in
Python as before: the same numbers either way (tests/unit/test_audit_days.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from pathway.core import calendar as cal
from pathway.core import overdue
from pathway.core.calendar import Duration
from pathway.core.definition import Definition, Escalation, PausePolicy

DEFAULT_TZ = "Europe/Warsaw"
_DEFAULTS = Definition.model_fields


def aware(value: datetime, name: str) -> datetime:
    if value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value


@dataclass(frozen=True)
class Limits:
    """What one definition allows before a case counts as stalled."""

    visit_grace: Duration
    inactivity: Duration
    pause_max: Duration
    tz: str

    @classmethod
    def of(cls, definition: Definition) -> Limits:
        return cls(
            definition.escalation.escalate_after, definition.inactivity_alert, definition.pause.max, definition.timezone
        )

    @classmethod
    def default(cls) -> Limits:
        """For a case whose definition is not in the catalog: the definition model's defaults."""
        return cls(Escalation().escalate_after, _DEFAULTS["inactivity_alert"].default, PausePolicy().max, DEFAULT_TZ)


def limits_for(definitions: Mapping[str, Definition], definition_id: str) -> Limits:
    """The limits the audit applies to a case of ``definition_id`` given these definitions."""
    definition = definitions.get(definition_id)
    return Limits.of(definition) if definition is not None else Limits.default()


# ---------------------------------------------------------------- calendar arithmetic, inverted
@lru_cache(maxsize=65_536)
def _shifted(day: date, duration: Duration) -> date:
    return cal.add_to_date(day, duration)


def after(moment: datetime, duration: Duration, tz: str) -> datetime:
    """``calendar.after`` with the date shift cached: the audit computes it per stalled row."""
    if duration.unit == "hours":
        return moment + timedelta(hours=duration.amount)
    local = moment.astimezone(cal.zone(tz))
    day = _shifted(local.date(), duration)
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=cal.zone(tz)).astimezone(UTC)


def _span_bound(duration: Duration) -> timedelta:
    """More than the longest calendar time ``duration`` can take."""
    per_unit = {
        "hours": timedelta(hours=1),
        "days": timedelta(days=1),
        "weeks": timedelta(weeks=1),
        "months": timedelta(days=31),
        "working_days": timedelta(days=3),
    }[duration.unit]
    return per_unit * duration.amount + timedelta(days=15)


def _first_day(lo: date, hi: date, ok: Any) -> date:
    """The first day in [lo, hi] where the monotone predicate ``ok`` holds (hi if none before)."""
    while lo < hi:
        mid = lo + (hi - lo) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid + timedelta(days=1)
    return lo


Range = tuple[datetime | None, datetime]


def past_limit(now: datetime, duration: Duration, tz: str) -> list[Range]:
    """The clock values ``s`` with ``after(s, duration) < now`` (the limit has run out), as
    half-open UTC ranges ``[lo, hi)`` (``lo`` None: from the beginning of time).

    ``after`` keeps the local time of day and shifts the local date monotonically, but several
    dates can shift to the same one (Friday, Saturday and Sunday + 5 working days are all the
    same Friday): on those days only the hours before ``now``'s local time have run out. So
    the answer is one open range up to the first such day, then a slice of each such day.
    (A limit ending at a wall-clock time that does not exist - 02:30 on the night the clocks
    go forward - counts as run out from 03:00.)"""
    aware(now, "now")
    if duration.unit == "hours":
        return [(None, now - timedelta(hours=duration.amount))]
    zone = cal.zone(tz)
    local_now = now.astimezone(zone)
    today, clock = local_now.date(), local_now.timetz().replace(tzinfo=None)
    earliest = today - _span_bound(duration)
    first_today = _first_day(earliest, today, lambda d: _shifted(d, duration) >= today)
    first_after = _first_day(first_today, today, lambda d: _shifted(d, duration) > today)

    def at(day: date, t: time = time(0, 0)) -> datetime:
        return datetime.combine(day, t, tzinfo=zone).astimezone(UTC)

    ranges: list[Range] = [(None, at(first_today))]
    day = first_today
    while day < first_after:
        ranges.append((at(day), at(day, clock)))
        day += timedelta(days=1)
    return ranges


# ---------------------------------------------------------------- what the projection stores
def limit_key(duration: Duration, tz: str) -> str:
    """The limit and zone a stored answer was computed for, e.g. ``21 days Europe/Warsaw``."""
    return f"{duration} {tz}"


AUDIT_COLUMNS = (
    "due_zone",
    "stage_due_on",
    "next_visit_due_on",
    "inactive_limit",
    "inactive_since",
    "inactive_since_on",
    "pause_limit",
    "pause_ends_at",
    "pause_ends_on",
)


def audit_columns(clocks: Mapping[str, Any], limits: Limits) -> dict[str, Any]:
    """The audit's stored answers for a case row whose clocks are ``clocks`` (the row's
    ``stage_due_at``, ``next_visit_due_at``, ``last_activity_at``, ``paused_at``: aware
    datetimes or None), under the limits of its definition. The days are
    ``pathway.core.overdue.due_on`` of each moment in the definition's zone."""
    tz = limits.tz

    def day_of(moment: datetime | None) -> date | None:
        return None if moment is None else overdue.due_on(moment, tz)

    def ends(moment: datetime | None, duration: Duration) -> datetime | None:
        return None if moment is None else after(moment, duration, tz)

    inactive = ends(clocks.get("last_activity_at"), limits.inactivity)
    pause = ends(clocks.get("paused_at"), limits.pause_max)
    return {
        "due_zone": tz,
        "stage_due_on": day_of(clocks.get("stage_due_at")),
        "next_visit_due_on": day_of(clocks.get("next_visit_due_at")),
        "inactive_limit": limit_key(limits.inactivity, tz),
        "inactive_since": inactive,
        "inactive_since_on": day_of(inactive),
        "pause_limit": limit_key(limits.pause_max, tz),
        "pause_ends_at": pause,
        "pause_ends_on": day_of(pause),
    }
