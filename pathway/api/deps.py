"""What every request handler needs, built once per app and handed out by FastAPI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client
from temporalio.converter import PayloadCodec

from pathway.api.errors import ApiError
from pathway.app.catalog import Catalog
from pathway.config import Settings
from pathway.core.commands import TOKEN
from pathway.security import accounts
from pathway.security.accounts import Principal
from pathway.security.identity import IdentityVault
from pathway.security.policy import Action, CaseScope, decide, own_cases_only
from pathway.security.rate_limits import SignInLimits
from pathway.store import audit_trail


@dataclass
class Services:
    settings: Settings
    client: Client
    engine: Engine
    catalog: Catalog
    # Counts sign-in attempts per address and per (account, address) (security/rate_limits.py).
    sign_in_limits: SignInLimits
    codec: PayloadCodec | None = None
    # Seals and opens client identity and notes (keys in the separate key store).
    vault: IdentityVault | None = None


# The dependencies are ``async def`` although they await nothing: FastAPI runs a plain
# ``def`` dependency in a worker thread, and four thread hops per request were a measurable
# part of an advance's latency (bench/RESULTS.md). What they do is short and in memory, or
# one indexed read, like the handlers' own reads on the loop.
def services_of(request: Request) -> Services:
    return request.app.state.services


async def get_services(request: Request) -> Services:
    return services_of(request)


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_session(services: ServicesDep) -> AsyncIterator[Session]:
    # The vault rides along in ``session.info`` so that code holding only the session can
    # reach it (``vault_of``).
    # An async dependency, so that closing the session (giving its connection back) happens
    # on the event loop as the request ends: a sync one is closed in a worker thread, and a
    # request waiting there for a free thread held its connection (the scale benchmark ran
    # the pool dry so after 9,000 opens).
    # expire_on_commit=False: rows read before ``release_connection`` stay readable after it.
    with Session(services.engine, info={"vault": services.vault}, expire_on_commit=False) as session:
        yield session


def release_connection(session: Session) -> None:
    """End the request session's transaction before waiting on Temporal, so that its
    database connection goes back to the pool. A request parked on a workflow must not hold
    one: with more requests in flight than the pool has connections, the next request's
    checkout blocks the event loop, and with it every parked request that would give one
    back (the scale benchmark deadlocked so at 16 concurrent opens)."""
    if session.in_transaction():
        session.commit()


def vault_of(session: Session) -> IdentityVault:
    """The identity vault of a request's session (see ``get_session``)."""
    vault = session.info.get("vault")
    if vault is None:
        raise RuntimeError("this session carries no identity vault (build the app with create_app)")
    return vault


# scope="function": the session closes as the handler returns, before the answer is sent —
# not after, when sending it (an await) would keep the connection out of the pool.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

BEARER = "Bearer "
SESSION_COOKIE = "pathway_session"


def _token_from(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.startswith(BEARER):
        return header[len(BEARER) :].strip() or None
    return request.cookies.get(SESSION_COOKIE) or None


_bearer = HTTPBearer(
    auto_error=False, description="a token from POST /api/v1/auth/token (or the browser's session cookie)"
)


def authenticated(request: Request, services: Services) -> Principal:
    """The signed-in staff member; 401 without a live token (bearer header or session cookie)."""
    token = _token_from(request)
    principal = accounts.authenticate(services.engine, token) if token else None
    if principal is None:
        raise ApiError(
            401,
            "unauthorized",
            "sign in first: POST /api/v1/auth/token gives a bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    request.state.principal = principal
    return principal


async def current_principal(
    request: Request,
    services: ServicesDep,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None,
) -> Principal:
    """``authenticated`` as a dependency. (``_credentials`` only declares the bearer scheme in
    the OpenAPI document.)"""
    return authenticated(request, services)


# Every handler names the person acting "actor": the principal behind the request's token.
Actor = Principal
ActorDep = Annotated[Principal, Depends(current_principal)]


def authorize(principal: Principal, action: Action, case: CaseScope | None = None) -> None:
    decision = decide(principal, action, case)
    if not decision.allowed:
        if decision.status == 404:
            raise ApiError(404, "not_found", "not found")
        raise ApiError(403, "forbidden", decision.reason)


def coordinator_scope(principal: Principal, requested: str | None) -> str | None:
    """The coordinator filter of a list or audit: a coordinator is held to their own cases
    (asking for a colleague's is refused); a supervisor may ask for anyone's or everyone's."""
    own = own_cases_only(principal)
    if own is None:
        return requested
    if requested not in (None, own):
        raise ApiError(403, "forbidden", "a coordinator sees only their own cases")
    return own


def own_unit(principal: Principal, requested: str | None) -> str:
    """The unit filter of an audit or report: always the principal's own unit (asking for
    another unit's is refused, as if it did not exist)."""
    if requested not in (None, principal.unit_id):
        raise ApiError(404, "unit_not_found", f"no unit '{requested}'")
    return principal.unit_id


def client_address(request: Request) -> str | None:
    """The socket's peer; behind a reverse proxy listed in PATHWAY_TRUSTED_PROXIES, the
    client its X-Forwarded-For names (``create_app`` installs the proxy-headers middleware)."""
    return request.client.host if request.client else None


def checked_idempotency_key(value: str | None) -> str | None:
    if value is not None and not TOKEN.match(value):
        raise ApiError(
            400, "invalid_idempotency_key", "Idempotency-Key must be 1-128 characters of letters, digits, _ . : @ -"
        )
    return value


async def idempotency_key(idempotency_key: Annotated[str | None, Header()] = None) -> str | None:
    return checked_idempotency_key(idempotency_key)


IdempotencyKeyDep = Annotated[str | None, Depends(idempotency_key)]


@dataclass
class Auditor:
    """Appends to the unit's tamper-evident audit trail on behalf of the request's principal."""

    engine: Engine
    principal: Principal
    address: str | None

    def record(self, action: str, *, case_id: str | None = None, **details: object) -> None:
        audit_trail.append(
            self.engine,
            unit_id=self.principal.unit_id,
            actor=self.principal.id,
            action=action,
            case_id=case_id,
            address=self.address,
            details=dict(details),
        )


async def get_auditor(request: Request, services: ServicesDep, principal: ActorDep) -> Auditor:
    return Auditor(services.engine, principal, client_address(request))


AuditDep = Annotated[Auditor, Depends(get_auditor)]
