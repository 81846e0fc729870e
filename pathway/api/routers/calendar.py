"""A person's week as a calendar feed at a secret, revocable URL (thin; see
``pathway.app.week``). The feed itself needs no sign-in: its URL is the secret."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from pathway.api.deps import ContextDep
from pathway.app import week
from pathway.app.week import FeedOut
from pathway.http.requests import services_of

router = APIRouter(tags=["calendar"])

Token = Annotated[str, Path(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]


@router.post("/me/calendar", status_code=201, response_model=FeedOut)
async def new_feed(ctx: ContextDep) -> FeedOut:
    """A new secret feed URL (shown once); the previous URL stops working."""
    return await week.new_feed(ctx)


@router.delete("/me/calendar", status_code=204)
async def revoke_feed(ctx: ContextDep) -> Response:
    await week.revoke_feed(ctx)
    return Response(status_code=204)


@router.get(
    "/calendar/{token}.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {"schema": {"type": "string"}}}}, 404: {}},
)
def feed(token: Token, request: Request) -> Response:
    body = week.feed_ics(services_of(request), token)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "no-store", "Content-Disposition": 'inline; filename="pathway.ics"'},
    )
