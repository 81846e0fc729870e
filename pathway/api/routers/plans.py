"""The case's plan: read it, send it whole (a new version), mark an action (thin; see
``pathway.app.plans``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from pathway.api.deps import ContextDep, IdempotencyKeyDep
from pathway.app import plans
from pathway.app.plan_shapes import SLUG_PATTERN, ActionStatusIn, PlanIn, PlanOut

router = APIRouter(prefix="/cases/{case_id}/plan", tags=["plan"])
ActionId = Annotated[str, Path(min_length=1, max_length=32, pattern=SLUG_PATTERN)]


@router.get("", response_model=PlanOut)
async def read(case_id: str, ctx: ContextDep) -> PlanOut:
    return await plans.read_plan(ctx, case_id)


@router.put("", response_model=PlanOut)
async def replace(case_id: str, body: PlanIn, ctx: ContextDep, key: IdempotencyKeyDep) -> PlanOut:
    """The whole plan; a new version (409 ``stale_plan`` when ``expected_version`` is not the latest)."""
    return await plans.put_plan(ctx, case_id, body, key)


@router.post("/actions/{action_id}/status", response_model=PlanOut)
async def action_status(
    case_id: str, action_id: ActionId, body: ActionStatusIn, ctx: ContextDep, key: IdempotencyKeyDep
) -> PlanOut:
    return await plans.set_action_status(ctx, case_id, action_id, body, key)
