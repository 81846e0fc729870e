"""A case's household: its members listed, added, changed and erased (thin; see
``pathway.app.household``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from pathway.api.deps import ContextDep, IdempotencyKeyDep
from pathway.app import household
from pathway.app.household import MemberChange, MemberErased, MemberIn, MemberOut
from pathway.app.schemas import ID_PATTERN, Page

router = APIRouter(prefix="/cases/{case_id}/members", tags=["household"])
MemberId = Annotated[str, Path(min_length=1, max_length=128, pattern=ID_PATTERN)]


@router.get("", response_model=Page[MemberOut])
def list_members(case_id: str, ctx: ContextDep) -> Page[MemberOut]:
    return household.list_members(ctx, case_id)


@router.post(
    "",
    status_code=201,
    response_model=MemberOut,
    responses={200: {"model": MemberOut, "description": "The same member, retried with its Idempotency-Key"}},
)
async def add_member(
    case_id: str, body: MemberIn, ctx: ContextDep, key: IdempotencyKeyDep, response: Response
) -> MemberOut:
    member, created = await household.add_member(ctx, case_id, body, key)
    if not created:
        response.status_code = 200
    return member


@router.patch("/{member_id}", response_model=MemberOut)
async def change_member(
    case_id: str, member_id: MemberId, body: MemberChange, ctx: ContextDep, key: IdempotencyKeyDep
) -> MemberOut:
    return await household.change_member(ctx, case_id, member_id, body, key)


@router.delete("/{member_id}", response_model=MemberErased)
async def erase_member(case_id: str, member_id: MemberId, ctx: ContextDep, key: IdempotencyKeyDep) -> MemberErased:
    """Erase the person: their name, school and contacts are destroyed for good."""
    return await household.erase_member(ctx, case_id, member_id, key)
