"""Tables of the SQL store.

Two kinds of data live here (DESIGN.md, "Source of truth"):
- the projection of workflow events (``cases``, ``case_events``, ``stage_periods``,
  ``visits``), written only by the projection activity and used for lists, audits, reports;
- what must never enter Temporal: client identity (``clients``), free-text notes
  (``notes``), the resource map (``partners``), plus what activities delivered
  (``reminders``, ``notifications``). Identity and notes are stored sealed only.

The key store's tables (``client_keys``, ``client_erasures``) are defined here too but on a
metadata of their own: they live in a separate database (``PATHWAY_KEYSTORE_URL``).

Models follow SQLModel's ``XBase`` / ``XCreate`` / ``X(table=True)`` / ``XPublic`` pattern
where a request or response shape is needed. Every datetime is stored as UTC through
``UTCDateTime``; a naive datetime is refused rather than guessed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import field_validator
from sqlalchemy import JSON, DateTime, Dialect, Index, LargeBinary, UniqueConstraint, types
from sqlalchemy.orm import registry
from sqlalchemy.sql.operators import OperatorType
from sqlmodel import AutoString, Field, SQLModel

from pathway.core.definition import PARTNER_KINDS

CASE_STATUSES = ("opening", "active", "paused", "closed")
REMINDER_KINDS = ("reminder", "escalation", "duration_elapsed", "partner_unreachable", "certificate_lapsed")
SECTORS = ("public", "non_public", "private")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(types.TypeDecorator[datetime]):
    """A datetime that goes in aware, is stored as UTC and comes out aware UTC.

    SQLite keeps no offset, so it gets one canonical offset-less UTC text; that also keeps
    its text comparisons (``stage_due_at < :now``) in time order. PostgreSQL gets
    ``timestamptz``."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def coerce_compared_value(self, op: OperatorType | None, value: Any) -> types.TypeEngine[Any]:
        # ``column + timedelta`` must not be bound as a datetime.
        if isinstance(value, timedelta):
            return types.Interval()
        return self

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.utcoffset() is None:
            raise ValueError("naive datetime refused: the store keeps aware UTC datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# ---------------------------------------------------------------- clients and notes
# A client's identity (name, address, phone) and every note of their cases are stored only
# SEALED: AES-256-GCM under the client's own data key, which lives wrapped in the key store,
# a separate database (see pathway/security/identity.py and the key-store tables below).
# ``*_sealed`` columns hold ``IdentityVault.seal`` strings; the plain shapes below
# (``ClientCreate``, ``ClientPublic``, ``NotePublic``) exist only in memory.
class ClientBase(SQLModel):
    """A client's identity in plain text: what a person types and what staff are shown."""

    unit_id: str = Field(index=True)
    name: str
    address: str | None = None
    phone: str | None = None


class ClientCreate(ClientBase):
    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("a client needs a name")
        return v.strip()


class Client(SQLModel, table=True):
    """The only place a client's identity is kept (never in Temporal, never in logs), and
    only sealed under the client's key: erasing that key erases the identity everywhere."""

    __tablename__ = "clients"

    id: str = Field(primary_key=True)
    unit_id: str = Field(index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    name_sealed: str
    address_sealed: str | None = None
    phone_sealed: str | None = None


class ClientPublic(ClientBase):
    """A client opened for staff. ``erased``: the key is gone; the fields that had a value
    read ``pathway.security.identity.ERASED``."""

    id: str
    created_at: datetime
    erased: bool = False


class NoteBase(SQLModel):
    case_id: str = Field(foreign_key="cases.id", index=True)
    seq: int | None = None
    author: str


class Note(NoteBase, table=True):
    """Free text a person wrote, sealed under the key of the case's client; an event refers
    to it by ``note_id`` only."""

    __tablename__ = "notes"

    id: str = Field(primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    text_sealed: str


class NotePublic(NoteBase):
    """A note opened for staff; ``text`` is ``ERASED`` once the client's key is erased."""

    id: str
    created_at: datetime
    text: str
    erased: bool = False


# ---------------------------------------------------------------- the projection
class CaseBase(SQLModel):
    definition_id: str
    definition_version: int
    unit_id: str
    coordinator_id: str
    stage: str
    # opening: created by the API, workflow not yet projected; then active | paused | closed.
    status: str
    outcome: str | None = None
    opened_at: datetime = Field(sa_type=UTCDateTime)
    stage_entered_at: datetime = Field(sa_type=UTCDateTime)
    stage_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    duration_ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_visit_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_activity_at: datetime = Field(sa_type=UTCDateTime)
    paused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The seq of the summary this row shows; a summary with a lower seq never overwrites it.
    last_seq: int = 0


class Case(CaseBase, table=True):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_stage_due_at", "status", "stage_due_at"),
        Index("ix_cases_status_next_visit_due_at", "status", "next_visit_due_at"),
        Index("ix_cases_status_last_activity_at", "status", "last_activity_at"),
        Index("ix_cases_status_paused_at", "status", "paused_at"),
        Index("ix_cases_unit_status", "unit_id", "status"),
        Index("ix_cases_coordinator_status", "coordinator_id", "status"),
        Index("ix_cases_definition_opened_at", "definition_id", "opened_at"),
        # The stalled audit: one range scan per (rule, definition), each with its own limits.
        Index("ix_cases_status_definition_next_visit_due_at", "status", "definition_id", "next_visit_due_at"),
        Index("ix_cases_status_definition_last_activity_at", "status", "definition_id", "last_activity_at"),
        Index("ix_cases_status_definition_paused_at", "status", "definition_id", "paused_at"),
    )

    id: str = Field(primary_key=True)
    # Nullable: a workflow started without the API (simulation, tests) still projects.
    client_id: str | None = Field(default=None, foreign_key="clients.id", index=True)


class CasePublic(CaseBase):
    id: str
    client_id: str | None = None


class CaseEvent(SQLModel, table=True):
    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_case_events_case_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="cases.id")
    seq: int
    kind: str
    at: datetime = Field(sa_type=UTCDateTime)
    actor: str
    # The whole event as JSON (``Event`` validates it back); ids and codes only.
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class CaseEventPublic(SQLModel):
    case_id: str
    seq: int
    kind: str
    at: datetime
    actor: str
    payload: dict[str, Any]


class StagePeriod(SQLModel, table=True):
    """One stay in one stage; ``seq`` is the seq of its ``stage_entered`` event."""

    __tablename__ = "stage_periods"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_stage_periods_case_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="cases.id")
    seq: int
    stage: str
    entered_at: datetime = Field(sa_type=UTCDateTime)
    left_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    trigger: str | None = None


