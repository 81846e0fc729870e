"""The events a case emits. Each has a per-case sequence number (``seq``): the projection to
SQL is idempotent on (case id, seq), and a notification's key is (case, seq, partner).

Events carry ids, stage names, dates, numbers and short codes; never a name, an address or a
free-text note (a note is stored in SQL and referenced here by ``note_id``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True)

    seq: int
    at: datetime
    actor: str
    command_id: str | None = None
    note_id: str | None = None


class CaseOpened(_Event):
    kind: Literal["case_opened"] = "case_opened"
    definition_id: str
    definition_version: int
    definition_hash: str
    coordinator_id: str
    unit_id: str


class StageEntered(_Event):
    kind: Literal["stage_entered"] = "stage_entered"
    from_stage: str | None
    stage: str
    trigger: str | None
    due_at: datetime | None = None
    ends_at: datetime | None = None


class VisitRecorded(_Event):
    kind: Literal["visit_recorded"] = "visit_recorded"
    stage: str
    visit_id: str | None = None
    occurred_at: datetime
    duration_minutes: int
    visit_kind: str
    counted: bool
    not_counted_reason: str | None = None
    next_visit_due_at: datetime | None = None
    present_member_ids: list[str] = Field(default_factory=list)


class HouseholdChanged(_Event):
    """Members joined or left the household (ids only); ``members`` is how many it has now."""

    kind: Literal["household_changed"] = "household_changed"
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    members: int


class FactSet(_Event):
    kind: Literal["fact_set"] = "fact_set"
    name: str
    value: Any


class CoordinatorAssigned(_Event):
    kind: Literal["coordinator_assigned"] = "coordinator_assigned"
    previous: str
    coordinator_id: str


class CasePaused(_Event):
    kind: Literal["case_paused"] = "case_paused"
    stage: str
    reason: str


class CaseResumed(_Event):
    kind: Literal["case_resumed"] = "case_resumed"
    stage: str
    paused_seconds: float


class CaseClosed(_Event):
    kind: Literal["case_closed"] = "case_closed"
    stage: str
    outcome: str


class DurationElapsed(_Event):
    kind: Literal["duration_elapsed"] = "duration_elapsed"
    stage: str


# What an event puts in a coordinator's (or a supervisor's) inbox, named once: the remind
# activity's message, the deliveries' column and the audit's actions all take this list.
ReminderKind = Literal[
    "reminder",
    "escalation",
    "duration_elapsed",
    "partner_unreachable",
    "certificate_lapsed",
    "follow_up_due",
    "appointment_reminder",
    "appointment_missed",
]
REMINDER_KINDS: tuple[str, ...] = get_args(ReminderKind)


class ReminderDue(_Event):
    """A deadline or a visit fell due: ``level`` is ``reminder`` (to the coordinator, the
    ``n``-th time) or ``escalation`` (to the supervisor, after the grace period)."""

    kind: Literal["reminder_due"] = "reminder_due"
    stage: str
    watch: str
    level: Literal["reminder", "escalation"]
    n: int
    due_at: datetime
    coordinator_id: str


class DefinitionMigrated(_Event):
    """The case now runs on a newer version of its definition. The stay in the current stage
    goes on (``stage_entered_at`` is unchanged, so deadlines run from the original entry);
    ``from_stage`` and ``to_stage`` differ when the migration renamed or merged the stage.
    The clocks are the ones after the migration."""

    kind: Literal["definition_migrated"] = "definition_migrated"
    definition_id: str
    from_version: int
    to_version: int
    from_hash: str
    to_hash: str
    from_stage: str
    to_stage: str
    mapping: dict[str, str] = Field(default_factory=dict)
    stage_due_at: datetime | None = None
    duration_ends_at: datetime | None = None
    next_visit_due_at: datetime | None = None


class NotificationRequested(_Event):
    kind: Literal["notification_requested"] = "notification_requested"
    stage: str
    moment: Literal["enter", "exit", "referral", "action"]
    partner_fact: str  # the partner fact named by the stage's notify; "" for a referral or an action
    partner_id: str
    partner_kind: str
    referral_id: str | None = None
    service: str | None = None
    # an action of the plan the partner is to do (its id and due date; never its words)
    action_id: str | None = None
    due_on: str | None = None  # ISO date


class ReferralMade(_Event):
    kind: Literal["referral_made"] = "referral_made"
    stage: str
    referral_id: str
    partner_id: str
    partner_kind: str
    service: str
    consent_id: str | None = None
    answer_due_at: datetime


class ReferralAnswered(_Event):
    kind: Literal["referral_answered"] = "referral_answered"
    referral_id: str
    partner_id: str
    answer: Literal["accepted", "rejected", "done"]
    reason: str | None = None


class CertificateLapsed(_Event):
    """A certificate the service depends on expired; ``suspended``: the case was paused."""

    kind: Literal["certificate_lapsed"] = "certificate_lapsed"
    stage: str
    fact: str
    valid_until: str
    suspended: bool


class PartnerUnreachable(_Event):
    """A partner notification failed for good (after its last attempt, or refused outright):
    the coordinator must reach the partner another way."""

    kind: Literal["partner_unreachable"] = "partner_unreachable"
    stage: str
    partner_id: str
    notification_seq: int
    reason: str  # a failure type code, e.g. PermanentDeliveryError, ChannelUnavailable


class PlanRecorded(_Event):
    """A new version of the plan: when it was agreed and how big it is (counts, no text)."""

    kind: Literal["plan_recorded"] = "plan_recorded"
    stage: str
    version: int
    agreed_on: str | None = None  # ISO date
    goals: int
    actions: int
    planned: int


class AppointmentBooked(_Event):
    """A visit booked (or moved: ``rebooked``) for ``appointment_at``. ``late``: after the last
    day the visit cadence allows (accepted inside the grace before the supervisor is told).
    ``next_visit_due_at``: the visit clock afterwards (it counts on the booked day)."""

    kind: Literal["appointment_booked"] = "appointment_booked"
    stage: str
    appointment_id: str
    appointment_at: datetime
    visit_kind: str
    rebooked: bool = False
    late: bool = False
    coordinator_id: str
    next_visit_due_at: datetime | None = None


class AppointmentCancelled(_Event):
    kind: Literal["appointment_cancelled"] = "appointment_cancelled"
    stage: str
    appointment_id: str
    next_visit_due_at: datetime | None = None


class AppointmentFulfilled(_Event):
    """A visit logged (``visit_seq``) fulfilled the appointment."""

    kind: Literal["appointment_fulfilled"] = "appointment_fulfilled"
    stage: str
    appointment_id: str
    visit_seq: int


class AppointmentReminder(_Event):
    """The day before a booked visit: the coordinator is reminded of it."""

    kind: Literal["appointment_reminder"] = "appointment_reminder"
    stage: str
    appointment_id: str
    appointment_at: datetime
    coordinator_id: str


class AppointmentMissed(_Event):
    """The booked day ended with no visit logged: the coordinator is reminded."""

    kind: Literal["appointment_missed"] = "appointment_missed"
    stage: str
    appointment_id: str
    appointment_at: datetime
    coordinator_id: str
    next_visit_due_at: datetime | None = None


Event = Annotated[
    PartnerUnreachable
    | CaseOpened
    | StageEntered
    | VisitRecorded
    | HouseholdChanged
    | FactSet
    | CoordinatorAssigned
    | CasePaused
    | CaseResumed
    | CaseClosed
    | DurationElapsed
    | ReminderDue
    | NotificationRequested
    | DefinitionMigrated
    | ReferralMade
    | ReferralAnswered
    | CertificateLapsed
    | PlanRecorded
    | AppointmentBooked
    | AppointmentCancelled
    | AppointmentFulfilled
    | AppointmentReminder
    | AppointmentMissed,
    Field(discriminator="kind"),
]
