"""What every API handler needs, handed out by FastAPI: the services, the request's database
session, the signed-in staff member, the idempotency key, and the use cases' context."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from pathway.app.context import Context, open_session
from pathway.app.services import Services
from pathway.core.commands import TOKEN
from pathway.http.requests import (
    SESSION_COOKIE,
    authenticated,
    checked_idempotency_key,
    client_address,
    services_of,
    token_from,
)
from pathway.security.accounts import Principal

__all__ = [
    "SESSION_COOKIE",
    "ActorDep",
    "ContextDep",
    "IdempotencyKeyDep",
    "ServicesDep",
    "SessionDep",
    "client_address",
    "token_from",
]


# The dependencies are ``async def`` although they await nothing: FastAPI runs a plain
# ``def`` dependency in a worker thread, and four thread hops per request were a measurable
# part of an advance's latency (bench/RESULTS.md). What they do is short and in memory, or
# one indexed read, like the handlers' own reads on the loop.
async def get_services(request: Request) -> Services:
    return services_of(request)


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_session(services: ServicesDep) -> AsyncIterator[Session]:
    # An async dependency, so that closing the session (giving its connection back) happens
    # on the event loop as the request ends: a sync one is closed in a worker thread, and a
    # request waiting there for a free thread held its connection (the scale benchmark ran
    # the pool dry so after 9,000 opens).
    with open_session(services) as session:
        yield session


# scope="function": the session closes as the handler returns, before the answer is sent —
# not after, when sending it (an await) would keep the connection out of the pool.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

_bearer = HTTPBearer(
    auto_error=False, description="a token from POST /api/v1/auth/token (or the browser's session cookie)"
)


async def current_principal(
    request: Request,
    services: ServicesDep,
    session: SessionDep,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None,
) -> Principal:
    """``authenticated`` as a dependency, on the request's session (the token's read and the
    handler's first reads share one connection). (``_credentials`` only declares the bearer
    scheme in the OpenAPI document.)"""
    return authenticated(request, services, session)


# Every handler names the person acting "actor": the principal behind the request's token.
ActorDep = Annotated[Principal, Depends(current_principal)]


async def idempotency_key(
    idempotency_key: Annotated[
        str | None,
        Header(
            description="a key of the client's choosing, new for every new command: the same key sent again "
            "is the same command (applied once, answered with its first outcome)",
            # Said in the document; checked by checked_idempotency_key (400 invalid_idempotency_key).
            json_schema_extra={"pattern": TOKEN.pattern, "minLength": 1, "maxLength": 128},
        ),
    ] = None,
) -> str | None:
    return checked_idempotency_key(idempotency_key)


IdempotencyKeyDep = Annotated[str | None, Depends(idempotency_key)]


async def get_context(request: Request, services: ServicesDep, session: SessionDep, actor: ActorDep) -> Context:
    return Context(services=services, session=session, actor=actor, address=client_address(request))


ContextDep = Annotated[Context, Depends(get_context)]
