"""Whole days between two local dates, in SQL, on both stores: the stalled audit's days
overdue (``pathway.core.overdue.days_overdue``: at least 1) from a stored local due day."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Integer, case, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class days_between(FunctionElement[int]):  # noqa: N801 - used like a SQL function
    """``later - earlier`` in days, both ``DATE`` (PostgreSQL) or ISO date text (SQLite)."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between, "postgresql")
def _pg(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"(CAST({compiler.process(later, **kw)} AS DATE) - {compiler.process(earlier, **kw)})"


@compiles(days_between)
def _sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"CAST(julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)}) AS INTEGER)"


def days_late(today: date, due_on: Any) -> Any:
    """``max(1, today - due_on)``: the days overdue of something due on local day ``due_on``
    (NULL where ``due_on`` is NULL). ``today`` is bound as ISO text, which both stores read
    as a date."""
    days = days_between(literal(today.isoformat()), due_on)
    return case((days > 1, days), else_=literal(1))
