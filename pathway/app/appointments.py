"""Booked visits (appointments): book one for a date and time, move it, cancel it, list them.

The workflow decides (``pathway.core.case.appointments``): a time still to come, a kind the
stage allows, no later than the last day before the supervisor would be told of an overdue
visit. Only the appointment's id, time and kind travel to it."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel
from sqlmodel import col, select

from pathway.app.access import visible_case
from pathway.app.command_keys import one_command_per_key
from pathway.app.context import Context
from pathway.app.errors import AppError
from pathway.app.gateway import new_command_id
from pathway.app.schemas import AppointmentRequest, CaseOut, Page
from pathway.app.sending import Done, send
from pathway.core.events import AppointmentBooked
from pathway.security.policy import Action
from pathway.store.models import Appointment, Case
from workflows.messages import BookAppointmentInput, CancelAppointmentInput
from workflows.pathway import PathwayWorkflow

_APPOINTMENT_NS = uuid.UUID("8f0e3c1d-6a55-4c7e-9b1e-3f2d6c0a7e44")


class AppointmentOut(BaseModel):
    appointment_id: str
    at: datetime
    kind: str
    # Booked after the visit cadence's last day on time (inside the grace): the visit is due
    # on the booked day, and the supervisor is told if it does not happen.
    late: bool
    next_visit_due_at: datetime | None
    case: CaseOut


def _out(done: Done, appointment_id: str, body: AppointmentRequest) -> AppointmentOut:
    booked = next((e for e in done.result.events if isinstance(e, AppointmentBooked)), None)
    return AppointmentOut(
        appointment_id=appointment_id,
        at=booked.appointment_at if booked else body.at,
        kind=booked.visit_kind if booked else body.kind,
        late=booked.late if booked else False,
        next_visit_due_at=done.result.case.next_visit_due_at,
        case=done.case_out(),
    )


async def book(ctx: Context, case_id: str, body: AppointmentRequest, key: str | None) -> AppointmentOut:
    """Book a new visit. The same Idempotency-Key books it once (the id derives from it)."""
    case = visible_case(ctx, case_id, Action.CASE_ACT)
    async with one_command_per_key(ctx, key, command="book_appointment", case_id=case_id, body=body):
        appointment_id = (
            uuid.uuid5(_APPOINTMENT_NS, f"{case_id}\x00{ctx.actor.id}\x00{key}").hex if key else uuid.uuid4().hex
        )
        return await _send_booking(ctx, appointment_id, body, key, case, rebook=False)


async def rebook(
    ctx: Context, case_id: str, appointment_id: str, body: AppointmentRequest, key: str | None
) -> AppointmentOut:
    """Move a booked visit to another time (or kind): the same appointment, so a calendar that
    shows it updates its event. One not booked (any more) is refused (422, naming the field)."""
    case = visible_case(ctx, case_id, Action.CASE_ACT)
    async with one_command_per_key(
        ctx, key, command=f"rebook_appointment:{appointment_id}", case_id=case_id, body=body
    ):
        return await _send_booking(ctx, appointment_id, body, key, case, rebook=True)


async def cancel(ctx: Context, case_id: str, appointment_id: str, key: str | None) -> CaseOut:
    case = visible_case(ctx, case_id, Action.CASE_ACT)
    async with one_command_per_key(
        ctx, key, command=f"cancel_appointment:{appointment_id}", case_id=case_id, body=None
    ):
        command_id = key or new_command_id()
        command = CancelAppointmentInput(command_id=command_id, actor=ctx.actor.id, appointment_id=appointment_id)
        return (await send(ctx, case, PathwayWorkflow.cancel_appointment, command)).case_out()


def list_appointments(ctx: Context, case_id: str, *, limit: int = 100, offset: int = 0) -> Page[Appointment]:
    """Every visit booked on the case, with what became of it (booked, fulfilled, missed,
    cancelled), the earliest first."""
    visible_case(ctx, case_id)
    rows = ctx.session.exec(
        select(Appointment)
        .where(col(Appointment.case_id) == case_id)
        .order_by(col(Appointment.at), col(Appointment.id))
        .offset(offset)
        .limit(limit)
    ).all()
    total = len(ctx.session.exec(select(Appointment.id).where(col(Appointment.case_id) == case_id)).all())
    return Page(items=list(rows), count=total)


async def _send_booking(
    ctx: Context, appointment_id: str, body: AppointmentRequest, key: str | None, case: Case, *, rebook: bool
) -> AppointmentOut:
    command = BookAppointmentInput(
        command_id=key or new_command_id(),
        actor=ctx.actor.id,
        appointment_id=appointment_id,
        at=body.at,
        kind=body.kind,
        rebook=rebook,
    )
    try:
        done = await send(ctx, case, PathwayWorkflow.book_appointment, command)
    except AppError as refused:
        # The core names the problem of a refused booking: it is the refusal's code people read.
        problem = refused.extra.pop("problem", None)
        if refused.status == 422 and problem:
            raise AppError(422, str(problem), refused.message, **refused.extra) from None
        raise
    return _out(done, appointment_id, body)
