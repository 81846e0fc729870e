"""What falls due for a person by a given day: stage deadlines and visits of their active
cases, the late ones first. The morning digest reads today's; "my week" reads seven days.

Read from the projection (``cases.stage_due_at`` and ``next_visit_due_at``); the due date a
person reads and the days late come from ``pathway.core.overdue`` like everywhere else."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, or_, select

from pathway.core import calendar as cal
from pathway.core.overdue import days_overdue, due_on
from pathway.store.models import Case
from pathway.store.tables import table_of

_CASES = table_of(Case)


@dataclass(frozen=True, slots=True)
class AgendaItem:
    case_id: str
    coordinator_id: str
    definition_id: str
    stage: str
    what: str  # stage_deadline | visit
    due_at: datetime
    due_on: date  # the last day still on time
    days_overdue: int | None  # None while still on time


def agenda(
    conn: Connection,
    *,
    coordinator_ids: Sequence[str],
    last_day: date,
    now: datetime,
    tz: str,
) -> list[AgendaItem]:
    """Everything of the coordinators' active cases due on or before ``last_day``: the
    overdue first (the longest late first), then by due date."""
    limit = cal.end_of_day(last_day, tz)  # due_on <= last_day  <=>  due_at <= the midnight after it
    c = _CASES.c
    stmt = select(c.id, c.coordinator_id, c.definition_id, c.stage, c.stage_due_at, c.next_visit_due_at).where(
        c.status == "active",
        c.coordinator_id.in_(list(coordinator_ids)),
        or_(c.stage_due_at <= limit, c.next_visit_due_at <= limit),
    )
    out: list[AgendaItem] = []
    for case_id, coordinator_id, definition_id, stage, stage_due, visit_due in conn.execute(stmt):
        for what, due_at in (("stage_deadline", stage_due), ("visit", visit_due)):
            if due_at is None or due_at > limit:
                continue
            out.append(
                AgendaItem(
                    case_id=case_id,
                    coordinator_id=coordinator_id,
                    definition_id=definition_id,
                    stage=stage,
                    what=what,
                    due_at=due_at,
                    due_on=due_on(due_at, tz),
                    days_overdue=days_overdue(due_at, now, tz),
                )
            )
    return sorted(out, key=lambda i: (-(i.days_overdue or 0), i.due_at, i.case_id, i.what))
