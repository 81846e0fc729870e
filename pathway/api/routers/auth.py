"""Signing in and out: a bearer token for the API and the CLI, a cookie for a browser.

Signing in is limited per client address and per (account, address) pair
(``pathway.security.rate_limits``): over a limit the answer is 429 ``too_many_attempts``
with ``Retry-After``, the same whether the login typed exists or not; any refused password
is 401 ``invalid_credentials``, the same for an unknown, a disabled and a real account."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import structlog
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from pathway.api.deps import SESSION_COOKIE, ActorDep, ServicesDep, _token_from, client_address
from pathway.api.errors import ApiError
from pathway.security import accounts
from pathway.security.rate_limits import LimitsUnavailable, TooManyAttempts
from pathway.store import audit_trail

log = structlog.get_logger()

router = APIRouter(prefix="/auth", tags=["auth"])

_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
SIGN_IN_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Wrong username or password (the same for every refusal)", "content": _ERROR},
    429: {
        "description": "Too many sign-in attempts from this address (or on this account from it)",
        "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
        "content": _ERROR,
    },
    503: {"description": "The sign-in limits' shared storage does not answer", "content": _ERROR},
}
# Audit entries of refused sign-ins still being written (see _audit_refusal_later).
_refusals_in_flight: set[asyncio.Future[None]] = set()


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


async def _login(body: TokenRequest, request: Request, services: ServicesDep, kind: str) -> TokenOut:
    engine = services.engine
    address = client_address(request) or "unknown"
    try:
        # argon2 is deliberately slow and the limits may be a network store: off the event loop
        raw, session = await asyncio.to_thread(
            accounts.sign_in,
            engine,
            services.sign_in_limits,
            user_id=body.username,
            password=body.password,
            address=address,
            kind=kind,
        )
    except TooManyAttempts as refused:
        log.warning("sign_in_throttled", retry_after=refused.retry_after)
        raise ApiError(
            429,
            "too_many_attempts",
            f"too many sign-in attempts; try again in {refused.retry_after} seconds",
            retry_after=refused.retry_after,
            headers={"Retry-After": str(refused.retry_after)},
        ) from None
    except LimitsUnavailable as down:
        log.error("sign_in_limits_unavailable", error=str(down))
        raise ApiError(
            503,
            "sign_in_unavailable",
            "signing in is unavailable for a moment; try again shortly",
            headers={"Retry-After": "5"},
        ) from None
    except accounts.AccountError as refused:
        _audit_refusal_later(engine, body.username, address, refused.reason)
        raise ApiError(401, refused.code, refused.message, headers={"WWW-Authenticate": "Bearer"}) from None
    user = accounts.get_user(engine, body.username)
    assert user is not None
    audit_trail.append(engine, unit_id=user.unit_id, actor=user.id, action="auth.login", address=address)
    return TokenOut(
        access_token=raw,
        expires_at=session.expires_at,
        user=UserOut(id=user.id, display_name=user.display_name, unit=user.unit_id, roles=user.roles),
    )


def _audit_refusal_later(engine: Engine, login: str, address: str, reason: str) -> None:
    """Record a refused sign-in of a real account in its unit's audit trail, after the
    answer has gone: a write made only for real accounts would make their refusals
    measurably slower than a made-up login's."""
    done = asyncio.ensure_future(asyncio.to_thread(_audit_refusal, engine, login, address, reason))
    _refusals_in_flight.add(done)
    done.add_done_callback(_refusal_recorded)


def _audit_refusal(engine: Engine, login: str, address: str, reason: str) -> None:
    user = accounts.get_user(engine, login)
    if user is not None:
        audit_trail.append(
            engine,
            unit_id=user.unit_id,
            actor=user.id,
            action="auth.login_refused",
            address=address,
            details={"reason": reason},
        )


def _refusal_recorded(done: asyncio.Future[None]) -> None:
    _refusals_in_flight.discard(done)
    if not done.cancelled() and done.exception() is not None:
        log.error("sign_in_refusal_not_audited", error=type(done.exception()).__name__)


@router.post("/token", response_model=TokenOut, responses=SIGN_IN_REFUSALS)
async def token(body: TokenRequest, request: Request, services: ServicesDep) -> TokenOut:
    """A bearer token for the API and the CLI."""
    return await _login(body, request, services, "api")


@router.post("/session", response_model=UserOut, responses=SIGN_IN_REFUSALS)
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
    raw = _token_from(request)
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
