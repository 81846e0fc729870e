"""Staff accounts, managed by an admin of the unit."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from pathway.app.access import authorize
from pathway.app.context import Context
from pathway.app.errors import AppError, not_found
from pathway.app.schemas import Page
from pathway.security import accounts
from pathway.security.accounts import Role
from pathway.security.policy import Action
from pathway.store.models import User

USER_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class UserOut(BaseModel):
    id: str
    display_name: str
    unit: str
    roles: list[str]

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(id=user.id, display_name=user.display_name, unit=user.unit_id, roles=user.roles)


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="login name, e.g. ewa.nowak", pattern=USER_ID.pattern)
    display_name: str = Field(min_length=1, max_length=200)
    roles: list[Role] = Field(min_length=1)
    password: str = Field(min_length=12, max_length=1024)


def list_users(ctx: Context) -> Page[UserOut]:
    authorize(ctx.actor, Action.USER_MANAGE)
    users = accounts.list_users(ctx.services.engine, unit_id=ctx.unit_id)
    return Page(items=[UserOut.of(u) for u in users], count=len(users))


async def add_user(ctx: Context, body: UserIn) -> UserOut:
    authorize(ctx.actor, Action.USER_MANAGE)
    try:
        user = accounts.create_user(
            ctx.services.engine,
            user_id=body.id,
            display_name=body.display_name,
            unit_id=ctx.unit_id,
            roles=body.roles,
            password=body.password,
        )
    except accounts.AccountError as refused:
        raise AppError(409 if refused.code == "user_exists" else 422, refused.code, refused.message) from None
    await ctx.record("user.create", user_id=user.id, roles=user.roles)
    return UserOut.of(user)


async def set_disabled(ctx: Context, user_id: str, disabled: bool) -> UserOut:
    authorize(ctx.actor, Action.USER_MANAGE)
    user = accounts.get_user(ctx.services.engine, user_id)
    if user is None or user.unit_id != ctx.unit_id:
        raise not_found("user", user_id)
    if user.id == ctx.actor.id and disabled:
        raise AppError(409, "cannot_disable_self", "you cannot disable your own account")
    user = accounts.set_disabled(ctx.services.engine, user_id, disabled)
    await ctx.record("user.disable" if disabled else "user.enable", user_id=user_id)
    return UserOut.of(user)
