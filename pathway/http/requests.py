"""One HTTP request, as the use cases need it: the process's services, the signed-in staff
member (a bearer token, or the browser's session cookie), the client's address, the
idempotency key, and the use cases' ``Context`` built from them."""

from __future__ import annotations

from fastapi import Request, Response
from sqlmodel import Session

from pathway.app.context import Context
from pathway.app.errors import AppError
from pathway.app.services import Services
from pathway.core.commands import TOKEN
from pathway.security import accounts
from pathway.security.accounts import Principal

BEARER = "Bearer "
SESSION_COOKIE = "pathway_session"


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def token_from(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.startswith(BEARER):
        return header[len(BEARER) :].strip() or None
    return request.cookies.get(SESSION_COOKIE) or None


def authenticated(request: Request, services: Services, session: Session | None = None) -> Principal:
    """The signed-in staff member; 401 without a live token (bearer header or session cookie).
    With the request's ``session``, the token is read on its connection (the one the request's
    reads use next)."""
    token = token_from(request)
    principal = None
    if token and session is not None:
        principal = accounts.authenticate_in(session, token)
    elif token:
        principal = accounts.authenticate(services.engine, token)
    if principal is None:
        raise AppError(
            401,
            "unauthorized",
            "sign in first: POST /api/v1/auth/token gives a bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    request.state.principal = principal
    return principal


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def checked_idempotency_key(value: str | None) -> str | None:
    if value is not None and not TOKEN.match(value):
        raise AppError(
            400,
            "invalid_idempotency_key",
            "Idempotency-Key must be 1-128 characters of letters, digits, _ . : @ -",
        )
    return value


def context_of(request: Request, session: Session, principal: Principal) -> Context:
    return Context(services=services_of(request), session=session, actor=principal, address=client_address(request))


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """The browser's session: HttpOnly (no script reads it), SameSite=Strict (no other site
    can send it), Secure over HTTPS, and no longer-lived than the session itself."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        path="/",
        secure=request.url.scheme == "https",
        max_age=int(accounts.ABSOLUTE_EXPIRY.total_seconds()),
    )


def drop_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
