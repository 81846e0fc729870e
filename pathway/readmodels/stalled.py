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
few half-open ranges of the clock column) and the whole audit is ONE statement: a UNION ALL
of indexed range scans, one branch per (rule, definition; the plan rules one per grace).
It is built and compiled once per shape (``stalled_ask``: the limits, the rule, the filters
set, how many ranges each limit makes today) and kept (``prepared``): a repeated audit only
binds its values.
Only the rows that break a rule come back, and they come back finished: their ``since`` and
days overdue (``pathway.core.overdue``, the case page's number) computed by the database from
what the projection stored with each case (``stalled_limits.audit_columns``: the local due
days, when the inactivity and pause limits end), where it was stored for the very limit and
zone the audit applies (``stalled_answers``, ``stalled_finish``); PostgreSQL also weighs
them (score, severity) and sorts them, on SQLite the audit does (cheaper than SQLite's
sorter: ``stalled_finish.finished_statement``). A row without fitting stored answers (a store not
yet filled after upgrading, a limit changed since, ``inactive_days``) is computed here, with
the same numbers (``LocalDays``), and the rows sorted again: tests/unit/test_audit_days.py
holds both ways equal to the core's, on SQLite and PostgreSQL.

A second source, ``pathway.app.stalled_visibility``, answers ``stage_overdue`` from Temporal's
visibility (``StageDueAt <= now``); the two must agree (tests/integration/test_audit_visibility.py).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlmodel import Session

from pathway.core import overdue
from pathway.core.calendar import Duration
from pathway.core.definition import Definition
from pathway.readmodels.local_days import LocalDays
from pathway.readmodels.prepared import Prepared, PreparedCache
from pathway.readmodels.stalled_ask import AuditAsk, audit_ask
from pathway.readmodels.stalled_finish import DAYS, UTC_SUFFIX
from pathway.readmodels.stalled_limits import DEFAULT_TZ, Limits, Range, _shifted, after, aware, past_limit
from pathway.readmodels.stalled_statement import Meaning, audit_union

__all__ = ["DEFAULT_TZ", "Limits", "Range", "_shifted", "after", "past_limit"]

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

_aware = aware
# The audit's statements by shape (definitions' limits, rule, filters set, ranges a limit):
# a few per catalog and day; one day's shapes differ from the next's only where a limit's
# ranges do.
_PREPARED = PreparedCache(64)


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
    with _no_collection_pauses():
        ask = _ask(now, definitions, unit_id, coordinator_id, definition_id, rule, inactive_days)
        return _stalled(session, now, definitions, ask)


def _stalled(
    session: Session, now: datetime, definitions: Mapping[str, Definition] | None, ask: AuditAsk
) -> list[StalledRow]:
    connection = session.connection()
    dialect = connection.dialect

    def prepare() -> Prepared:
        statement, meaning = _statement(dialect.name, ask)
        return Prepared(statement, dialect, ask.values, meaning)

    # Built and compiled once per shape; a repeated audit only binds its values.
    prepared = _PREPARED.get((dialect.name, dialect.driver, ask.key), prepare)
    result = connection.exec_driver_sql(prepared.sql, prepared.parameters(ask.values))
    found = result.cursor.fetchall()  # the driver's rows: no SQLAlchemy Row a row
    result.close()
    meaning = prepared.meaning
    return _finish(found, meaning, now, dict(definitions or {}), weighed=dialect.name == "postgresql")


@contextmanager
def _no_collection_pauses() -> Iterator[None]:
    """The cyclic garbage collector off while the statement is built (thousands of SQLAlchemy
    objects) and the rows are made (tens of thousands of tuples, none of them garbage): each
    few hundred new container objects set off a collection, and the full ones walk the
    process's whole heap. Measured on PostgreSQL, 24,449 rows: 149 ms of CPU with the
    collector on, 43 ms off. Nothing is lost: it runs again after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def audit_statement(
    dialect: str,
    *,
    now: datetime,
    definitions: Mapping[str, Definition] | None = None,
    unit_id: str | None = None,
    coordinator_id: str | None = None,
    definition_id: str | None = None,
    rule: str | None = None,
    inactive_days: int | None = None,
    bare: bool = False,
) -> tuple[Any, list[tuple[str, Duration | None, str]]]:
    """The audit's one statement and what each of its branches means (rule, limit, zone).
    ``bare``: the same stalled rows as stored, nothing computed nor sorted (the benchmark's
    baseline). Its values are bound parameters named as ``stalled_ask`` names them."""
    ask = _ask(now, definitions, unit_id, coordinator_id, definition_id, rule, inactive_days)
    return _statement(dialect, ask, bare=bare)


def _ask(
    now: datetime,
    definitions: Mapping[str, Definition] | None,
    unit_id: str | None,
    coordinator_id: str | None,
    definition_id: str | None,
    rule: str | None,
    inactive_days: int | None,
) -> AuditAsk:
    _aware(now, "now")
    check_rule(rule)
    if inactive_days is not None and inactive_days < 1:
        raise ValueError("inactive_days must be at least 1")
    return audit_ask(
        now,
        definitions or {},
        unit_id=unit_id,
        coordinator_id=coordinator_id,
        definition_id=definition_id,
        rule=rule,
        inactive_days=inactive_days,
    )


def _statement(dialect: str, ask: AuditAsk, *, bare: bool = False) -> tuple[Any, Meaning]:
    return audit_union(dialect, ask, RULE_WEIGHT, high=_HIGH, medium=_MEDIUM, bare=bare)


def _finish(
    found: Sequence[Any], meaning: Meaning, now: datetime, definitions: dict[str, Any], *, weighed: bool
) -> list[StalledRow]:
    """The statement's rows as StalledRows. ``weighed``: weighed and sorted by the database
    (PostgreSQL); if not, the branches' rows as they come (SQLite), weighed and sorted here.
    Where a row has no answers, they are computed here (``LocalDays``: the same numbers) and
    the rows sorted again."""
    # ``tuple.__new__(StalledRow, values)`` is what ``StalledRow._make`` and ``StalledRow(...)``
    # do, without their Python frame a row (a third of making the rows).
    new, fromiso, row_type = tuple.__new__, datetime.fromisoformat, StalledRow
    make = StalledRow._make
    if not weighed:
        # Two passes in C (no Python frame a row): every row has its days, and SQLite's UTC text.
        if None not in map(_DAYS_OF, found) and set(map(len, map(_SINCE_OF, found))) <= {_SQLITE_TEXT}:
            # SQLite's UTC text with its offset: ``fromisoformat`` gives an aware UTC datetime
            # in one step. The severity as ``severity`` labels the score (inline: a call a row
            # cost as much as the rest of the row).
            high, medium, utc = _HIGH, _MEDIUM, UTC_SUFFIX
            return sort_rows(
                [
                    new(
                        row_type,
                        (
                            c,
                            r,
                            fromiso(s + utc),
                            co,
                            st,
                            d,
                            de,
                            "high" if (sc := w * d) >= high else "medium" if sc >= medium else "low",
                            sc,
                            u,
                        ),
                    )
                    for c, r, s, co, st, d, de, u, w, _branch, _started in found
                ]
            )
        found = [
            (c, r, s, co, st, d, de, *((None, None) if d is None else severity(r, d)), u, b, started)
            for c, r, s, co, st, d, de, u, _w, b, started in found
        ]
    elif not any(row[DAYS] is None for row in found):
        if not found or found[0][2].__class__ is datetime and found[0][2].tzinfo is UTC:
            return [new(row_type, row[:10]) for row in found]  # PostgreSQL in a UTC session
        return [make((*row[:2], _utc(row[2]), *row[3:10])) for row in found]
    # Rows the store holds no answers for: without a time-zone conversion a row, each zone's
    # local days are laid out once (``LocalDays``: the same answers as calendar.after and
    # overdue.days_overdue), and what each branch's rows need is looked up once per branch.
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
    out: list[StalledRow] = []
    for row in found:
        if row[DAYS] is not None:
            out.append(make((*row[:2], _utc(row[2]), *row[3:10])))
            continue
        case_id, _rule, since, coordinator, stage, _days, definition, _sev, _score, unit, number, started = row
        name, shift, days_of, by_definition = plans[number]
        started = _utc(since if started is None else started)  # None: the clock is ``since``
        if by_definition:
            days_of = stage_days.get(definition, days_of)
        since = started if shift is None else days_of.after(started, shift)
        days = days_of.late_days(since)
        label, score = severity(name, days)
        out.append(StalledRow(case_id, name, since, coordinator, stage, days, definition, label, score, unit))
    return sort_rows(out)


# SQLite's stored UTC text (``2026-05-04 12:00:00.000000``).
_SQLITE_TEXT = 26
_DAYS_OF, _SINCE_OF = itemgetter(DAYS), itemgetter(2)


def _utc(started: Any) -> datetime:
    if started.__class__ is str and len(started) <= 26:  # SQLite's stored UTC text
        return datetime.fromisoformat(started).replace(tzinfo=UTC)
    if started.__class__ is str and started.endswith(UTC_SUFFIX):  # the same, with its offset
        return datetime.fromisoformat(started)
    if started.__class__ is datetime and started.tzinfo in _UTC_ZONES:  # PostgreSQL's, in UTC
        return started.replace(tzinfo=UTC)
    return as_utc(started)


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
