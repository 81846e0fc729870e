"""A person's inbox: the reminders to them and, for a supervisor, the escalations of their
unit; what they have read; and whether they are told by e-mail too.

Items carry the case id and what is due, never a client's data; the due date a person reads
is the last day still on time (``pathway.core.overdue``), in the case definition's zone."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pathway.app.context import Context
from pathway.app.errors import AppError
from pathway.core.overdue import days_overdue, due_on
from pathway.store import inbox as store
from pathway.store.models import utcnow

# An address as people write it; the SMTP server is the final judge.
EMAIL_PATTERN = r"^[^@\s<>]{1,64}@[^@\s<>]{1,189}\.[^@\s<>]{2,63}$"


class InboxItem(BaseModel):
    id: int
    case_id: str
    kind: str  # reminder, escalation, duration_elapsed, partner_unreachable, certificate_lapsed
    watch: str | None = None  # what the reminder is about: visit, stage_deadline, referral:…
    n: int = 1  # the how-many-th reminder about it
    stage: str | None = None
    definition: str | None = None
    due_on: date | None = None  # the last day still on time
    days_overdue: int | None = None
    at: datetime  # when it was raised
    read: bool


class InboxPage(BaseModel):
    items: list[InboxItem]
    count: int
    unread: int


class ReadResult(BaseModel):
    read: int  # how many items became read


class NoticeChoice(BaseModel):
    """How a person wants to be told: the inbox only, or the inbox and e-mail."""

    model_config = ConfigDict(extra="forbid", strict=True)

    channel: Literal["inbox", "inbox_and_email"]
    email: str | None = Field(default=None, max_length=254, pattern=EMAIL_PATTERN)


def recipients(ctx: Context) -> list[str]:
    """Whose items the person reads: their own, and their unit's supervisors' if they are one."""
    own = [ctx.actor.id]
    return own + [store.supervisors_of(ctx.unit_id)] if ctx.actor.has("supervisor") else own


def _tz(ctx: Context, definition_id: str | None) -> str:
    entry = ctx.services.catalog.get(definition_id) if definition_id else None
    return entry.definition.timezone if entry else ctx.services.settings.tz


def _item(ctx: Context, row: store.InboxRow, now: datetime) -> InboxItem:
    tz = _tz(ctx, row.definition_id)
    return InboxItem(
        id=row.id,
        case_id=row.case_id,
        kind=row.kind,
        watch=row.watch,
        n=row.n,
        stage=row.stage,
        definition=row.definition_id,
        due_on=due_on(row.due_at, tz) if row.due_at else None,
        days_overdue=days_overdue(row.due_at, now, tz),
        at=row.at,
        read=row.read_at is not None,
    )


def list_inbox(ctx: Context, *, unread_only: bool = False, limit: int = 50, offset: int = 0) -> InboxPage:
    conn = ctx.session.connection()
    rows, count, unread = store.items(
        conn, user_id=ctx.actor.id, recipients=recipients(ctx), unread_only=unread_only, limit=limit, offset=offset
    )
    now = utcnow()
    return InboxPage(items=[_item(ctx, r, now) for r in rows], count=count, unread=unread)


def unread_count(ctx: Context) -> int:
    return store.unread_count(ctx.session.connection(), user_id=ctx.actor.id, recipients=recipients(ctx))


def read_one(ctx: Context, item_id: int) -> ReadResult:
    conn = ctx.session.connection()
    if not store.addressed_to(conn, reminder_id=item_id, recipients=recipients(ctx)):
        # Another person's item is as absent as one that does not exist.
        raise AppError(404, "not_found", f"no inbox item {item_id}")
    newly = store.mark_read(conn, user_id=ctx.actor.id, reminder_ids=[item_id])
    ctx.session.commit()
    return ReadResult(read=newly)


def read_all(ctx: Context) -> ReadResult:
    conn = ctx.session.connection()
    ids = store.unread_ids(conn, user_id=ctx.actor.id, recipients=recipients(ctx))
    newly = store.mark_read(conn, user_id=ctx.actor.id, reminder_ids=ids)
    ctx.session.commit()
    return ReadResult(read=newly)


def notice(ctx: Context) -> NoticeChoice:
    row = store.notice_of(ctx.session.connection(), user_id=ctx.actor.id)
    return NoticeChoice(channel="inbox_and_email" if row.channel == "inbox_and_email" else "inbox", email=row.email)


async def choose_notice(ctx: Context, choice: NoticeChoice) -> NoticeChoice:
    if choice.channel == "inbox_and_email" and not choice.email:
        raise AppError(422, "email_required", "email: an address is needed to be told by e-mail")
    store.set_notice(ctx.session.connection(), user_id=ctx.actor.id, channel=choice.channel, email=choice.email)
    ctx.session.commit()
    # The address is the person's own; the audit trail keeps only the choice.
    await ctx.record("staff.notice_chosen", channel=choice.channel)
    return choice
