"""Signing in and out: a bearer token for the API and the CLI."""

from __future__ import annotations

import asyncio
from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from pathway.api.deps import SESSION_COOKIE, ActorDep, ServicesDep, client_address, token_from
from pathway.app.errors import AppError
from pathway.app.staff import UserOut
from pathway.security import accounts
from pathway.store import audit_trail

router = APIRouter(prefix="/auth", tags=["auth"])


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=1024)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    user: UserOut


async def _login(body: TokenRequest, request: Request, services: ServicesDep, kind: str) -> TokenOut:
    engine = services.engine
    try:
        # argon2 is deliberately slow: keep it off the event loop
        raw, session = await asyncio.to_thread(
            accounts.login, engine, user_id=body.username, password=body.password, kind=kind
        )
    except accounts.AccountError as refused:
        user = accounts.get_user(engine, body.username)
        if user is not None:
            audit_trail.append(
                engine,
                unit_id=user.unit_id,
                actor=user.id,
                action="auth.login_refused",
                address=client_address(request),
                details={"reason": refused.code},
            )
        raise AppError(401, refused.code, refused.message, headers={"WWW-Authenticate": "Bearer"}) from None
    user = accounts.get_user(engine, body.username)
    assert user is not None
    audit_trail.append(
        engine, unit_id=user.unit_id, actor=user.id, action="auth.login", address=client_address(request)
    )
    return TokenOut(
        access_token=raw,
        expires_at=session.expires_at,
        user=UserOut(id=user.id, display_name=user.display_name, unit=user.unit_id, roles=user.roles),
    )


@router.post("/token", response_model=TokenOut)
async def token(body: TokenRequest, request: Request, services: ServicesDep) -> TokenOut:
    """A bearer token for the API and the CLI."""
    return await _login(body, request, services, "api")


@router.post("/session", response_model=UserOut)
async def open_session(body: TokenRequest, request: Request, response: Response, services: ServicesDep) -> UserOut:
    """A session cookie for people in a browser (the web pages; the Temporal UI's codec calls).
    HttpOnly (no script reads it) and SameSite=Strict (no other site can send it)."""
    answer = await _login(body, request, services, "web")
    response.set_cookie(
        SESSION_COOKIE,
        answer.access_token,
        httponly=True,
        samesite="strict",
        path="/",
        secure=request.url.scheme == "https",
        max_age=int(accounts.ABSOLUTE_EXPIRY.total_seconds()),
    )
    return answer.user


def end_session(request: Request, services: ServicesDep, actor: ActorDep, response: Response) -> None:
    """Revoke the request's token, record it, and (for a browser) drop the session cookie."""
    raw = token_from(request)
    if raw:
        accounts.logout(services.engine, raw)
    audit_trail.append(
        services.engine, unit_id=actor.unit_id, actor=actor.id, action="auth.logout", address=client_address(request)
    )
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.delete("/session", status_code=204)
def close_session(request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    response = Response(status_code=204)
    end_session(request, services, actor, response)
    return response


@router.post("/logout", status_code=204)
def logout(request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    response = Response(status_code=204)
    end_session(request, services, actor, response)
    return response


@router.get("/me", response_model=UserOut)
def me(actor: ActorDep) -> UserOut:
    return UserOut(id=actor.id, display_name=actor.display_name, unit=actor.unit_id, roles=sorted(actor.roles))
