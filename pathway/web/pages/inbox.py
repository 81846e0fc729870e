"""The person's inbox: reminders and escalations, each linking to its case; mark read; and
whether they are told by e-mail too (thin; see ``pathway.app.inbox``)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

from pathway.app import inbox
from pathway.app.errors import AppError
from pathway.web import forms
from pathway.web.page import form_of, redirect, signed_in

router = APIRouter(include_in_schema=False)


@router.get("/inbox")
async def inbox_page(request: Request) -> Response:
    page = await signed_in(request)
    unread_only = request.query_params.get("unread") == "1"
    with page.context() as ctx:
        found = inbox.list_inbox(ctx, unread_only=unread_only, limit=200)
        notice = inbox.notice(ctx)
    return page.render("inbox.html", found=found, unread_only=unread_only, notice=notice)


@router.post("/inbox/{item_id}/read")
async def read_one(request: Request, item_id: int) -> Response:
    page, _form = await form_of(request)
    with page.context() as ctx:
        try:
            inbox.read_one(ctx, item_id)
        except AppError as exc:
            return page.error(exc)
    return redirect("/inbox")


@router.post("/inbox/read")
async def read_all(request: Request) -> Response:
    page, _form = await form_of(request)
    with page.context() as ctx:
        inbox.read_all(ctx)
    return redirect("/inbox")


@router.post("/inbox/notice")
async def choose_notice(request: Request) -> Response:
    page, form = await form_of(request)
    email = forms.field(form, "email") or None
    channel = forms.field(form, "channel") or "inbox"
    with page.context() as ctx:
        try:
            choice = inbox.NoticeChoice.model_validate({"channel": channel, "email": email})
            await inbox.choose_notice(ctx, choice)
        except ValidationError:
            return page.render(
                "inbox.html",
                status=422,
                found=inbox.list_inbox(ctx, limit=200),
                unread_only=False,
                notice=inbox.notice(ctx),
                problem=page._("Give a valid e-mail address."),
            )
        except AppError as exc:
            return page.render(
                "inbox.html",
                status=exc.status,
                found=inbox.list_inbox(ctx, limit=200),
                unread_only=False,
                notice=inbox.notice(ctx),
                problem=page.refusal(exc),
            )
    return redirect("/inbox")
