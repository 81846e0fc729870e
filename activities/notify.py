"""Notifying partners (and people) through channels.

A channel delivers one ``Message``; the ``outbox`` channel stores it in ``notifications``
for pick-up (the partner's or a coordinator's inbox); ``smtp`` and ``webhook``
(activities/channels/) send it out. Every message has a key (case, seq, recipient) that a
channel and a receiver deduplicate on, so a retried activity never tells anyone twice.

At EVERY attempt, before anything leaves (pathway/core/sharing.py):
- a partner whose e-mail or webhook is a contact recorded as the perpetrator's (on the
  client, or of a household member using violence) is never told: ``blocked``, and the
  coordinator hears of it (``RecipientBlocked``, not retried);
- a partner that is not told on the legal basis of the domestic-violence act needs the
  client's active consent for this case: without it the message is ``withheld`` (not an
  error, not retried) - so a consent withdrawn while a notification is retried stops it;
- the message carries only the fields of the partner's data-sharing scope. The client's
  identity is read through the IdentityVault here, inside the activity, and never enters
  Temporal, a log, or the stored copy of the message (which lists what was disclosed).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

import structlog
from pydantic import BaseModel
from sqlalchemy import Engine, Table
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.contracts import PartnerNotices
from activities.definitions import shipped_legal_bases
from activities.messages import NotifyPartnerInput, NotifyPartnerResult
from pathway.core.household import NEVER_RECIPIENT
from pathway.core.legal_basis import needs_consent_under
from pathway.core.sharing import perpetrator_match
from pathway.security.identity import IdentityError, IdentityVault
from pathway.store import audit_trail, consents, household, queries
from pathway.store.db import conflict_insert
from pathway.store.models import Case, CaseEvent, Client, Notification, Partner, utcnow
from pathway.store.partner_secrets import open_secret
from pathway.store.tables import table_of

log = structlog.get_logger()

_NOTIFICATIONS: Table = table_of(Notification)

NO_CHANNEL = "none"  # a partner with this channel is not told
# Body keys that hold the client's identity (sent within scope; never stored, never logged).
IDENTITY_KEYS = frozenset({"client_name", "client_phone", "client_address"})


class TemporaryDeliveryError(Exception):
    """The receiver may accept the message later (timeout, 5xx, SMTP 4xx): retry."""


class PermanentDeliveryError(Exception):
    """The message can never be delivered as it is (bad address, 4xx, refused): do not retry."""


class Message(BaseModel):
    key: str
    recipient: str  # a partner id or a user id (or "supervisors:<unit_id>")
    subject_code: str
    # What the recipient may know (a partner: its scope). The keys in IDENTITY_KEYS hold
    # personal data: they are sent, never stored or logged.
    body: dict[str, Any]
    case_id: str
    seq: int
    attempt: int = 1
    attempt_at: datetime | None = None  # when this attempt was scheduled (Temporal's clock)

    def stored_body(self) -> dict[str, Any]:
        """The body as kept in ``notifications``: identity fields named, not copied."""
        kept = {k: v for k, v in self.body.items() if k not in IDENTITY_KEYS}
        disclosed = sorted(k for k in self.body if k in IDENTITY_KEYS)
        if disclosed:
            kept["disclosed"] = disclosed
        return kept


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
                    key=message.key,
                    case_id=message.case_id,
                    seq=message.seq,
                    partner_id=message.recipient,
                    channel=self.name,
                    status="delivered",
                    attempts=1,
                    payload={"subject_code": message.subject_code, "body": message.stored_body()},
                    created_at=now,
                    delivered_at=now,
                )
                .on_conflict_do_nothing(index_elements=["key"])
                # RETURNING, not rowcount: PostgreSQL reports -1 for an INSERT that returns rows.
                .returning(_NOTIFICATIONS.c.id)
            )
            return conn.execute(stmt).first() is not None

    async def deliver(self, message: Message, partner: Partner | None = None) -> DeliveryResult:
        stored = await asyncio.to_thread(self._store, message)
        return DeliveryResult(status="delivered" if stored else "duplicate", channel=self.name)


CALLBACK_PATH = "/api/v1/callbacks/referrals/{referral_id}"


@dataclass
class Disclosure:
    """What the activity may draw on for one message, read at this attempt."""

    consent_id: str | None = None
    definition_id: str | None = None
    identity: dict[str, str] = field(default_factory=dict)  # client_name / client_phone / client_address
    perpetrator_contacts: list[str] = field(default_factory=list)
    zi_reference: str | None = None


def partner_message(
    data: NotifyPartnerInput,
    tz: str,
    *,
    scope: list[str] | tuple[str, ...] | None = None,
    disclosure: Disclosure | None = None,
    public_url: str = "http://127.0.0.1:8000",
) -> Message:
    """The whole of what a partner is told about a case: the fields its scope names."""
    allowed = set(scope if scope is not None else ("case_reference", "stage", "dates", "coordinator_contact"))
    found = disclosure or Disclosure()
    body: dict[str, Any] = {}
    if "case_reference" in allowed:
        body["case_id"] = data.case_id
    if "stage" in allowed:
        body["stage"] = data.stage
    body["moment"] = data.moment
    if "dates" in allowed:
        body["date"] = data.at.astimezone(ZoneInfo(tz)).date().isoformat()
    if "coordinator_contact" in allowed:
        body["coordinator_id"] = data.coordinator_id
    for key, value in found.identity.items():
        if key in allowed and value:
            body[key] = value
    if "support_reason" in allowed and found.definition_id:
        body["support_reason"] = found.definition_id
    if "violence_context" in allowed and found.zi_reference:
        body["violence_context"] = {"zi_reference": found.zi_reference}
    if data.moment == "referral" and data.referral_id:
        body["referral_id"] = data.referral_id
        body["service"] = data.service
        body["callback_url"] = public_url.rstrip("/") + CALLBACK_PATH.format(referral_id=data.referral_id)
    if data.moment == "action" and data.action_id:
        body["action_id"] = data.action_id
        if "dates" in allowed and data.due_on:
            body["due_on"] = data.due_on
    subject = {"referral": "referral", "action": "plan_action"}.get(data.moment, f"case_stage_{data.moment}")
    return Message(
        key=notification_key(data.case_id, data.seq, data.partner_id),
        recipient=data.partner_id,
        subject_code=subject,
        body=body,
        case_id=data.case_id,
        seq=data.seq,
    )


_IDENTITY_FIELDS = (
    ("client_name", "name_sealed", "client.name"),
    ("client_phone", "phone_sealed", "client.phone"),
    ("client_address", "address_sealed", "client.address"),
)


class NotifyActivities(PartnerNotices):
    def __init__(
        self,
        engine: Engine,
        channels: dict[str, Channel],
        *,
        tz: str = "Europe/Warsaw",
        vault: IdentityVault | None = None,
        public_url: str = "http://127.0.0.1:8000",
        legal_bases: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self.engine = engine
        self.channels = channels
        self.tz = tz
        self.vault = vault
        self.public_url = public_url
        # definition id -> the legal bases it declares (pathway.core.legal_basis): who is told
        # without consent. None: the definitions shipped with the code.
        self.legal_bases = legal_bases if legal_bases is not None else shipped_legal_bases()

    def _load_partner(self, partner_id: str) -> Partner | None:
        with Session(self.engine) as s:
            return queries.get_partner(s, partner_id=partner_id)

    def _disclosure(self, data: NotifyPartnerInput, partner: Partner) -> Disclosure:
        """Consent, the case's pathway, and the client's identity within the partner's scope
        (and the perpetrator's contacts, always: the client's record of them and the contacts of
        every household member using violence) - read now, at this attempt."""
        with Session(self.engine) as s:
            found = Disclosure()
            consent = consents.active_consent(s, case_id=data.case_id, partner_id=partner.id)
            found.consent_id = consent.id if consent else None
            case = s.get(Case, data.case_id)
            if case is None:
                return found
            found.definition_id = case.definition_id
            if "violence_context" in partner.data_scope:
                found.zi_reference = _zi_reference(s, data.case_id)
            client = s.get(Client, case.client_id) if case.client_id else None
            if client is None or self.vault is None:
                return found
            wanted = [
                (key, sealed, name)
                for key, column, name in _IDENTITY_FIELDS
                if key in partner.data_scope and (sealed := getattr(client, column)) is not None
            ]
            keyed = [(client.id, key, sealed, name) for key, sealed, name in wanted]
            if client.perpetrator_contacts_sealed is not None:
                keyed.append(
                    (
                        client.id,
                        "perpetrator_contacts",
                        client.perpetrator_contacts_sealed,
                        "client.perpetrator_contacts",
                    )
                )
            # A household member using violence is blocked by the same rule as the perpetrator.
            for member_id, sealed in household.sealed_contacts_of_roles(s, case_id=data.case_id, roles=NEVER_RECIPIENT):
                keyed.append((member_id, "perpetrator_contacts", sealed, household.CONTACTS))
            opened = self.vault.open_many([(owner, name, sealed) for owner, _, sealed, name in keyed])
            for (_, key, _, _), value in zip(keyed, opened, strict=True):
                if value is None:
                    continue  # erased: nothing to tell, nothing to block on
                if key == "perpetrator_contacts":
                    found.perpetrator_contacts += list(json.loads(value))
                else:
                    found.identity[key] = value
            return found

    def _record(
        self, message: Message, data: NotifyPartnerInput, channel: str, status: str, reason: str | None
    ) -> None:
        """The state of the notification in ``notifications`` (one row per key); a row that
        says ``delivered`` is never overwritten."""
        now = utcnow()
        values = dict(
            channel=channel,
            status=status,
            reason=reason,
            attempts=message.attempt,
            payload={"subject_code": message.subject_code, "body": message.stored_body()},
            delivered_at=now if status == "delivered" else None,
        )
        with self.engine.begin() as conn:
            stmt = conflict_insert(conn, _NOTIFICATIONS).values(
                key=message.key,
                case_id=data.case_id,
                seq=data.seq,
                partner_id=data.partner_id,
                created_at=now,
                **values,
            )
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["key"],
                    set_=values,
                    where=_NOTIFICATIONS.c.status != "delivered",
                )
            )

    def _audit(self, data: NotifyPartnerInput, action: str, key: str, **details: Any) -> None:
        ids = {"case_id": data.case_id, "seq": data.seq, "partner_id": data.partner_id, "moment": data.moment}
        audit_trail.append(
            self.engine,
            unit_id=data.unit_id,
            actor="system",
            action=action,
            case_id=data.case_id,
            details={**ids, "stage": data.stage, "key": key, **details},
            dedupe_key=f"{action}:{key}",
        )

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
        try:
            found = await asyncio.to_thread(self._disclosure, input, partner)
        except IdentityError as err:  # e.g. the key store is not the one the data was written with
            raise ApplicationError(type(err).__name__, type="IdentityUnavailable") from None
        message = partner_message(
            input, self.tz, scope=partner.data_scope, disclosure=found, public_url=self.public_url
        )
        info = activity.info()
        message.attempt, message.attempt_at = info.attempt, info.current_attempt_scheduled_time
        if perpetrator_match(found.perpetrator_contacts, email=partner.email, webhook_url=partner.webhook_url):
            await asyncio.to_thread(self._record, message, input, partner.channel, "blocked", "perpetrator_contact")
            await asyncio.to_thread(self._audit, input, "partner.blocked", key, reason="perpetrator_contact")
            log.warning("partner_notification_blocked", **ids, reason="perpetrator_contact")
            raise ApplicationError(
                "the partner's address is recorded as the perpetrator's contact: never told",
                type="RecipientBlocked",
                non_retryable=True,
            )
        bases = self.legal_bases.get(found.definition_id or "", frozenset())
        if needs_consent_under(partner.kind, bases) and found.consent_id is None:
            await asyncio.to_thread(self._record, message, input, partner.channel, "withheld", "no_consent")
            await asyncio.to_thread(
                self._audit, input, "partner.withheld", key, reason="no_consent", attempt=message.attempt
            )
            log.info("partner_notification_withheld", **ids, reason="no_consent", attempt=message.attempt)
            return NotifyPartnerResult(key=key, channel=partner.channel, status="withheld", detail="no_consent")
        channel = self.channels.get(partner.channel)
        if channel is None:
            # A worker without that channel configured: retrying here cannot fix it.
            raise ApplicationError(
                f"channel '{partner.channel}' of partner '{partner.id}' is not configured on this worker",
                type="ChannelUnavailable",
                non_retryable=True,
            )
        stored_by_channel = isinstance(channel, OutboxChannel)
        try:
            if partner.webhook_secret:  # sealed at rest: opened for this attempt only
                partner.webhook_secret = await asyncio.to_thread(
                    open_secret, self.vault, partner.id, partner.webhook_secret
                )
            result = await channel.deliver(message, partner)
        except PermanentDeliveryError as err:
            log.warning(
                "partner_notification_failed", **ids, channel=channel.name, permanent=True, attempt=message.attempt
            )
            await asyncio.to_thread(self._record, message, input, channel.name, "failed", "permanent")
            raise ApplicationError(str(err), type="PermanentDeliveryError", non_retryable=True) from err
        except TemporaryDeliveryError as err:
            log.warning(
                "partner_notification_failed", **ids, channel=channel.name, permanent=False, attempt=message.attempt
            )
            await asyncio.to_thread(self._record, message, input, channel.name, "retrying", "temporary")
            raise ApplicationError(str(err), type="TemporaryDeliveryError") from err
        if not stored_by_channel:
            await asyncio.to_thread(self._record, message, input, channel.name, "delivered", None)
        log.info(
            "partner_notified",
            **ids,
            stage=input.stage,
            channel=result.channel,
            status=result.status,
            attempt=message.attempt,
        )
        await asyncio.to_thread(
            self._audit,
            input,
            "partner.notified",
            key,
            channel=result.channel,
            consent_id=found.consent_id,
            disclosed=sorted(k for k in message.body if k not in ("moment",)),
        )
        return NotifyPartnerResult(key=key, channel=result.channel, status=result.status, detail=result.detail)


def _zi_reference(session: Session, case_id: str) -> str | None:
    """The ZI help-plan reference recorded on the case (a fact's ``zi_reference``), if any."""
    stmt = (
        select(CaseEvent.payload)
        .where(col(CaseEvent.case_id) == case_id, col(CaseEvent.kind) == "fact_set")
        .order_by(col(CaseEvent.seq).desc())
    )
    for payload in session.exec(stmt):
        value = payload.get("value") if isinstance(payload, dict) else None
        if isinstance(value, dict) and isinstance(value.get("zi_reference"), str):
            return str(value["zi_reference"])
    return None
