"""The plan: a new version of its skeleton (RecordPlan), the clocks of its due actions and of
its review.

Each planned action with a due date is watched like a visit (``action:<id>``: reminded when
due, escalated after the definition's grace); a done or dropped action, or one no longer in
the plan, stops being watched. A definition asking for a review every N months watches the
next one (``plan_review``) from the day the plan was last agreed."""

from __future__ import annotations

from datetime import datetime

from pathway.core import overdue
from pathway.core.case import clocks
from pathway.core.case.base import CODE, CaseBase
from pathway.core.commands import RecordPlan
from pathway.core.errors import IllegalMove, InvalidCommand
from pathway.core.events import NotificationRequested, PlanRecorded
from pathway.core.plan import PlanAction, review_due_at

ACTION_WATCH = "action"
REVIEW_WATCH = "plan_review"


def check_record_plan(case: CaseBase, command: RecordPlan, now: datetime) -> None:
    if case.definition.plan is None:
        raise InvalidCommand("this pathway keeps no structured plan")
    current = case.state.plan.version if case.state.plan else 0
    if command.plan.version != current + 1:
        raise IllegalMove(
            f"the plan is at version {current}; a change is made to the latest version",
            version=current,
            sent=command.plan.version,
        )
    goals = set(command.plan.goal_ids)
    for a in command.plan.actions:
        if not CODE.match(a.action_id) or a.goal_id not in goals:
            raise InvalidCommand("an action names its goal by id", action_id=a.action_id)
        if a.reason is not None and not CODE.match(a.reason):
            raise InvalidCommand("a reason is a code", action_id=a.action_id)


def apply_record_plan(case: CaseBase, command: RecordPlan, now: datetime, checked: None) -> None:
    s, plan = case.state, command.plan
    before = {a.action_id: a for a in s.plan.actions} if s.plan else {}
    s.plan = plan
    watched = {f"{ACTION_WATCH}:{a.action_id}": a for a in plan.actions if a.status == "planned" and a.due_on}
    for key in [k for k in s.watches if k.startswith(f"{ACTION_WATCH}:")]:
        action = watched.get(key)
        if action is None or action.due_on is None or s.watches[key].due_at != overdue.due_at(action.due_on, case.tz):
            del s.watches[key]  # done, dropped, removed or moved: a moved one is armed afresh below
    for key, action in watched.items():
        if key not in s.watches and action.due_on is not None:
            clocks.arm(case, key, overdue.due_at(action.due_on, case.tz), ref=action.action_id)
    review = case.definition.plan.review_every if case.definition.plan else None
    due = review_due_at(plan.agreed_on, review, case.tz)
    if due is not None:
        current = s.watches.get(REVIEW_WATCH)
        if current is None or current.due_at != due:
            clocks.arm(case, REVIEW_WATCH, due)
    case.emit(
        PlanRecorded,
        now,
        command.actor,
        command_id=command.command_id,
        stage=s.stage,
        version=plan.version,
        agreed_on=plan.agreed_on.isoformat() if plan.agreed_on else None,
        goals=len(plan.goal_ids),
        actions=len(plan.actions),
        planned=sum(1 for a in plan.actions if a.status == "planned"),
    )
    _tell_partners(case, command, before, now)


def _tell_partners(case: CaseBase, command: RecordPlan, before: dict[str, PlanAction], now: datetime) -> None:
    """A partner given an action (new to it, or with a new due date) is told through its
    channel: the action's id and date, within the partner's scope (never the action's words)."""
    for a in command.plan.actions:
        if a.owner_kind != "partner" or not a.owner_id or a.status != "planned":
            continue
        old = before.get(a.action_id)
        if old is not None and (old.owner_id, old.due_on, old.status) == (a.owner_id, a.due_on, a.status):
            continue
        case.emit(
            NotificationRequested,
            now,
            command.actor,
            command_id=command.command_id,
            stage=case.state.stage,
            moment="action",
            partner_fact="",
            partner_id=a.owner_id,
            partner_kind=a.partner_kind or "",
            action_id=a.action_id,
            due_on=a.due_on.isoformat() if a.due_on else None,
        )
