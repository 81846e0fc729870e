"""The SQLAlchemy ``Table`` behind a SQLModel class, for statements in SQLAlchemy Core.

SQLModel sets ``__table__`` on each table class at runtime but does not declare it to type
checkers; this is the one place that says so."""

from __future__ import annotations

from sqlalchemy import Table
from sqlmodel import SQLModel


def table_of(model: type[SQLModel]) -> Table:
    table = model.__table__  # type: ignore[attr-defined]
    if not isinstance(table, Table):  # pragma: no cover - SQLModel always sets one
        raise TypeError(f"{model.__name__} is not a table model")
    return table
