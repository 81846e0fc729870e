"""The stalled audit's one statement, returning its rows finished and sorted: each branch of
the ``UNION ALL`` (one per rule and definition, ``pathway.readmodels.stalled``) gives a row's
``since`` and days overdue from what the projection stored with the case
(``pathway.readmodels.stalled_limits.audit_columns``), or NULL where nothing fitting is stored
(then the audit computes that row itself); the outer query weighs the days into the score
and the severity and sorts the rows as the audit lists them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import DateTime, Integer, case, cast, literal, null, type_coerce, union_all
from sqlalchemy import select as core_select
from sqlalchemy.types import NullType
from sqlmodel import col

from pathway.store.models import Case

# A row as the statement gives it: the audit's fields in StalledRow's order, then the branch
# it came from and its clock as stored (what the audit needs to finish a row itself).
BRANCH, STARTED, DAYS = 10, 11, 5
# A row of SQLite's statement, the branches' union, as ``columns`` gives it: case_id, rule,
# since (the stored UTC text), coordinator, stage, days, definition, unit, weight, branch, started.
UTC_SUFFIX = "+00:00"
NO_DAYS: Any = cast(null(), Integer)
NO_CLOCK: Any = cast(null(), DateTime(timezone=True))


def columns(number: int, rule: str, weight: int, started: Any, since: Any, days: Any) -> list[Any]:
    """A branch's columns: ``started`` the clock that broke the rule, ``since`` and ``days``
    the finished answers (NULL where the store holds none that fit). ``days`` None: the bare
    SELECT of the same rows (``raw_columns``)."""
    if days is None:
        return raw_columns(number, started)
    return [
        col(Case.id).label("case_id"),
        literal(rule).label("rule"),
        type_coerce_raw(since).label("since"),
        col(Case.coordinator_id).label("coordinator"),
        col(Case.stage).label("stage"),
        days.label("days"),
        col(Case.definition_id).label("definition"),
        col(Case.unit_id).label("unit"),
        literal(weight).label("weight"),
        literal(number).label("branch"),
        # Only where it is not ``since`` already (inactivity, pauses): one value less a row
        # for the database to send and the driver to read.
        (NO_CLOCK if started is since else type_coerce_raw(started)).label("started"),
    ]


def raw_columns(number: int, started: Any) -> list[Any]:
    """The stalled rows as stored, nothing computed: the benchmark's baseline."""
    return [
        literal(number).label("branch"),
        col(Case.id),
        type_coerce_raw(started).label("started"),
        col(Case.coordinator_id),
        col(Case.stage),
        col(Case.definition_id),
        col(Case.unit_id),
    ]


def type_coerce_raw(value: Any) -> Any:
    """As the driver gives it (SQLite: the stored UTC text, parsed by the audit with
    ``fromisoformat``): the column type's per-row converter cost more than the row's work."""
    return type_coerce(value, NullType())


def finished_statement(branches: list[Any], *, high: int, medium: int, postgresql: bool) -> Any:
    """The branches as one statement: the score (the rule's weight times the days), the
    severity, sorted most severe first, then the longest late, then by case and rule (as
    Python orders strings: PostgreSQL compares them byte-wise with ``COLLATE "C"``).

    On SQLite, the branches' union alone (its rows unsorted, with their weight): the audit
    weighs, labels and sorts them (``stalled._finish``). SQLite's sorter writes every row out
    whole and reads it back, through an outer query over the union: that and the score and
    the severity cost it more than the same in Python (the CPU of 24,449 rows, min of 11 at
    load 8-10: 1.57x the bare statement with the rows made, against 1.35-1.49x, ``bench/RESULTS.md``)."""
    combine: Any = union_all  # (its overloads over a list of Any crash mypy's type expansion)
    union = branches[0] if len(branches) == 1 else combine(*branches)
    if not postgresql:
        return union
    stalled = union.subquery("stalled")
    c = stalled.c
    weighted = c.weight * c.days
    score = weighted.label("score")
    severity = case((weighted >= high, literal("high")), (weighted >= medium, literal("medium")), else_=literal("low"))

    def bytewise(text: Any) -> Any:
        return text.collate("C") if postgresql else text

    return core_select(
        c.case_id,
        c.rule,
        c.since,
        c.coordinator,
        c.stage,
        c.days,
        c.definition,
        severity.label("severity"),
        score,
        c.unit,
        c.branch,
        c.started,
    ).order_by(score.desc(), c.since, bytewise(c.case_id), bytewise(c.rule))
