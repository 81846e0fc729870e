"""Reminders to coordinators and escalations to a unit's supervisors.

Each ``reminder_due`` / ``duration_elapsed`` event becomes one ``reminders`` row (idempotent
on case and seq) and one message in the recipient's inbox (the outbox channel)."""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from sqlalchemy import Engine, Table
from temporalio import activity

from activities.contracts import Reminders
from activities.messages import RemindInput, RemindResult
from activities.notify import Channel, Message, OutboxChannel, notification_key
from activities.staff_mail import StaffMailer
from pathway.store import audit_trail
from pathway.store.db import conflict_insert
from pathway.store.inbox import supervisors_of
from pathway.store.models import Reminder, utcnow
from pathway.store.tables import table_of

# The audit trail's action for each kind of reminder (every kind of ``ReminderKind`` has one:
# tests/unit/test_reminder_kinds.py).
AUDIT_ACTIONS: dict[str, str] = {
    "reminder": "reminder.sent",
    "escalation": "escalation.sent",
    "duration_elapsed": "duration.elapsed",
    "partner_unreachable": "partner.unreachable",
    "certificate_lapsed": "certificate.lapsed",
    "follow_up_due": "follow_up.reminded",
    "appointment_reminder": "appointment.reminded",
    "appointment_missed": "appointment.missed",
}

log = structlog.get_logger()

_REMINDERS: Table = table_of(Reminder)


def recipient_for(data: RemindInput) -> str:
    return supervisors_of(data.unit_id) if data.kind == "escalation" else data.coordinator_id


def reminder_message(data: RemindInput, recipient: str) -> Message:
    body: dict[str, Any] = {
        "case_id": data.case_id,
        "unit_id": data.unit_id,
        "coordinator_id": data.coordinator_id,
        "stage": data.stage,
        "kind": data.kind,
        "watch": data.watch,
        "n": data.n,
        "partner_id": data.partner_id,
        "due_at": data.due_at.isoformat() if data.due_at else None,
        "at": data.at.isoformat(),
    }
    return Message(
        key=notification_key(data.case_id, data.seq, recipient),
        recipient=recipient,
        subject_code=data.kind,
        body=body,
        case_id=data.case_id,
        seq=data.seq,
    )


class ReminderActivities(Reminders):
    def __init__(self, engine: Engine, inbox: Channel | None = None, mailer: StaffMailer | None = None) -> None:
        self.engine = engine
        self.inbox: Channel = inbox or OutboxChannel(engine)
        # Without an SMTP server staff are told in their inbox only.
        self.mailer = mailer

    def _record(self, data: RemindInput, recipient: str) -> bool:
        with self.engine.begin() as conn:
            stmt = (
                conflict_insert(conn, _REMINDERS)
                .values(
                    case_id=data.case_id,
                    seq=data.seq,
                    unit_id=data.unit_id,
                    kind=data.kind,
                    watch=data.watch,
                    n=data.n,
                    due_at=data.due_at,
                    at=data.at,
                    recipient=recipient,
                    created_at=utcnow(),
                )
                .on_conflict_do_nothing(index_elements=["case_id", "seq"])
                # RETURNING, not rowcount: PostgreSQL reports -1 for an INSERT that returns rows.
                .returning(_REMINDERS.c.id)
            )
            return conn.execute(stmt).first() is not None

    @activity.defn(name="remind")
    async def remind(self, input: RemindInput) -> RemindResult:
        """Record the reminder and put it in the recipient's inbox; both are keyed on
        (case, seq), so a retry after a partial failure completes without doubling."""
        recipient = recipient_for(input)
        recorded = await asyncio.to_thread(self._record, input, recipient)
        delivery = await self.inbox.deliver(reminder_message(input, recipient), None)
        if input.kind == "escalation" and self.mailer is not None:
            await self.mailer.escalation(input)
        action = AUDIT_ACTIONS[input.kind]
        await asyncio.to_thread(
            audit_trail.append,
            self.engine,
            unit_id=input.unit_id,
            actor="system",
            action=action,
            case_id=input.case_id,
            details={
                "seq": input.seq,
                "stage": input.stage,
                "watch": input.watch,
                "n": input.n,
                "recipient": recipient,
            },
            dedupe_key=f"{action}:{input.case_id}:{input.seq}",
        )
        log.info(
            "escalated_to_supervisor" if input.kind == "escalation" else "reminder_sent",
            case_id=input.case_id,
            seq=input.seq,
            unit_id=input.unit_id,
            recipient=recipient,
            kind=input.kind,
            stage=input.stage,
            watch=input.watch,
            n=input.n,
            recorded=recorded,
            delivery=delivery.status,
        )
        return RemindResult(recorded=recorded, recipient=recipient)
