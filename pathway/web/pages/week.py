"""My week: each day's due visits and deadlines, the late ones first; and the calendar feed
to subscribe to on a phone (thin; see ``pathway.app.week``)."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Request, Response

from pathway.app import week
from pathway.app.errors import AppError
from pathway.web.page import form_of, redirect, signed_in

router = APIRouter(include_in_schema=False)


def _start(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@router.get("/week")
async def my_week(request: Request) -> Response:
    page = await signed_in(request)
    with page.context() as ctx:
        shown = week.week(ctx, _start(request.query_params.get("start")))
        feed = week.has_feed(ctx)
    return page.render(
        "week.html",
        week=shown,
        feed=feed,
        feed_url=None,
        previous=(shown.start - timedelta(days=7)).isoformat(),
        following=(shown.start + timedelta(days=7)).isoformat(),
    )


@router.post("/week/calendar")
async def new_feed(request: Request) -> Response:
    page, _form = await form_of(request)
    with page.context() as ctx:
        made = await week.new_feed(ctx)
        shown = week.week(ctx)
    start = shown.start
    return page.render(
        "week.html",
        week=shown,
        feed=True,
        feed_url=made.url,
        previous=(start - timedelta(days=7)).isoformat(),
        following=(start + timedelta(days=7)).isoformat(),
    )


@router.post("/week/calendar/revoke")
async def revoke_feed(request: Request) -> Response:
    page, _form = await form_of(request)
    with page.context() as ctx:
        try:
            await week.revoke_feed(ctx)
        except AppError as exc:
            return page.error(exc)
    return redirect("/week")
