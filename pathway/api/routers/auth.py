"""Signing in and out: a bearer token for the API and the CLI, a cookie for a browser (thin;
see ``pathway.app.signin``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from pathway.api.deps import ActorDep, ServicesDep, client_address, token_from
from pathway.app.signin import TokenOut, TokenRequest, sign_in, sign_out
from pathway.app.staff import UserOut
from pathway.http.requests import drop_session_cookie, set_session_cookie

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


@router.post("/token", response_model=TokenOut, responses=SIGN_IN_REFUSALS)
async def token(body: TokenRequest, request: Request, services: ServicesDep) -> TokenOut:
    """A bearer token for the API and the CLI."""
    return await sign_in(services, body, address=client_address(request), kind="api")


@router.post("/session", response_model=UserOut, responses=SIGN_IN_REFUSALS)
async def open_session(body: TokenRequest, request: Request, response: Response, services: ServicesDep) -> UserOut:
    """A session cookie for people in a browser (the web pages; the Temporal UI's codec calls).
    HttpOnly (no script reads it) and SameSite=Strict (no other site can send it)."""
    answer = await sign_in(services, body, address=client_address(request), kind="web")
    set_session_cookie(request, response, answer.access_token)
    return answer.user


async def _end(request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    response = Response(status_code=204)
    await sign_out(services, actor, token_from(request), address=client_address(request))
    drop_session_cookie(response)
    return response


@router.delete("/session", status_code=204)
async def close_session(request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    return await _end(request, services, actor)


@router.post("/logout", status_code=204)
async def logout(request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    return await _end(request, services, actor)


@router.get("/me", response_model=UserOut)
def me(actor: ActorDep) -> UserOut:
    return UserOut(id=actor.id, display_name=actor.display_name, unit=actor.unit_id, roles=sorted(actor.roles))
