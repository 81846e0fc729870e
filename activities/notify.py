"""Notifying partners (and people) through channels.

A channel delivers one ``Message``; the ``outbox`` channel stores it in ``notifications``
for pick-up (the partner's or a coordinator's inbox); SMTP and webhook channels come later
behind the same ``Channel`` protocol. Every message has a key (case, seq, recipient) that a
channel and a receiver deduplicate on, so a retried activity never tells anyone twice.

What a partner learns is deliberately little (DOMAIN.md, "What is at stake"): the case
reference, the stage, entering or leaving it, the date, and which coordinator to contact.
Never the client's name, address or phone: a partner message is built from the activity
input, which holds ids only, and never from the ``clients`` table.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

import structlog
from pydantic import BaseModel
from sqlalchemy import Engine, Table
from sqlmodel import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.messages import NotifyPartnerInput, NotifyPartnerResult
from pathway.store import audit_trail, queries
from pathway.store.db import conflict_insert
from pathway.store.models import Notification, Partner, utcnow

log = structlog.get_logger()

_NOTIFICATIONS: Table = Notification.__table__  # type: ignore[assignment]

NO_CHANNEL = "none"  # a partner with this channel is not told


class TemporaryDeliveryError(Exception):
    """The receiver may accept the message later (timeout, 5xx, SMTP 4xx): retry."""


class PermanentDeliveryError(Exception):
    """The message can never be delivered as it is (bad address, 4xx, refused): do not retry."""


class Message(BaseModel):
    key: str
    recipient: str  # a partner id or a user id (or "supervisors:<unit_id>")
    subject_code: str
    # Only codes, ids and dates, within what the recipient may know.
    body: dict[str, Any]
    case_id: str
    seq: int


class DeliveryResult(BaseModel):
    status: Literal["delivered", "duplicate"]
    channel: str
    detail: str | None = None


@runtime_checkable
class Channel(Protocol):
    name: str

    async def deliver(self, message: Message, partner: Partner | None) -> DeliveryResult:
        """Deliver once per ``message.key``; raise TemporaryDeliveryError (retry) or
        PermanentDeliveryError (give up)."""


def notification_key(case_id: str, seq: int, recipient: str) -> str:
    return f"{case_id}:{seq}:{recipient}"


class OutboxChannel:
    """Stores the message as one ``notifications`` row per key, for pick-up."""

    name = "outbox"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _store(self, message: Message) -> bool:
        now = utcnow()
        with self.engine.begin() as conn:
            stmt = (
                conflict_insert(conn, _NOTIFICATIONS)
                .values(
                    key=message.key, case_id=message.case_id, seq=message.seq, partner_id=message.recipient,
                    channel=self.name, status="delivered", attempts=1,
                    payload={"subject_code": message.subject_code, "body": message.body},
                    created_at=now, delivered_at=now,
                )
                .on_conflict_do_nothing(index_elements=["key"])
                # RETURNING, not rowcount: PostgreSQL reports -1 for an INSERT that returns rows.
                .returning(_NOTIFICATIONS.c.id)
            )
            return conn.execute(stmt).first() is not None

    async def deliver(self, message: Message, partner: Partner | None = None) -> DeliveryResult:
        stored = await asyncio.to_thread(self._store, message)
        return DeliveryResult(status="delivered" if stored else "duplicate", channel=self.name)


def partner_message(data: NotifyPartnerInput, tz: str) -> Message:
    """The whole of what a partner is told about a case."""
    return Message(
        key=notification_key(data.case_id, data.seq, data.partner_id),
        recipient=data.partner_id,
        subject_code=f"case_stage_{data.moment}",
        body={
            "case_id": data.case_id,
            "stage": data.stage,
            "moment": data.moment,
            "date": data.at.astimezone(ZoneInfo(tz)).date().isoformat(),
            "coordinator_id": data.coordinator_id,
        },
        case_id=data.case_id,
        seq=data.seq,
    )


class NotifyActivities:
    def __init__(self, engine: Engine, channels: dict[str, Channel], *, tz: str = "Europe/Warsaw") -> None:
        self.engine = engine
        self.channels = channels
        self.tz = tz

    def _load_partner(self, partner_id: str) -> Partner | None:
        with Session(self.engine) as s:
            return queries.get_partner(s, partner_id=partner_id)

    @activity.defn(name="notify_partner")
    async def notify_partner(self, input: NotifyPartnerInput) -> NotifyPartnerResult:
        key = notification_key(input.case_id, input.seq, input.partner_id)
        ids = {"case_id": input.case_id, "seq": input.seq, "partner_id": input.partner_id, "moment": input.moment}
        partner = await asyncio.to_thread(self._load_partner, input.partner_id)
        if partner is None:
            raise ApplicationError(f"unknown partner '{input.partner_id}'", type="UnknownPartner", non_retryable=True)
        if partner.channel == NO_CHANNEL:
            log.info("partner_notification_skipped", **ids, reason="partner_channel_none")
            return NotifyPartnerResult(key=key, channel=NO_CHANNEL, status="skipped", detail="partner_channel_none")
        channel = self.channels.get(partner.channel)
        if channel is None:
            # A worker without that channel configured: retrying here cannot fix it.
            raise ApplicationError(
                f"channel '{partner.channel}' of partner '{partner.id}' is not configured on this worker",
                type="ChannelUnavailable", non_retryable=True,
            )
        try:
            result = await channel.deliver(partner_message(input, self.tz), partner)
        except PermanentDeliveryError as err:
            log.warning("partner_notification_failed", **ids, channel=channel.name, permanent=True)
            raise ApplicationError(str(err), type="PermanentDeliveryError", non_retryable=True) from err
        except TemporaryDeliveryError as err:
            log.warning("partner_notification_failed", **ids, channel=channel.name, permanent=False)
            raise ApplicationError(str(err), type="TemporaryDeliveryError") from err
        log.info("partner_notified", **ids, stage=input.stage, channel=result.channel, status=result.status)
        await asyncio.to_thread(
            audit_trail.append, self.engine, unit_id=input.unit_id, actor="system", action="partner.notified",
            case_id=input.case_id, details={**ids, "stage": input.stage, "channel": result.channel, "key": key},
            dedupe_key=f"partner.notified:{key}",
        )
        return NotifyPartnerResult(key=key, channel=result.channel, status=result.status, detail=result.detail)
