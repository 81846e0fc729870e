"""Staff accounts, managed by an admin of the unit."""

from __future__ import annotations

import re

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, field_validator

from pathway.api.deps import ActorDep, AuditDep, ServicesDep, authorize
from pathway.api.errors import ApiError, not_found
from pathway.api.routers.auth import UserOut
from pathway.api.schemas import Page
from pathway.security import accounts
from pathway.security.policy import Action

router = APIRouter(prefix="/users", tags=["users"])
USER_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="login name, e.g. ewa.nowak")
    display_name: str = Field(min_length=1, max_length=200)
    roles: list[str] = Field(min_length=1)
    password: str = Field(min_length=12, max_length=1024)

    @field_validator("id")
    @classmethod
    def _login(cls, v: str) -> str:
        if not USER_ID.match(v):
            raise ValueError("a login is 2-64 lowercase letters, digits, '.', '_' or '-'")
        return v

    @field_validator("roles")
    @classmethod
    def _roles(cls, v: list[str]) -> list[str]:
        unknown = [r for r in v if r not in accounts.ROLES]
        if unknown:
            raise ValueError(f"unknown role(s) {', '.join(unknown)}; roles are {', '.join(accounts.ROLES)}")
        return v


def _out(user: accounts.User) -> UserOut:
    return UserOut(id=user.id, display_name=user.display_name, unit=user.unit_id, roles=user.roles)


@router.get("", response_model=Page[UserOut])
def list_users(services: ServicesDep, actor: ActorDep) -> Page[UserOut]:
    authorize(actor, Action.USER_MANAGE)
    users = accounts.list_users(services.engine, unit_id=actor.unit_id)
    return Page(items=[_out(u) for u in users], count=len(users))


@router.post("", status_code=201, response_model=UserOut)
def create_user(body: UserIn, services: ServicesDep, actor: ActorDep, audit: AuditDep) -> UserOut:
    authorize(actor, Action.USER_MANAGE)
    try:
        user = accounts.create_user(
            services.engine,
            user_id=body.id,
            display_name=body.display_name,
            unit_id=actor.unit_id,
            roles=body.roles,
            password=body.password,
        )
    except accounts.AccountError as refused:
        raise ApiError(409 if refused.code == "user_exists" else 422, refused.code, refused.message) from None
    audit.record("user.create", user_id=user.id, roles=user.roles)
    return _out(user)


def _set_disabled(user_id: str, disabled: bool, services: ServicesDep, actor: ActorDep, audit: AuditDep) -> UserOut:
    authorize(actor, Action.USER_MANAGE)
    user = accounts.get_user(services.engine, user_id)
    if user is None or user.unit_id != actor.unit_id:
        raise not_found("user", user_id)
    if user.id == actor.id and disabled:
        raise ApiError(409, "cannot_disable_self", "you cannot disable your own account")
    user = accounts.set_disabled(services.engine, user_id, disabled)
    audit.record("user.disable" if disabled else "user.enable", user_id=user_id)
    return _out(user)


@router.post("/{user_id}/disable", response_model=UserOut)
def disable_user(user_id: str, services: ServicesDep, actor: ActorDep, audit: AuditDep) -> UserOut:
    return _set_disabled(user_id, True, services, actor, audit)


@router.post("/{user_id}/enable", response_model=UserOut)
def enable_user(user_id: str, services: ServicesDep, actor: ActorDep, audit: AuditDep) -> UserOut:
    return _set_disabled(user_id, False, services, actor, audit)
