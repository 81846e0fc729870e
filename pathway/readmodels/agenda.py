"""What falls due for a person by a given day: stage deadlines, visits and booked visits
(appointments) of their active cases, the late ones first. The morning digest reads today's;
"my week" reads seven days; the calendar feed eight weeks.

Read from the projection (``cases.stage_due_at``, ``next_visit_due_at`` and the
``appointments`` still booked); the due date a person reads and the days late come from
``pathway.core.overdue`` like everywhere else. A visit booked on or before the day a visit is
due stands for that visit: the due visit is not listed beside it (unless it is already late)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, or_, select

from pathway.core import calendar as cal
from pathway.core.overdue import days_overdue, due_on
from pathway.store.models import Appointment, Case
from pathway.store.tables import table_of

_CASES = table_of(Case)
_APPOINTMENTS = table_of(Appointment)


@dataclass(frozen=True, slots=True)
class AgendaItem:
    case_id: str
    coordinator_id: str
    definition_id: str
    stage: str
    what: str  # stage_deadline | visit | appointment
    due_at: datetime  # an appointment: its booked time
    due_on: date  # the last day still on time; an appointment: its day
    days_overdue: int | None  # None while still on time (and for a booked visit)
    appointment_id: str | None = None
    visit_kind: str | None = None  # an appointment's kind of visit (home, office, ...)


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
    out = _with_appointments(conn, out, coordinator_ids=coordinator_ids, limit=limit, tz=tz)
    return sorted(out, key=lambda i: (-(i.days_overdue or 0), i.due_at, i.case_id, i.what))


def _with_appointments(
    conn: Connection, items: list[AgendaItem], *, coordinator_ids: Sequence[str], limit: datetime, tz: str
) -> list[AgendaItem]:
    c, a = _CASES.c, _APPOINTMENTS.c
    stmt = (
        select(a.id, a.case_id, a.at, a.kind, c.coordinator_id, c.definition_id, c.stage)
        .join(_CASES, c.id == a.case_id)
        .where(
            a.status == "booked",
            a.at < limit,
            c.status == "active",
            c.coordinator_id.in_(list(coordinator_ids)),
        )
    )
    booked = [
        AgendaItem(
            case_id=case_id,
            coordinator_id=coordinator_id,
            definition_id=definition_id,
            stage=stage,
            what="appointment",
            due_at=at,
            due_on=cal.local_date(at, tz),
            days_overdue=None,
            appointment_id=appointment_id,
            visit_kind=kind,
        )
        for appointment_id, case_id, at, kind, coordinator_id, definition_id, stage in conn.execute(stmt)
    ]
    first_booked: dict[str, date] = {}
    for item in booked:
        first_booked[item.case_id] = min(item.due_on, first_booked.get(item.case_id, item.due_on))
    kept = [
        i
        for i in items
        if not (
            i.what == "visit"
            and i.days_overdue is None
            and i.case_id in first_booked
            and first_booked[i.case_id] <= i.due_on
        )
    ]
    return kept + booked
