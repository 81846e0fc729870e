"""Reservations: room held for a case while its command travels to the workflow.

Two limits are decided before a command and take effect only once it is projected: an
employer's internship places (``placements``, from the ``fact_set`` event) and a
coordinator's caseload (the ``cases`` row, from the ``coordinator_assigned`` event). The
check and the hold happen under one lock (``pathway.store.locks``), so two requests can never
both take the last place; the hold counts until the projection has written what it was for
(the projection deletes it then), until the command is refused (the use case deletes it), or,
if the process died on the way, until it is ``HOLD_MINUTES`` old."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import AutoString, Field, SQLModel

from pathway.store.models.columns import UTCDateTime

HOLD_MINUTES = 15
INTERNSHIP_PLACE = "internship_place"
CASELOAD = "caseload"


class Reservation(SQLModel, table=True):
    __tablename__ = "reservations"
    __table_args__ = (
        UniqueConstraint("kind", "holder", "case_id", name="uq_reservations_kind_holder_case"),
        Index("ix_reservations_kind_holder_held_at", "kind", "holder", "held_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: Literal["internship_place", "caseload"] = Field(sa_type=AutoString)
    # The employer (partner id) or the coordinator (user id) the room is held with.
    holder: str
    # The definition whose caseload limit counts (caseload only).
    definition_id: str | None = None
    case_id: str = Field(index=True)
    command_id: str
    held_at: datetime = Field(sa_type=UTCDateTime)
