"""What activities delivered: reminders and escalations to staff, referrals, partner notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from pathway.store.models.columns import UTCDateTime, utcnow


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
    # Why a notification was not sent: no_consent (withheld), perpetrator_contact (blocked),
    # or the failure code of its last attempt.
    reason: str | None = None


class Notification(NotificationBase, table=True):
    __tablename__ = "notifications"

    id: int | None = Field(default=None, primary_key=True)


class NotificationPublic(NotificationBase):
    id: int
