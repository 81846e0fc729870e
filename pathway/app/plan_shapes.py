"""The shapes of the case's plan: what a person sends (the whole plan, or one action's status)
and what they read back (each action with its due date and, when late, its days overdue from
``pathway.core.overdue``)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pathway.app.schemas import ID_PATTERN

SLUG_PATTERN = r"^[A-Za-z0-9_-]+$"
MAX_GOALS = 30
MAX_ACTIONS = 30  # per goal


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Owner(_In):
    """Who does an action: the case's coordinator, a member of the household, or a partner of
    the resource map (by id)."""

    kind: Literal["coordinator", "member", "partner"]
    id: str | None = Field(default=None, min_length=1, max_length=128, pattern=ID_PATTERN)


class ActionIn(_In):
    id: str | None = Field(default=None, min_length=1, max_length=32, pattern=SLUG_PATTERN)
    title: str = Field(min_length=1, max_length=500)
    owner: Owner
    due_on: date | None = None
    status: Literal["planned", "done", "dropped"] = "planned"
    reason: str | None = Field(default=None, min_length=1, max_length=64, pattern=ID_PATTERN)


class GoalIn(_In):
    id: str | None = Field(default=None, min_length=1, max_length=32, pattern=SLUG_PATTERN)
    title: str = Field(min_length=1, max_length=500)
    actions: list[ActionIn] = Field(default_factory=list, max_length=MAX_ACTIONS)


class PlanIn(_In):
    """The whole plan: every change sends it whole and makes a new version. With
    ``expected_version`` a change made on an older version than the latest is refused (409)."""

    agreed_on: date | None = None
    goals: list[GoalIn] = Field(default_factory=list, max_length=MAX_GOALS)
    expected_version: int | None = Field(default=None, ge=0)


class ActionStatusIn(_In):
    status: Literal["planned", "done", "dropped"]
    reason: str | None = Field(default=None, min_length=1, max_length=64, pattern=ID_PATTERN)
    expected_version: int | None = Field(default=None, ge=0)


class ActionOut(BaseModel):
    id: str
    title: str
    owner: Owner
    due_on: date | None = None
    status: Literal["planned", "done", "dropped"]
    reason: str | None = None
    days_overdue: int | None = None


class GoalOut(BaseModel):
    id: str
    title: str
    actions: list[ActionOut]


class PlanOut(BaseModel):
    case_id: str
    version: int  # 0: no plan yet
    agreed_on: date | None = None
    goals: list[GoalOut] = Field(default_factory=list)
    # When the next review is due (the definition's review interval after agreed_on).
    review_due_on: date | None = None
    review_days_overdue: int | None = None
    erased: bool = False
