"""What a plan sent by a person must be before it becomes a version: ids given (or made),
unique; each owner known (a partner of the resource map, a member of the household); a dropped
action says why (a code); and what the case's definition asks of a plan. Each refusal is a
422 naming the field."""

from __future__ import annotations

import uuid
from typing import Any

from pathway.app import household
from pathway.app.context import Context
from pathway.app.errors import AppError
from pathway.app.partners import partner_of_unit
from pathway.app.plan_shapes import PlanIn
from pathway.core.definition import PlanPolicy
from pathway.core.plan import DROP_REASONS, PlanAction, PlanSkeleton, problems


def member_ids_of_case(ctx: Context, case_id: str) -> frozenset[str]:
    """The ids of the members of the case's household (not erased): an action owned by a
    member names one of them. The one seam between the plan and the household."""
    return frozenset(household.member_ids(ctx, case_id))


_ID_NAMESPACE = uuid.UUID("5d0c8a52-8f0e-4a8e-9c61-2f4b7d1e9a30")


def plan_document(body: PlanIn, key: str | None = None) -> dict[str, Any]:
    """The plan as it is kept (sealed): every goal and action with an id (made for new ones;
    from the Idempotency-Key when there is one, so a retried command makes the same ids)."""
    made = iter(range(10_000))

    def _new_id() -> str:
        if key is None:
            return uuid.uuid4().hex[:12]
        return uuid.uuid5(_ID_NAMESPACE, f"{key}:{next(made)}").hex[:12]

    return {
        "agreed_on": body.agreed_on.isoformat() if body.agreed_on else None,
        "goals": [
            {
                "id": g.id or _new_id(),
                "title": g.title.strip(),
                "actions": [
                    {
                        "id": a.id or _new_id(),
                        "title": a.title.strip(),
                        "owner": {"kind": a.owner.kind, "id": a.owner.id},
                        "due_on": a.due_on.isoformat() if a.due_on else None,
                        "status": a.status,
                        "reason": a.reason,
                    }
                    for a in g.actions
                ],
            }
            for g in body.goals
        ],
    }


def _refuse(code: str, message: str, field: str) -> AppError:
    return AppError(422, code, message, field=field)


def skeleton_of(ctx: Context, case_id: str, doc: dict[str, Any], version: int, policy: PlanPolicy) -> PlanSkeleton:
    """The plan's skeleton (what the workflow gets), once every check passed."""
    members = member_ids_of_case(ctx, case_id)
    seen: set[str] = set()
    goal_ids: list[str] = []
    actions: list[PlanAction] = []
    for i, goal in enumerate(doc["goals"]):
        if not goal["title"]:
            raise _refuse("empty_title", "a goal has a title", f"goals[{i}].title")
        if goal["id"] in seen:
            raise _refuse("duplicate_id", f"id '{goal['id']}' is used twice", f"goals[{i}].id")
        seen.add(goal["id"])
        goal_ids.append(goal["id"])
        for j, action in enumerate(goal["actions"]):
            where = f"goals[{i}].actions[{j}]"
            if not action["title"]:
                raise _refuse("empty_title", "an action has a title", f"{where}.title")
            if action["id"] in seen:
                raise _refuse("duplicate_id", f"id '{action['id']}' is used twice", f"{where}.id")
            seen.add(action["id"])
            actions.append(_action(ctx, goal["id"], action, where, members))
    plan = PlanSkeleton(version=version, agreed_on=doc["agreed_on"], goal_ids=goal_ids, actions=actions)
    found = problems(policy, plan)
    if found:
        raise AppError(
            422,
            "plan_incomplete",
            "; ".join(f"{p.reason} / {p.reason_pl}" for p in found),
            field=found[0].field,
            problems=[p.model_dump() for p in found],
        )
    return plan


def _action(ctx: Context, goal_id: str, a: dict[str, Any], where: str, members: frozenset[str] | None) -> PlanAction:
    owner, partner_kind = a["owner"], None
    if owner["kind"] == "partner":
        if not owner["id"]:
            raise _refuse("missing_owner", "a partner's action names the partner", f"{where}.owner.id")
        partner_kind = partner_of_unit(ctx, owner["id"], field=f"{where}.owner.id").kind
    elif owner["kind"] == "member":
        if not owner["id"] or (members is not None and owner["id"] not in members):
            raise _refuse("unknown_member", "a member's action names a member of the household", f"{where}.owner.id")
    if a["status"] == "dropped" and a["reason"] not in DROP_REASONS:
        raise _refuse(
            "missing_reason", f"a dropped action says why: one of {', '.join(DROP_REASONS)}", f"{where}.reason"
        )
    if a["status"] != "dropped" and a["reason"] is not None:
        raise _refuse("not_applicable", "only a dropped action has a reason", f"{where}.reason")
    return PlanAction(
        action_id=a["id"],
        goal_id=goal_id,
        owner_kind=owner["kind"],
        owner_id=owner["id"],
        partner_kind=partner_kind,
        due_on=a["due_on"],
        status=a["status"],
        reason=a["reason"],
    )
