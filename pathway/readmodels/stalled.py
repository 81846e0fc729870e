"""The stalled-pathway audit: which open cases are stuck, by which rule, since when.

Six rules, each with the limit its case's definition sets:

- ``stage_overdue``: past the stage's deadline (``stage_due_at``, set by the workflow);
- ``visit_overdue``: the next visit is overdue by more than the grace the definition gives
  before a supervisor is told (``escalation.escalate_after``, counted like the workflow's
  escalation: ``calendar.after``); overdue *since the visit was due*, as the case says;
- ``inactive``: nothing recorded on the case for the definition's ``inactivity_alert`` (or a
  number of days the caller asks for);
- ``paused_too_long``: paused for longer than the definition's ``pause.max``;
- ``action_overdue``: an action of the case's plan is overdue past the same grace as a visit
  (the supervisor is told then); one row per case, since its earliest late action;
- ``review_overdue``: the plan's review (a definition's ``plan.review_every``) is overdue past
  the same grace; since the review was due (``pathway.core.plan.review_due_at``).

Durations are calendar- and working-day aware, so "21 days after the last activity" cannot be
written as ``last_activity_at < now - interval`` in SQL. Instead, for each definition and
rule, the clock values already past their limit are found in Python (``past_limit``: a
few half-open ranges of the clock column) and the whole
audit is ONE statement: a UNION ALL of indexed range scans, one branch per (rule,
definition). Only the rows that break a rule come back; their ``since`` is computed from
the same duration, with the calendar shift cached per local date, and their days overdue
by ``pathway.core.overdue`` (the case page's number).

A second source, ``pathway.app.stalled_visibility``, answers ``stage_overdue`` from Temporal's
visibility (``StageDueAt <= now``); the two must agree (tests/integration/test_audit_visibility.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from operator import attrgetter
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, literal, or_, type_coerce, union_all
from sqlalchemy import select as core_select
from sqlalchemy.types import NullType
from sqlmodel import Session, col

from pathway.core import calendar as cal
from pathway.core import overdue
from pathway.core.calendar import Duration
from pathway.core.definition import Definition, Escalation, PausePolicy
from pathway.readmodels.local_days import LocalDays
from pathway.readmodels.stalled_plan import PLAN_RULES
from pathway.store.models import Case

RULES = ("stage_overdue", "visit_overdue", "inactive", "paused_too_long", "action_overdue", "review_overdue")
# How much a day past the limit weighs: an unvisited client (the pathway serves people who
# experience violence) comes first, a case forgotten on pause last.
RULE_WEIGHT = {
    "visit_overdue": 3,
    "action_overdue": 2,
    "review_overdue": 2,
    "stage_overdue": 2,
    "inactive": 2,
    "paused_too_long": 1,
}
SEVERITIES = ("high", "medium", "low")
_HIGH, _MEDIUM = 30, 10  # weighted days

DEFAULT_TZ = "Europe/Warsaw"
_INSTANT = timedelta(microseconds=1)
_DEFAULTS = Definition.model_fields


def _aware(value: datetime, name: str) -> datetime:
    if value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value


class StalledRow(NamedTuple):
    """One broken rule of one case (immutable; a named tuple, as cheap to make as a tuple:
    the audit makes one per stalled row). ``since`` is when the case became late (the stage's or
    the visit's due moment; the limit's end for inactivity and pauses); ``days_overdue`` is
    ``pathway.core.overdue.days_overdue(since)``, the same number the case shows."""

    case_id: str
    rule: str
    since: datetime
    coordinator: str
    stage: str
    days_overdue: int
    definition: str
    severity: str
    score: int
    unit_id: str


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
    _aware(now, "now")
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


# ---------------------------------------------------------------- the audit on the store
def severity(rule: str, days_overdue: int) -> tuple[str, int]:
    """(label, score): the score sorts the audit; the label is for people and is never
    shown by colour alone."""
    score = RULE_WEIGHT[rule] * days_overdue
    return ("high" if score >= _HIGH else "medium" if score >= _MEDIUM else "low"), score


def stalled_row(
    case_id: str,
    rule: str,
    since: datetime,
    now: datetime,
    tz: str,
    coordinator: str,
    stage: str,
    definition: str,
    unit: str,
) -> StalledRow:
    days = overdue.days_overdue(since, now, tz) or 1
    label, score = severity(rule, days)
    return StalledRow(case_id, rule, since, coordinator, stage, days, definition, label, score, unit)


def sort_rows(rows: list[StalledRow]) -> list[StalledRow]:
    """Highest score first, then the longest late, then by case and rule: two stable sorts
    with C-level keys (a Python key function a row cost as much as the rest of its work)."""
    rows.sort(key=_BY_SINCE)
    rows.sort(key=_BY_SCORE, reverse=True)  # reverse keeps equal scores in their order
    return rows


_BY_SINCE = attrgetter("since", "case_id", "rule")
_BY_SCORE = attrgetter("score")


def check_rule(rule: str | None) -> None:
    if rule is not None and rule not in RULES:
        raise ValueError(f"unknown rule '{rule}'; rules: {', '.join(RULES)}")


def stalled(
    session: Session,
    *,
    now: datetime,
    definitions: Mapping[str, Definition] | None = None,
    unit_id: str | None = None,
    coordinator_id: str | None = None,
    definition_id: str | None = None,
    rule: str | None = None,
    inactive_days: int | None = None,
) -> list[StalledRow]:
    """Cases breaking a rule at ``now``, most severe first; a case breaking two rules appears
    once per rule. ``definitions`` (id -> definition, e.g. the catalog's) gives each case its
    own limits; a case of a definition not given gets the defaults. ``inactive_days``
    replaces every definition's ``inactivity_alert``."""
    _aware(now, "now")
    check_rule(rule)
    if inactive_days is not None and inactive_days < 1:
        raise ValueError("inactive_days must be at least 1")
    definitions = dict(definitions or {})
    filters: list[ColumnElement[bool]] = []
    if unit_id is not None:
        filters.append(col(Case.unit_id) == unit_id)
    if coordinator_id is not None:
        filters.append(col(Case.coordinator_id) == coordinator_id)
    if definition_id is not None:
        filters.append(col(Case.definition_id) == definition_id)

    # Groups of cases sharing limits: each known definition, then everyone else.
    known = sorted(d for d in definitions if definition_id in (None, d))
    groups: list[tuple[ColumnElement[bool] | None, Limits]] = [
        (col(Case.definition_id) == d, Limits.of(definitions[d])) for d in known
    ]
    if definition_id is None or definition_id not in definitions:
        groups.append((col(Case.definition_id).not_in(known) if known else None, Limits.default()))

    # branch number -> (rule, duration or None, tz); the branch number travels with each row.
    branches: list[Any] = []
    meaning: list[tuple[str, Duration | None, str]] = []

    def branch(
        name: str,
        status: str,
        clock: Any,
        ranges: list[Range],
        duration: Duration | None,
        tz: str,
        group: ColumnElement[bool] | None,
    ) -> None:
        within = [col(clock) < hi if lo is None else and_(col(clock) >= lo, col(clock) < hi) for lo, hi in ranges]
        where = [col(Case.status) == status, within[0] if len(within) == 1 else or_(*within), *filters]
        if group is not None:
            where.append(group)
        branches.append(
            core_select(
                literal(len(meaning)).label("branch"),
                col(Case.id),
                # As the driver gives it (SQLite: the stored text; parsed by ``as_utc`` with
                # fromisoformat): the column type's per-row converter cost more than the rest of
                # the row's work.
                type_coerce(clock, NullType()).label("started"),
                col(Case.coordinator_id),
                col(Case.stage),
                col(Case.definition_id),
                col(Case.unit_id),
            ).where(and_(*where))
        )
        meaning.append((name, duration, tz))

    if rule in (None, "stage_overdue"):
        # Due AT now is overdue (``overdue.is_overdue``: the reminder fires then), so the
        # range ends just after now (as Temporal's ``StageDueAt <= now``).
        branch("stage_overdue", "active", Case.stage_due_at, [(None, now + _INSTANT)], None, DEFAULT_TZ, None)
    for group, limits in groups:
        if rule in (None, "visit_overdue"):
            branch(
                "visit_overdue",
                "active",
                Case.next_visit_due_at,
                past_limit(now, limits.visit_grace, limits.tz),
                limits.visit_grace,
                limits.tz,
                group,
            )
        if rule in (None, "paused_too_long"):
            branch(
                "paused_too_long",
                "paused",
                Case.paused_at,
                past_limit(now, limits.pause_max, limits.tz),
                limits.pause_max,
                limits.tz,
                group,
            )
    for name, late in PLAN_RULES.items():
        if rule not in (None, name):
            continue
        for group, limits in groups:
            ranges = past_limit(now, limits.visit_grace, limits.tz)
            branches.append(late(len(meaning), ranges, [*filters, *([group] if group is not None else [])]))
            meaning.append((name, limits.visit_grace, limits.tz))
    if rule in (None, "inactive"):
        if inactive_days is not None:
            fixed = Duration(amount=inactive_days, unit="days")
            branch(
                "inactive", "active", Case.last_activity_at, past_limit(now, fixed, DEFAULT_TZ), fixed, DEFAULT_TZ, None
            )
        else:
            for group, limits in groups:
                branch(
                    "inactive",
                    "active",
                    Case.last_activity_at,
                    past_limit(now, limits.inactivity, limits.tz),
                    limits.inactivity,
                    limits.tz,
                    group,
                )

    out: list[StalledRow] = []
    # (union_all's overloads over a list of Any crash mypy's type expansion: typed as Any.)
    combine: Any = union_all
    statement = branches[0] if len(branches) == 1 else combine(*branches)
    # The per-row work, without a time-zone conversion a row: each zone's local days are laid
    # out once (``LocalDays``: the same answers as calendar.after and overdue.days_overdue),
    # and what each branch's rows need is looked up once per branch, not per row.
    zones: dict[str, LocalDays] = {}

    def local(tz: str) -> LocalDays:
        if tz not in zones:
            zones[tz] = LocalDays(now, tz)
        return zones[tz]

    stage_days = {d: local(definitions[d].timezone) for d in definitions}
    plans = [
        # A visit (an action) is late from its due moment on; the grace only decides when it is listed.
        (name, None if duration is None or name in _LATE_FROM_DUE else duration, local(tz), name == "stage_overdue")
        for name, duration, tz in meaning
    ]
    fromiso = datetime.fromisoformat
    found = session.connection().execute(statement).all()  # one fetchall, not a fetch per row
    for number, case_id, started, coordinator, stage, definition, unit in found:
        name, shift, days_of, by_definition = plans[number]
        if started.__class__ is str and len(started) <= 26:  # SQLite's stored UTC text
            started = fromiso(started).replace(tzinfo=UTC)
        elif started.__class__ is datetime and started.tzinfo in _UTC_ZONES:  # PostgreSQL's, in UTC
            started = started.replace(tzinfo=UTC)
        else:
            started = as_utc(started)
        if by_definition:
            days_of = stage_days.get(definition, days_of)
        since = started if shift is None else days_of.after(started, shift)
        days = days_of.late_days(since)
        label, score = severity(name, days)
        out.append(StalledRow(case_id, name, since, coordinator, stage, days, definition, label, score, unit))
    return sort_rows(out)


def as_utc(value: datetime | str) -> datetime:
    # In a UNION the column type is lost on SQLite: the stored text comes back as it is.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.utcoffset() is None else value.astimezone(UTC)


# Zones that are UTC all year, as drivers name it (psycopg: the session's ZoneInfo("Etc/UTC")).
_UTC_ZONES = frozenset({UTC, ZoneInfo("UTC"), ZoneInfo("Etc/UTC")})

# Late from their due moment on (the grace only decides when the row is listed).
_LATE_FROM_DUE = ("visit_overdue", "action_overdue", "review_overdue")

# Answered by Temporal's visibility too (pathway.app.stalled_visibility).
TEMPORAL_RULES = ("stage_overdue",)


def rows_as_dicts(rows: Sequence[StalledRow]) -> list[dict[str, Any]]:
    return [
        {
            "case_id": r.case_id,
            "rule": r.rule,
            "since": r.since,
            "coordinator": r.coordinator,
            "stage": r.stage,
            "days_overdue": r.days_overdue,
            "definition": r.definition,
            "severity": r.severity,
            "unit": r.unit_id,
        }
        for r in rows
    ]
