"""PathwayState: everything a case's workflow carries, and what continue-as-new passes on.

It is the source of truth of a case's pathway: stage, facts, clocks, stage history, the
events not yet projected, and the command ids already applied (so that a command retried
across a continue-as-new is still applied once)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from pathway.core.definition import DefinitionSnapshot
from pathway.core.events import Event
from pathway.core.plan import PlanSkeleton

MAX_REMEMBERED_COMMANDS = 2000


class Watch(BaseModel):
    """A clock on the case: a stage deadline, the visit cadence or a fixed duration.

    ``due_at`` is when it falls due; ``next_alarm_at`` the next reminder or escalation;
    ``escalate_at`` the end of the grace period."""

    key: Literal[
        "stage_deadline", "visit", "duration", "certificate", "referral", "action", "plan_review", "appointment"
    ]
    # the certificate fact, the referral id, the plan action id or the appointment id a watch
    # of that kind is about
    ref: str | None = None
    due_at: datetime
    next_alarm_at: datetime | None
    escalate_at: datetime | None = None
    reminders: int = 0
    escalated: bool = False
    # The visit clock while it counts on a booked visit: the due moment the cadence gave it.
    deferred_from: datetime | None = None


class StageRecord(BaseModel):
    stage: str
    entered_at: datetime
    left_at: datetime | None = None
    trigger: str | None = None
    actor: str
    seq: int


class Referral(BaseModel):
    referral_id: str
    partner_id: str
    partner_kind: str
    service: str
    consent_id: str | None = None
    status: Literal["pending", "accepted", "rejected", "done"] = "pending"
    made_at: datetime
    answer_due_at: datetime | None = None
    answered_at: datetime | None = None
    reason: str | None = None


class Appointment(BaseModel):
    """A visit booked for a moment (ids, the time and the kind only). Kept while it is booked:
    a visit logged fulfils it, cancelling drops it, and its day passing without a visit
    marks it missed (the store keeps every appointment's story)."""

    appointment_id: str
    at: datetime
    kind: str
    booked_at: datetime
    booked_by: str


class AppliedCommand(BaseModel):
    command_id: str
    seq: int
    stage: str
    status: str


class PathwayState(BaseModel):
    case_id: str
    definition: DefinitionSnapshot
    coordinator_id: str
    unit_id: str
    opened_at: datetime

    stage: str
    status: Literal["active", "paused", "closed"] = "active"
    outcome: str | None = None
    stage_entered_at: datetime
    duration_ends_at: datetime | None = None
    duration_elapsed: bool = False

    facts: dict[str, Any] = Field(default_factory=dict)
    visits_total: int = 0
    visits_in_stage: int = 0
    last_visit_at: datetime | None = None
    last_counted_visit_at: datetime | None = None
    last_activity_at: datetime
    paused_at: datetime | None = None
    pause_reason: str | None = None
    closed_at: datetime | None = None

    watches: dict[str, Watch] = Field(default_factory=dict)
    referrals: dict[str, Referral] = Field(default_factory=dict)
    # The plan's latest version, ids, dates and statuses only (its texts are in the store).
    plan: PlanSkeleton | None = None
    appointments: dict[str, Appointment] = Field(default_factory=dict)
    # The household's member ids (never a name: those are sealed in the store), and the ids
    # of those who were present at a visit at least once.
    household: list[str] = Field(default_factory=list)
    members_met: list[str] = Field(default_factory=list)
    stages: list[StageRecord] = Field(default_factory=list)
    seq: int = 0
    applied: list[AppliedCommand] = Field(default_factory=list)
    outbox: list[Event] = Field(default_factory=list)
    runs: int = 1
