"""The projection of workflow events: cases, their events, stays in stages and visits;
written only by the projection activity and used for lists, audits and reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from pathway.store.models.columns import UTCDateTime


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

    # The stalled audit's answers, stored by the projection so its rows come back from SQL
    # finished (pathway.readmodels.stalled_limits.audit_columns; None on a row not filled yet,
    # which the audit then computes itself): the local days the stage and the visit fall due
    # on, in ``due_zone``; when the inactivity and the pause limits end, and their days, with
    # the limit and zone each was computed for.
    due_zone: str | None = None
    stage_due_on: date | None = None
    next_visit_due_on: date | None = None
    inactive_limit: str | None = None
    inactive_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    inactive_since_on: date | None = None
    pause_limit: str | None = None
    pause_ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    pause_ends_on: date | None = None


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
