"""What every table uses: the clock, aware UTC datetimes, and the vocabularies of its columns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, Dialect, types
from sqlalchemy.sql.operators import OperatorType

from pathway.core.events import REMINDER_KINDS as REMINDER_KINDS  # the deliveries' kinds, named in the core

CASE_STATUSES = ("opening", "active", "paused", "closed")
SECTORS = ("public", "non_public", "private")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(types.TypeDecorator[datetime]):
    """A datetime that goes in aware, is stored as UTC and comes out aware UTC.

    SQLite keeps no offset, so it gets one canonical offset-less UTC text; that also keeps
    its text comparisons (``stage_due_at < :now``) in time order. PostgreSQL gets
    ``timestamptz``."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def coerce_compared_value(self, op: OperatorType | None, value: Any) -> types.TypeEngine[Any]:
        # ``column + timedelta`` must not be bound as a datetime.
        if isinstance(value, timedelta):
            return types.Interval()
        return self

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.utcoffset() is None:
            raise ValueError("naive datetime refused: the store keeps aware UTC datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
