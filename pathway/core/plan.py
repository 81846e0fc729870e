"""The case's plan as the workflow and the rules see it: ids, dates, statuses and counts only.

The plan itself (goals and actions with their titles, personal data) is sealed in the SQL
store (``pathway.app.plans``); the workflow gets this skeleton of each version: when it was
agreed, and for each action its goal, who does it (a kind and an id), its due date and its
status. ``problems`` says what a plan lacks against its definition's ``PlanPolicy``, naming
the field: the use case refuses such a plan (422) and the ``plan_complete`` guard uses the
same words."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from pathway.core import calendar as cal
from pathway.core import overdue

if TYPE_CHECKING:  # the definition's checks use this module's guard: no import cycle
    from pathway.core.definition import PlanPolicy

ACTION_STATUSES = ("planned", "done", "dropped")
OWNER_KINDS = ("coordinator", "member", "partner")
# Why an action was dropped: a code, never a text.
DROP_REASONS = ("not_needed", "client_declined", "partner_unavailable", "replaced", "circumstances_changed", "other")


class PlanAction(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    action_id: str = Field(min_length=1, max_length=64)
    goal_id: str = Field(min_length=1, max_length=64)
    owner_kind: Literal["coordinator", "member", "partner"]
    owner_id: str | None = Field(default=None, max_length=128)
    partner_kind: str | None = Field(default=None, max_length=32)  # a partner owner's kind (resource map)
    due_on: date | None = None
    status: Literal["planned", "done", "dropped"] = "planned"
    reason: str | None = Field(default=None, max_length=64)


class PlanSkeleton(BaseModel):
    """One version of the case's plan, without a word of its texts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(ge=1)
    agreed_on: date | None = None
    goal_ids: list[str] = Field(default_factory=list)
    actions: list[PlanAction] = Field(default_factory=list)

    def actions_of(self, goal_id: str) -> list[PlanAction]:
        return [a for a in self.actions if a.goal_id == goal_id]


def review_due_at(agreed_on: date | None, every: cal.Duration | None, tz: str) -> datetime | None:
    """The first late instant of the plan's next review: ``every`` after the day it was last
    agreed, on time until that day ends (``pathway.core.overdue.due_at``). None when the
    definition asks for no review or the plan is not agreed. The one computation the workflow's
    watch, the case view and the stalled audit's index all use."""
    if every is None or agreed_on is None:
        return None
    return overdue.due_at(cal.add_to_date(agreed_on, every), tz)


def smallest_plan(policy: PlanPolicy, version: int, agreed_on: date) -> PlanSkeleton:
    """The least a plan needs against ``policy`` (at least one goal, each with the actions it
    asks for, the coordinator's, undated): what a scripted coordinator agrees (``pathway simulate``)."""
    goals = [f"g-{i + 1}" for i in range(max(1, policy.min_goals))]
    actions = [
        PlanAction(action_id=f"{g}-a-{j + 1}", goal_id=g, owner_kind="coordinator")
        for g in goals
        for j in range(max(1, policy.actions_per_goal))
    ]
    return PlanSkeleton(version=version, agreed_on=agreed_on, goal_ids=goals, actions=actions)


class PlanProblem(BaseModel):
    field: str
    reason: str
    reason_pl: str


def problems(policy: PlanPolicy, plan: PlanSkeleton | None) -> list[PlanProblem]:
    """What ``plan`` lacks against ``policy`` (none: it is what the definition asks for)."""
    if plan is None:
        return [PlanProblem(field="plan", reason="no plan is recorded", reason_pl="brak planu")]
    out: list[PlanProblem] = []
    if policy.agreed and plan.agreed_on is None:
        out.append(
            PlanProblem(
                field="agreed_on",
                reason="the plan is not agreed on a date",
                reason_pl="plan nie ma daty uzgodnienia",
            )
        )
    if len(plan.goal_ids) < policy.min_goals:
        out.append(
            PlanProblem(
                field="goals",
                reason=f"the plan needs at least {policy.min_goals} goal(s), it has {len(plan.goal_ids)}",
                reason_pl=f"plan wymaga co najmniej {policy.min_goals} cel(ów), ma {len(plan.goal_ids)}",
            )
        )
    for i, goal_id in enumerate(plan.goal_ids):
        have = len(plan.actions_of(goal_id))
        if have < policy.actions_per_goal:
            out.append(
                PlanProblem(
                    field=f"goals[{i}].actions",
                    reason=f"goal {i + 1} needs at least {policy.actions_per_goal} action(s), it has {have}",
                    reason_pl=f"cel {i + 1} wymaga co najmniej {policy.actions_per_goal} działań, ma {have}",
                )
            )
    return out