class Visit(SQLModel, table=True):
    __tablename__ = "visits"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_visits_case_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="cases.id")
    seq: int
    visit_id: str | None = None
    stage: str
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    duration_minutes: int
    kind: str
    counted: bool
    not_counted_reason: str | None = None


# ---------------------------------------------------------------- what activities delivered
class Reminder(SQLModel, table=True):
    """A reminder to a coordinator or an escalation to a unit's supervisors.

    No foreign key to ``cases``: the reminder activity must not fail because the
    projection of the same case has not run yet."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_reminders_case_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: str
    seq: int
    unit_id: str = Field(index=True)
    kind: str  # one of REMINDER_KINDS
    watch: str | None = None
    n: int = 1
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    at: datetime = Field(sa_type=UTCDateTime)  # when the workflow raised it
    recipient: str = Field(index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReferralBase(SQLModel):
    """A referral of a client to a partner, projected from ``referral_made`` /
    ``referral_answered`` events. Codes and ids only: the note, if any, is a Note."""

    case_id: str = Field(foreign_key="cases.id", index=True)
    seq: int  # the referral_made event
    partner_id: str = Field(index=True)
    partner_kind: str
    service: str
    consent_id: str | None = None
    status: str  # pending / accepted / rejected / done
    made_at: datetime = Field(sa_type=UTCDateTime)
    answer_due_at: datetime = Field(sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_by: str | None = None
    reason: str | None = None
    answer_seq: int = 0  # the latest referral_answered event applied (order-safe updates)


class Referral(ReferralBase, table=True):
    __tablename__ = "referrals"

    id: str = Field(primary_key=True)  # the referral id (also in the workflow's state)


class ReferralPublic(ReferralBase):
    id: str


class NotificationBase(SQLModel):
    key: str = Field(unique=True)  # f"{case_id}:{seq}:{partner_id}" - receivers dedupe on it
    case_id: str = Field(index=True)
    seq: int
    # A partner id, a coordinator's user id, or "supervisors:<unit_id>".
    partner_id: str = Field(index=True)
    channel: str
    status: str
    attempts: int = 0
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Notification(NotificationBase, table=True):
    __tablename__ = "notifications"

    id: int | None = Field(default=None, primary_key=True)


class NotificationPublic(NotificationBase):
    id: int


# ---------------------------------------------------------------- the resource map
class PartnerBase(SQLModel):
    """An organisation of the resource map. Names are organisation names, not personal data."""

    unit_id: str | None = Field(default=None, index=True)  # None: shared by all units
    name: str = Field(max_length=200)
    kind: str = Field(index=True)  # one of pathway.core.definition.PARTNER_KINDS
    sector: Literal["public", "non_public", "private"] = Field(sa_type=AutoString)
    services: list[str] = Field(default_factory=list, sa_type=JSON)
    email: str | None = Field(default=None, max_length=254)
    webhook_url: str | None = Field(default=None, max_length=500)
    # The channel notify_partner uses: "outbox" (stored for pick-up), "smtp", "webhook";
    # "none" means the partner is not told.
    channel: Literal["outbox", "smtp", "webhook", "none"] = Field(default="outbox", sa_type=AutoString)
    internship_capacity: int = Field(default=0, ge=0, le=100_000)


class PartnerCreate(PartnerBase):
    @field_validator("webhook_url")
    @classmethod
    def _web_address(cls, v: str | None) -> str | None:
        if v is not None and not (v.startswith("https://") or v.startswith("http://")):
            raise ValueError("a webhook address starts with https:// (or http:// inside the centre's network)")
        return v

    @field_validator("services")
    @classmethod
    def _service_codes(cls, v: list[str]) -> list[str]:
        if len(v) > 50 or any(not s or len(s) > 100 for s in v):
            raise ValueError("at most 50 services, each 1-100 characters")
        return v

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, v: str) -> str:
        if v not in PARTNER_KINDS:
            raise ValueError(f"unknown partner kind '{v}'; known: {', '.join(PARTNER_KINDS)}")
        return v

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("a partner needs a name")
        return v.strip()


class Partner(PartnerBase, table=True):
    __tablename__ = "partners"

    id: str = Field(primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PartnerPublic(PartnerBase):
    id: str
    created_at: datetime


# ---------------------------------------------------------------- the key store (a database of its own)
# These tables are registered on KEYSTORE_METADATA, not on SQLModel.metadata: ``create_schema``
# of the data database never creates them, and nothing that backs up the data holds them.
KEYSTORE_REGISTRY = registry()
KEYSTORE_METADATA = KEYSTORE_REGISTRY.metadata


class KeystoreModel(SQLModel, registry=KEYSTORE_REGISTRY):
    """Base of the key store's tables."""


class ClientKey(KeystoreModel, table=True):
    """A client's data key (DEK), wrapped (AES-256-GCM) by a master key-encryption key.

    Deleting the row is what erases the client: without the DEK the sealed identity and
    notes, in the data database and in every backup of it, are ciphertext for good."""

    __tablename__ = "client_keys"

    client_id: str = Field(primary_key=True)
    dek_id: str  # names this DEK in every value sealed under it ("v1:<dek_id>:...")
    kek_id: str  # the id, in the master key ring, of the key that wrapped it
    wrapped_dek: bytes = Field(sa_type=LargeBinary)  # nonce + ciphertext + tag
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    wrapped_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ClientErasure(KeystoreModel, table=True):
    """A tombstone: this client's key was destroyed on purpose (GDPR erasure). It tells
    "erased" apart from "the key store does not know this client" (a misconfiguration), and
    it stops an erased client id from ever getting a key again. Ids only."""

    __tablename__ = "client_erasures"

    client_id: str = Field(primary_key=True)
    erased_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
