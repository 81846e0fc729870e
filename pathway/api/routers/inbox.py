"""A person's inbox of reminders and escalations, and how they are told (thin; see
``pathway.app.inbox``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from pathway.api.deps import ContextDep
from pathway.app import inbox
from pathway.app.inbox import InboxPage, NoticeChoice, ReadResult

router = APIRouter(tags=["inbox"])

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
ItemId = Annotated[int, Path(ge=1, le=2**62)]


@router.get("/inbox", response_model=InboxPage)
def list_inbox(ctx: ContextDep, unread: bool = False, limit: Limit = 50, offset: Offset = 0) -> InboxPage:
    return inbox.list_inbox(ctx, unread_only=unread, limit=limit, offset=offset)


@router.post("/inbox/read", response_model=ReadResult)
def read_all(ctx: ContextDep) -> ReadResult:
    return inbox.read_all(ctx)


@router.post("/inbox/{item_id}/read", response_model=ReadResult)
def read_one(item_id: ItemId, ctx: ContextDep) -> ReadResult:
    return inbox.read_one(ctx, item_id)


@router.get("/me/notifications", response_model=NoticeChoice)
def notice(ctx: ContextDep) -> NoticeChoice:
    return inbox.notice(ctx)


@router.put("/me/notifications", response_model=NoticeChoice)
async def choose_notice(body: NoticeChoice, ctx: ContextDep) -> NoticeChoice:
    return await inbox.choose_notice(ctx, body)
