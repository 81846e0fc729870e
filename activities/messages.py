"""Typed inputs and results of every activity (one message in, one out)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from pathway.core.events import Event, ReminderKind
from pathway.core.summary import CaseSummary


class ProjectEventsInput(BaseModel):
    summary: CaseSummary
    events: list[Event] = Field(default_factory=list)


class ProjectEventsResult(BaseModel):
    stored: int
    duplicates: int
    up_to_seq: int


class RemindInput(BaseModel):
    """A reminder to the coordinator or an escalation to the supervisors of the unit,
    for one ``reminder_due`` or ``duration_elapsed`` event."""

    case_id: str
    unit_id: str
    coordinator_id: str
    seq: int
    stage: str
    kind: ReminderKind
    partner_id: str | None = None
    watch: str | None = None
    n: int = 1
    due_at: datetime | None = None
    at: datetime


class RemindResult(BaseModel):
    recorded: bool
    recipient: str


class NotifyPartnerInput(BaseModel):
    """Tell one partner that a case entered / left a stage. Key: (case_id, seq, partner_id)."""

    case_id: str
    unit_id: str
    coordinator_id: str
    seq: int
    stage: str
    moment: Literal["enter", "exit", "referral", "action"]
    partner_id: str
    partner_kind: str
    at: datetime
    # A referral of the client to this partner: the callback the partner answers on.
    referral_id: str | None = None
    # The service asked for (a code or a service name of the partner's offer).
    service: str | None = None
    # An action of the case's plan the partner is to do: its id and due date (ISO), no words.
    action_id: str | None = None
    due_on: str | None = None


class NotifyPartnerResult(BaseModel):
    key: str
    channel: str
    # withheld: the partner needs the client's consent and has none (not an error).
    status: Literal["delivered", "duplicate", "skipped", "withheld"]
    detail: str | None = None


class SendDigestsInput(BaseModel):
    """The morning digests of one local day (the schedule's run decides the day)."""

    day: date


class SendDigestsResult(BaseModel):
    sent: int  # digests e-mailed now (a rerun sends only what was not sent)
    skipped_reason: str | None = None  # e.g. "not_a_working_day", "no_smtp"


class RemindFollowUpsInput(BaseModel):
    """Remind coordinators of the ended cases whose status after exit is due by ``at``."""

    at: datetime


class RemindFollowUpsResult(BaseModel):
    reminded: int  # cases whose coordinator was reminded now (a rerun reminds nobody twice)
