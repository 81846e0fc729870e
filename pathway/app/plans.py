"""The case's plan: read it, change it (a new version each time), mark an action done or
dropped.

Every change is a new version: the whole plan sealed in the store (its words are personal
data, as notes are), its skeleton (ids, dates, statuses) sent to the case's workflow, which
watches the due actions and the next review and refuses a change made on a stale version
(409). Read by the case's coordinator and the unit's supervisors; changed by whoever may act
on the case; each change in the audit trail by version and counts, never words."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pathway.app.access import visible_case
from pathway.app.command_keys import one_command_per_key, reused
from pathway.app.context import Context
from pathway.app.errors import AppError
from pathway.app.gateway import new_command_id
from pathway.app.plan_checks import plan_document, skeleton_of
from pathway.app.plan_shapes import ActionIn, ActionOut, ActionStatusIn, GoalIn, GoalOut, Owner, PlanIn, PlanOut
from pathway.app.sending import send
from pathway.core import overdue
from pathway.core.definition import Definition, PlanPolicy
from pathway.core.plan import DROP_REASONS, review_due_at
from pathway.security.identity import ClientErased
from pathway.security.policy import Action
from pathway.store import plans as store
from pathway.store.models import Case, utcnow
from workflows.messages import RecordPlanInput
from workflows.pathway import PathwayWorkflow


def _definition(ctx: Context, case: Case) -> Definition | None:
    entry = ctx.services.catalog.get(case.definition_id)
    return entry.definition if entry else None


def _policy(definition: Definition | None) -> PlanPolicy:
    if definition is None or definition.plan is None:
        raise AppError(422, "no_plan", "this pathway keeps no structured plan", field="plan")
    return definition.plan


def _without_words(body: PlanIn) -> dict[str, Any]:
    """What the idempotency key is bound to: the plan as sent, without its words (never hashed
    into the store); the words are compared with the version the key made, where they are kept."""
    data = body.model_dump(mode="json")
    for goal in data["goals"]:
        goal["title"] = None
        for action in goal["actions"]:
            action["title"] = None
    return data


def _words(doc: dict[str, Any]) -> list[str]:
    return [t for g in doc["goals"] for t in (g["title"], *(a["title"] for a in g["actions"]))]


def plan_out(case_id: str, definition: Definition | None, version: int, doc: dict[str, Any] | None) -> PlanOut:
    """The plan as people read it, each planned action's lateness from ``pathway.core.overdue``."""
    tz = definition.timezone if definition else "Europe/Warsaw"
    now = utcnow()
    if doc is None:
        return PlanOut(case_id=case_id, version=version, erased=version > 0)
    goals = []
    for g in doc["goals"]:
        actions = []
        for a in g["actions"]:
            due = date.fromisoformat(a["due_on"]) if a["due_on"] else None
            late = overdue.days_overdue(overdue.due_at(due, tz), now, tz) if due and a["status"] == "planned" else None
            actions.append(
                ActionOut(
                    id=a["id"],
                    title=a["title"],
                    owner=Owner(kind=a["owner"]["kind"], id=a["owner"]["id"]),
                    due_on=due,
                    status=a["status"],
                    reason=a["reason"],
                    days_overdue=late,
                )
            )
        goals.append(GoalOut(id=g["id"], title=g["title"], actions=actions))
    agreed = date.fromisoformat(doc["agreed_on"]) if doc["agreed_on"] else None
    review = definition.plan.review_every if definition and definition.plan else None
    review_at = review_due_at(agreed, review, tz)
    return PlanOut(
        case_id=case_id,
        version=version,
        agreed_on=agreed,
        goals=goals,
        review_due_on=overdue.due_on(review_at, tz) if review_at else None,
        review_days_overdue=overdue.days_overdue(review_at, now, tz) if review_at else None,
    )


def _read(ctx: Context, case: Case) -> PlanOut:
    found = store.read_version(ctx.session, vault=ctx.vault, case_id=case.id)
    if found is None:
        return PlanOut(case_id=case.id, version=0)
    row, doc = found
    return plan_out(case.id, _definition(ctx, case), row.version, doc)


async def read_plan(ctx: Context, case_id: str) -> PlanOut:
    """The case's latest plan (version 0: none yet)."""
    case = visible_case(ctx, case_id, Action.NOTE_READ)
    out = _read(ctx, case)
    await ctx.record("plan.read", case_id=case_id, version=out.version)
    return out


