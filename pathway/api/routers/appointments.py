"""Booked visits of a case (thin; see ``pathway.app.appointments``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from pathway.api.deps import ContextDep, IdempotencyKeyDep
from pathway.app import appointments
from pathway.app.appointments import AppointmentOut
from pathway.app.schemas import ID_PATTERN, MAX_OFFSET, AppointmentRequest, CaseOut, Page
from pathway.store.models import Appointment

router = APIRouter(prefix="/cases", tags=["appointments"])
AppointmentId = Annotated[str, Path(min_length=1, max_length=128, pattern=ID_PATTERN)]


@router.post("/{case_id}/appointments", status_code=201, response_model=AppointmentOut)
async def book(case_id: str, body: AppointmentRequest, ctx: ContextDep, key: IdempotencyKeyDep) -> AppointmentOut:
    """Book a visit for a date and time (``at``, with a zone) of a ``kind``."""
    return await appointments.book(ctx, case_id, body, key)


@router.get("/{case_id}/appointments", response_model=Page[Appointment])
def list_appointments(
    case_id: str,
    ctx: ContextDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Page[Appointment]:
    return appointments.list_appointments(ctx, case_id, limit=limit, offset=offset)


@router.put("/{case_id}/appointments/{appointment_id}", response_model=AppointmentOut)
async def rebook(
    case_id: str, appointment_id: AppointmentId, body: AppointmentRequest, ctx: ContextDep, key: IdempotencyKeyDep
) -> AppointmentOut:
    """Move a booked visit to another time (the same appointment: a calendar updates its event)."""
    return await appointments.rebook(ctx, case_id, appointment_id, body, key)


@router.delete("/{case_id}/appointments/{appointment_id}", response_model=CaseOut)
async def cancel(case_id: str, appointment_id: AppointmentId, ctx: ContextDep, key: IdempotencyKeyDep) -> CaseOut:
    return await appointments.cancel(ctx, case_id, appointment_id, key)
