"""Whole days between two local dates, in SQL, on both stores: the stalled audit's days
overdue (``pathway.core.overdue.days_overdue``: at least 1) from a stored local due day."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class days_late_fn(FunctionElement[int]):  # noqa: N801 - used like a SQL function
    """``max(1, today - due_on)`` in days, both ``DATE`` (PostgreSQL) or ISO date text (SQLite)."""

    type = Integer()
    inherit_cache = True
    name = "days_late"


@compiles(days_late_fn, "postgresql")
def _pg(element: days_late_fn, compiler: SQLCompiler, **kw: Any) -> str:
    today, due_on = list(element.clauses)
    return f"GREATEST(1, {compiler.process(today, **kw)} - {compiler.process(due_on, **kw)})"


@compiles(days_late_fn)
def _sqlite(element: days_late_fn, compiler: SQLCompiler, **kw: Any) -> str:
    today, due_on = list(element.clauses)
    today_sql, due_sql = compiler.process(today, **kw), compiler.process(due_on, **kw)
    return f"max(1, CAST(julianday({today_sql}) - julianday({due_sql}) AS INTEGER))"


def days_late(today: date | Any, due_on: Any) -> Any:
    """``max(1, today - due_on)``: the days overdue (``pathway.core.overdue.days_overdue``, at
    least 1) of something due on local day ``due_on``; NULL where ``due_on`` is NULL.
    ``today`` is bound as a date (PostgreSQL: a ``date`` parameter; a text one cast to date
    was cast again for every row, a third of what finishing the rows cost the server): a
    ``date``, or a parameter of type ``Date`` already."""
    return days_late_fn(literal(today, Date()) if isinstance(today, date) else today, due_on)
