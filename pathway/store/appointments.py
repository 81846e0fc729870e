"""The appointments table: written by the projection from the ``appointment_*`` events (each
change only by a later event, so a batch retried out of order never rolls one back); read by
the case's list (``pathway.app.appointments``) and the agenda (``pathway.readmodels.agenda``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, update

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
