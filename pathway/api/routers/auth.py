"""Signing in and out: a bearer token for the API and the CLI."""

from __future__ import annotations

import asyncio
from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from pathway.api.deps import ActorDep, ServicesDep, _token_from, client_address
from pathway.api.errors import ApiError
from pathway.security import accounts
from pathway.store import audit_trail

router = APIRouter(prefix="/auth", tags=["auth"])


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=1024)


class UserOut(BaseModel):
    id: str
    display_name: str
    unit: str
    roles: list[str]


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    user: UserOut


@router.post("/token", response_model=TokenOut)
async def token(body: TokenRequest, request: Request, services: ServicesDep) -> TokenOut:
    engine = services.engine
    try:
        # argon2 is deliberately slow: keep it off the event loop
        raw, session = await asyncio.to_thread(accounts.login, engine, user_id=body.username, password=body.password)
    except accounts.AccountError as refused:
        user = accounts.get_user(engine, body.username)
        if user is not None:
            audit_trail.append(engine, unit_id=user.unit_id, actor=user.id, action="auth.login_refused",
                               address=client_address(request), details={"reason": refused.code})
        raise ApiError(401, refused.code, refused.message, headers={"WWW-Authenticate": "Bearer"}) from None
    user = accounts.get_user(engine, body.username)
    assert user is not None
    audit_trail.append(engine, unit_id=user.unit_id, actor=user.id, action="auth.login", address=client_address(request))
    return TokenOut(access_token=raw, expires_at=session.expires_at,
                    user=UserOut(id=user.id, display_name=user.display_name, unit=user.unit_id, roles=user.roles))


@router.post("/logout", status_code=204)
def logout(request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    raw = _token_from(request)
    if raw:
        accounts.logout(services.engine, raw)
    audit_trail.append(services.engine, unit_id=actor.unit_id, actor=actor.id, action="auth.logout", address=client_address(request))
    return Response(status_code=204)


@router.get("/me", response_model=UserOut)
def me(actor: ActorDep) -> UserOut:
    return UserOut(id=actor.id, display_name=actor.display_name, unit=actor.unit_id, roles=sorted(actor.roles))
