"""Which reminder an event of a case asks for: the one message the ``remind`` activity takes,
built from the event and the case (ids, stage names, codes and times only)."""

from __future__ import annotations

from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.messages import RemindInput
    from pathway.core.events import (
        AppointmentMissed,
        AppointmentReminder,
        CertificateLapsed,
        DurationElapsed,
        Event,
        PartnerUnreachable,
        ReminderDue,
    )
    from pathway.core.state import PathwayState


def reminder_for(s: PathwayState, event: Event) -> RemindInput | None:
    """The reminder (or escalation) ``event`` asks for; None for an event that asks for none."""
    base: dict[str, Any] = {"case_id": s.case_id, "unit_id": s.unit_id, "seq": event.seq, "at": event.at}
    if isinstance(event, ReminderDue):
        return RemindInput(
            **base,
            coordinator_id=event.coordinator_id,
            stage=event.stage,
            kind=event.level,
            watch=event.watch,
            n=event.n,
            due_at=event.due_at,
        )
    if isinstance(event, PartnerUnreachable):
        return RemindInput(
            **base,
            coordinator_id=s.coordinator_id,
            stage=event.stage,
            kind="partner_unreachable",
            partner_id=event.partner_id,
        )
    if isinstance(event, (DurationElapsed, CertificateLapsed)):
        return RemindInput(
            **base,
            coordinator_id=s.coordinator_id,
            stage=event.stage,
            kind=event.kind,
            watch=f"certificate:{event.fact}" if isinstance(event, CertificateLapsed) else None,
        )
    if isinstance(event, (AppointmentReminder, AppointmentMissed)):
        return RemindInput(
            **base,
            coordinator_id=event.coordinator_id,
            stage=event.stage,
            kind=event.kind,
            watch=f"appointment:{event.appointment_id}",
            due_at=event.appointment_at,
        )
    return None
