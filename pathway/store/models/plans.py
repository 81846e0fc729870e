"""The case's plan, one row per version: its goals and actions with their words sealed under
the key of the case's client (personal data, as notes are), plus the index of the latest
version's actions in the clear - ids, dates, statuses and owners only - that the stalled
audit and the agenda read."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from pathway.store.models.columns import UTCDateTime, utcnow


class PlanVersion(SQLModel, table=True):
    __tablename__ = "plan_versions"

    case_id: str = Field(foreign_key="cases.id", primary_key=True)
    version: int = Field(primary_key=True)
    agreed_on: date | None = None
    author: str
    # The Idempotency-Key of the command that made it: a retry finds its version.
    command_id: str = Field(index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The whole plan (goals, actions, their titles) as JSON, sealed.
    body_sealed: str


class PlanActionRow(SQLModel, table=True):
    """An action of the case's latest plan version: who (a kind and an id), by when, in what
    status. No words: the action's title is in the sealed version."""

    __tablename__ = "plan_actions"
    # The stalled audit's action_overdue: the late planned actions, a range scan.
    __table_args__ = (Index("ix_plan_actions_status_due_at", "status", "due_at"),)

    case_id: str = Field(foreign_key="cases.id", primary_key=True)
    action_id: str = Field(primary_key=True)
    goal_id: str
    version: int
    owner_kind: str
    owner_id: str | None = None
    due_on: date | None = None
    # The first late instant (pathway.core.overdue.due_at of due_on in the case's zone).
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    status: str  # planned / done / dropped
    reason: str | None = None


class PlanReviewRow(SQLModel, table=True):
    """When the case's latest plan version is next reviewed (a definition asking for a review
    every N months): written with each version, read by the stalled audit. No words."""

    __tablename__ = "plan_reviews"

    case_id: str = Field(foreign_key="cases.id", primary_key=True)
    version: int
    agreed_on: date
    # The last day on time, and the first late instant (pathway.core.plan.review_due_at).
    due_on: date
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
