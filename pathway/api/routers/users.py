"""Staff accounts, managed by an admin of the unit (thin; see ``pathway.app.staff``)."""

from __future__ import annotations

from fastapi import APIRouter

from pathway.api.deps import ContextDep
from pathway.app import staff
from pathway.app.schemas import Page
from pathway.app.staff import UserIn, UserOut

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", response_model=Page[UserOut])
def list_users(ctx: ContextDep) -> Page[UserOut]:
    return staff.list_users(ctx)


@router.post("", status_code=201, response_model=UserOut)
async def create_user(body: UserIn, ctx: ContextDep) -> UserOut:
    return await staff.add_user(ctx, body)


@router.post("/{user_id}/disable", response_model=UserOut)
async def disable_user(user_id: str, ctx: ContextDep) -> UserOut:
    return await staff.set_disabled(ctx, user_id, True)


@router.post("/{user_id}/enable", response_model=UserOut)
async def enable_user(user_id: str, ctx: ContextDep) -> UserOut:
    return await staff.set_disabled(ctx, user_id, False)
