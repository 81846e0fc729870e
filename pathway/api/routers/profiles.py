"""A case's client profile and outcomes: read it, record the status after exit (thin; see
``pathway.app.profiles``)."""

from __future__ import annotations

from fastapi import APIRouter

from pathway.api.deps import ContextDep, IdempotencyKeyDep
from pathway.app import profiles
from pathway.app.profiles import FollowUpRequest, ProfileOut

router = APIRouter(prefix="/cases/{case_id}/profile", tags=["profile"])


@router.get("", response_model=ProfileOut)
async def read_profile(case_id: str, ctx: ContextDep) -> ProfileOut:
    return await profiles.read_profile(ctx, case_id)


@router.put("/follow-up", response_model=ProfileOut)
async def record_follow_up(case_id: str, body: FollowUpRequest, ctx: ContextDep, key: IdempotencyKeyDep) -> ProfileOut:
    return await profiles.record_follow_up(ctx, case_id, body, key)