async def _record(
    ctx: Context,
    case: Case,
    doc: dict[str, Any],
    expected: int | None,
    key: str | None,
    command: str,
    fingerprinted: dict[str, Any],
) -> PlanOut:
    policy = _policy(_definition(ctx, case))
    async with one_command_per_key(ctx, key, command=command, case_id=case.id, body=fingerprinted):
        command_id = key or new_command_id()
        made = store.version_of_command(ctx.session, case_id=case.id, command_id=command_id)
        if made is not None:  # the same command again: its version, if the words are the same
            kept = store.read_version(ctx.session, vault=ctx.vault, case_id=case.id, version=made)
            if kept is not None and kept[1] is not None and _words(kept[1]) != _words(doc):
                raise reused(command)
            return _read(ctx, case)
        latest = store.latest_version(ctx.session, case_id=case.id)
        if expected is not None and expected != latest:
            raise AppError(
                409, "stale_plan", f"the plan is at version {latest}", field="expected_version", version=latest
            )
        plan = skeleton_of(ctx, case.id, doc, latest + 1, policy)
        done = await send(
            ctx,
            case,
            PathwayWorkflow.record_plan,
            RecordPlanInput(command_id=command_id, actor=ctx.actor.id, plan=plan),
        )
        try:
            store.add_version(
                ctx.session,
                vault=ctx.vault,
                case_id=case.id,
                version=plan.version,
                agreed_on=plan.agreed_on,
                author=ctx.actor.id,
                command_id=command_id,
                body=doc,
                actions=_index(plan, _definition(ctx, case)),
                review_due=_review(plan, _definition(ctx, case)),
            )
        except ClientErased:
            raise AppError(
                409, "client_erased", "this client's identity was erased: the plan takes no change"
            ) from None
        await ctx.record(
            "plan.recorded",
            case_id=case.id,
            version=plan.version,
            goals=len(plan.goal_ids),
            actions=len(plan.actions),
            seq=done.result.seq,
        )
        return _read(ctx, case)


def _index(plan: Any, definition: Definition | None) -> list[dict[str, Any]]:
    tz = definition.timezone if definition else "Europe/Warsaw"
    return [
        {
            "action_id": a.action_id,
            "goal_id": a.goal_id,
            "owner_kind": a.owner_kind,
            "owner_id": a.owner_id,
            "due_on": a.due_on,
            "due_at": overdue.due_at(a.due_on, tz) if a.due_on else None,
            "status": a.status,
            "reason": a.reason,
        }
        for a in plan.actions
    ]


def _review(plan: Any, definition: Definition | None) -> tuple[date, datetime] | None:
    """The next review's last day on time and first late instant, as the workflow watches it."""
    if definition is None or definition.plan is None:
        return None
    due = review_due_at(plan.agreed_on, definition.plan.review_every, definition.timezone)
    return (overdue.due_on(due, definition.timezone), due) if due else None


async def put_plan(ctx: Context, case_id: str, body: PlanIn, key: str | None) -> PlanOut:
    """The whole plan, as a new version."""
    case = visible_case(ctx, case_id, Action.CASE_ACT)
    return await _record(ctx, case, plan_document(body, key), body.expected_version, key, "plan", _without_words(body))


async def set_action_status(
    ctx: Context, case_id: str, action_id: str, body: ActionStatusIn, key: str | None
) -> PlanOut:
    """One action done, dropped (with a reason code) or planned again: a new version."""
    case = visible_case(ctx, case_id, Action.CASE_ACT)
    if body.status == "dropped" and body.reason not in DROP_REASONS:
        raise AppError(
            422, "missing_reason", f"a dropped action says why: one of {', '.join(DROP_REASONS)}", field="reason"
        )
    if body.status != "dropped" and body.reason is not None:
        raise AppError(422, "not_applicable", "only a dropped action has a reason", field="reason")
    found = store.read_version(ctx.session, vault=ctx.vault, case_id=case.id)
    if found is None or found[1] is None:
        raise AppError(422, "unknown_action", f"the plan has no action '{action_id}'", field="action_id")
    doc = found[1]
    action = next((a for g in doc["goals"] for a in g["actions"] if a["id"] == action_id), None)
    if action is None:
        raise AppError(422, "unknown_action", f"the plan has no action '{action_id}'", field="action_id")
    action.update(status=body.status, reason=body.reason)
    command = f"plan_action_status:{action_id}"
    return await _record(ctx, case, doc, body.expected_version, key, command, body.model_dump(mode="json"))


async def add_to_plan(
    ctx: Context,
    case_id: str,
    *,
    action: ActionIn,
    goal_title: str | None = None,
    goal_id: str | None = None,
    agreed_on: date | None = None,
    expected_version: int | None = None,
    key: str | None = None,
) -> PlanOut:
    """One action added to the latest plan: under a new goal (``goal_title``) or under the goal
    ``goal_id``; the whole plan written as a new version (the web page's "add a goal", "add an
    action"). ``agreed_on`` replaces the plan's date when given. The same key again (a form
    sent twice) is the version it made."""
    case = visible_case(ctx, case_id, Action.CASE_ACT)
    if key and store.version_of_command(ctx.session, case_id=case.id, command_id=key) is not None:
        return _read(ctx, case)
    current = _read(ctx, case)
    if current.erased:
        raise AppError(409, "client_erased", "this client's identity was erased: the plan takes no change")
    goals = [
        GoalIn(
            id=g.id,
            title=g.title,
            actions=[
                ActionIn(id=a.id, title=a.title, owner=a.owner, due_on=a.due_on, status=a.status, reason=a.reason)
                for a in g.actions
            ],
        )
        for g in current.goals
    ]
    if goal_id is None:
        if not goal_title:
            raise AppError(422, "missing_goal_title", "a goal has a title", field="goal_title")
        goals.append(GoalIn(title=goal_title, actions=[action]))
    else:
        goal = next((g for g in goals if g.id == goal_id), None)
        if goal is None:
            raise AppError(422, "unknown_goal", f"the plan has no goal '{goal_id}'", field="goal_id")
        goal.actions.append(action)
    body = PlanIn(agreed_on=agreed_on or current.agreed_on, goals=goals, expected_version=expected_version)
    return await put_plan(ctx, case_id, body, key)
