"""Signing in and out: a token for a staff member (the API's bearer token, the browser's
session cookie), and its revocation.

Signing in is limited per client address and per (account, address) pair
(``pathway.security.rate_limits``): over a limit the answer is 429 ``too_many_attempts``
with ``Retry-After``, the same whether the login typed exists or not; any refused password
is 401 ``invalid_credentials``, the same for an unknown, a disabled and a real account."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Literal

import structlog
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from pathway.app.errors import AppError
from pathway.app.services import Services
from pathway.app.staff import UserOut
from pathway.security import accounts
from pathway.security.accounts import Principal
from pathway.security.rate_limits import LimitsUnavailable, TooManyAttempts
from pathway.store import audit_trail

log = structlog.get_logger()

# Audit entries of refused sign-ins still being written (see _audit_refusal_later).
_refusals_in_flight: set[asyncio.Future[None]] = set()


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=1024)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    user: UserOut


async def sign_in(
    services: Services, body: TokenRequest, *, address: str | None, kind: Literal["api", "web"]
) -> TokenOut:
    engine = services.engine
    address = address or "unknown"
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
        raise AppError(
            429,
            "too_many_attempts",
            f"too many sign-in attempts; try again in {refused.retry_after} seconds",
            retry_after=refused.retry_after,
            headers={"Retry-After": str(refused.retry_after)},
        ) from None
    except LimitsUnavailable as down:
        log.error("sign_in_limits_unavailable", error=str(down))
        raise AppError(
            503,
            "sign_in_unavailable",
            "signing in is unavailable for a moment; try again shortly",
            headers={"Retry-After": "5"},
        ) from None
    except accounts.AccountError as refused:
        _audit_refusal_later(engine, body.username, address, refused.reason)
        raise AppError(401, refused.code, refused.message, headers={"WWW-Authenticate": "Bearer"}) from None
    user = accounts.get_user(engine, body.username)
    assert user is not None
    await asyncio.to_thread(
        audit_trail.append, engine, unit_id=user.unit_id, actor=user.id, action="auth.login", address=address
    )
    return TokenOut(access_token=raw, expires_at=session.expires_at, user=UserOut.of(user))


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


async def sign_out(services: Services, principal: Principal, token: str | None, *, address: str | None) -> None:
    """Revoke the token (it stops working everywhere) and record it."""
    if token:
        await asyncio.to_thread(accounts.logout, services.engine, token)
    await asyncio.to_thread(
        audit_trail.append,
        services.engine,
        unit_id=principal.unit_id,
        actor=principal.id,
        action="auth.logout",
        address=address,
    )
