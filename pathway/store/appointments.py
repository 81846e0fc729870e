"""The appointments table: written by the projection from the ``appointment_*`` events (each
change only by a later event, so a batch retried out of order never rolls one back), read by
the case view and the agenda."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from pathway.core.events import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentFulfilled,
    AppointmentMissed,
    Event,
)
from pathway.store.db import conflict_insert
from pathway.store.models import Appointment
from pathway.store.tables import table_of

_APPOINTMENTS = table_of(Appointment)


def project_appointments(conn: Connection, case_id: str, events: Sequence[Event]) -> None:
    a = _APPOINTMENTS.c
    for e in events:
        if isinstance(e, AppointmentBooked):
            values: dict[str, Any] = {
                "at": e.appointment_at,
                "kind": e.visit_kind,
                "status": "booked",
                "late": e.late,
                "updated_seq": e.seq,
            }
            insert = conflict_insert(conn, _APPOINTMENTS).values(
                id=e.appointment_id, case_id=case_id, seq=e.seq, booked_by=e.actor, booked_at=e.at, **values
            )
            conn.execute(
                insert.on_conflict_do_update(
                    index_elements=["id"], set_=values, where=_APPOINTMENTS.c.updated_seq < e.seq
                )
            )
            continue
        if isinstance(e, AppointmentCancelled):
            values = {"status": "cancelled"}
        elif isinstance(e, AppointmentMissed):
            values = {"status": "missed"}
        elif isinstance(e, AppointmentFulfilled):
            values = {"status": "fulfilled", "visit_seq": e.visit_seq}
        else:
            continue
        conn.execute(
            update(_APPOINTMENTS)
            .where(a.id == e.appointment_id, a.case_id == case_id, a.updated_seq < e.seq)
            .values(updated_seq=e.seq, **values)
        )


def booked(
    conn: Connection, *, case_ids: Sequence[str] | None = None, until: datetime | None = None
) -> list[Appointment]:
    """The visits still booked (of these cases, up to ``until``), the earliest first."""
    a = _APPOINTMENTS.c
    stmt = select(_APPOINTMENTS).where(a.status == "booked")
    if case_ids is not None:
        stmt = stmt.where(a.case_id.in_(list(case_ids)))
    if until is not None:
        stmt = stmt.where(a.at < until)
    return [Appointment.model_validate(dict(row._mapping)) for row in conn.execute(stmt.order_by(a.at, a.id))]
