"""Booked visits (appointments), projected from the ``appointment_*`` events: the week page,
the agenda, the calendar feed and the morning digest read them. Ids, times and codes only."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from pathway.store.models.columns import UTCDateTime

APPOINTMENT_STATUSES = ("booked", "fulfilled", "missed", "cancelled")


class Appointment(SQLModel, table=True):
    __tablename__ = "appointments"

    id: str = Field(primary_key=True)  # the appointment id (also in the workflow's state)
    case_id: str = Field(foreign_key="cases.id", index=True)
    seq: int  # the appointment_booked event that first booked it
    at: datetime = Field(sa_type=UTCDateTime, index=True)  # the booked time
    kind: str  # the kind of visit: home, office, phone, ...
    status: str  # one of APPOINTMENT_STATUSES
    booked_by: str
    booked_at: datetime = Field(sa_type=UTCDateTime)
    late: bool = False  # booked after the visit cadence's last day on time (inside the grace)
    visit_seq: int | None = None  # the visit that fulfilled it
    updated_seq: int = 0  # the latest appointment event applied (order-safe updates)
