"""Which reminder an event of a case asks for, and what a partner is told: the messages the
``remind`` and ``notify_partner`` activities take, built from the event and the case (ids,
stage names, codes and times only)."""

from __future__ import annotations

from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.messages import NotifyPartnerInput, RemindInput
    from pathway.core.events import (
        AppointmentMissed,
        AppointmentReminder,
        CertificateLapsed,
        DurationElapsed,
        Event,
        NotificationRequested,
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


def notice_for(s: PathwayState, event: NotificationRequested) -> NotifyPartnerInput:
    """What the partner ``event`` names is told."""
    return NotifyPartnerInput(
        case_id=s.case_id,
        unit_id=s.unit_id,
        coordinator_id=s.coordinator_id,
        seq=event.seq,
        stage=event.stage,
        moment=event.moment,
        partner_id=event.partner_id,
        partner_kind=event.partner_kind,
        at=event.at,
        referral_id=event.referral_id,
        service=event.service,
        action_id=event.action_id,
        due_on=event.due_on,
    )
