"""Notes: the free text of a command (why a move, what happened at a visit) stays sealed in
the SQL store; the workflow only ever sees the note's id. Kept here, and read back here for
the case's coordinator and the unit's supervisors (never for a partner: no message to one is
made from a note)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from pathway.app.access import visible_case
from pathway.app.command_keys import reused
from pathway.app.context import Context
from pathway.app.errors import AppError
from pathway.app.schemas import Page
from pathway.core.events import Event
from pathway.security.identity import ClientErased
from pathway.security.policy import Action
from pathway.store import queries
from pathway.store.models import CaseEvent, Note, NotePublic, User
from pathway.store.sealing import Sealer

_NOTE_KEY_NAMESPACE = uuid.UUID("0b9f6f0e-52a4-4d0c-9a43-7c2d1f4e8a61")


def keep_note(
    ctx: Context, case_id: str, text: str | None, command: str = "", key: str | None = None, seq: int | None = None
) -> str | None:
    """Store ``text`` as a note of the case; its id (or None for no text).

    A command retried with its idempotency key keeps the note of its first attempt (the same
    id, which the workflow already knows), so a retry never stores the text twice."""
    if not text or not text.strip():
        return None
    note_id = uuid.uuid5(_NOTE_KEY_NAMESPACE, f"{case_id}\x00{ctx.actor.id}\x00{command}\x00{key}").hex if key else None
    if note_id is not None and ctx.session.get(Note, note_id) is not None:
        if queries.note_text(ctx.session, vault=ctx.vault, note_id=note_id) not in (text.strip(), None):
            raise reused(command)  # the same key, another note: another command
        return note_id
    try:
        return queries.add_note(
            ctx.session,
            vault=ctx.vault,
            case_id=case_id,
            author=ctx.actor.id,
            text=text.strip(),
            note_id=note_id,
            seq=seq,
        ).id
    except ClientErased:
        raise AppError(409, "client_erased", "this client's identity was erased: the case takes no new notes") from None


def drop_note(ctx: Context, note_id: str | None) -> None:
    """A refused command leaves no trace: its note goes too."""
    if note_id is not None:
        queries.delete_note(ctx.session, note_id=note_id)


def tie_note(ctx: Context, note_id: str | None, events: Sequence[Event]) -> None:
    """An accepted command's note is tied to its first event: read back, it says what it was
    written with (a pause's event, for one, does not name its note)."""
    if note_id is not None and events:
        queries.attach_note(ctx.session, note_id=note_id, seq=events[0].seq)


# ---------------------------------------------------------------- reading them
# The case_opened event is every case's first (pathway.core.case): the note typed when a case
# is opened is kept under that seq, since no command of the workflow carries it.
OPENING_SEQ = 1
# A search opens the case's notes to look inside them (they are sealed at rest): at most this
# many, the newest; an answer over a longer case says it searched only these.
MAX_NOTES_OPENED = 2000
MAX_QUERY_LENGTH = 200
# The events whose command may carry a note, and what the note is about then.
_ABOUT = {
    "case_opened": "opening",
    "stage_entered": "move",
    "visit_recorded": "visit",
    "case_paused": "pause",
    "case_closed": "close",
    "referral_made": "referral",
    "referral_answered": "referral_answer",
}


class NoteAbout(BaseModel):
    """What a note was written with: the event of its command (codes and ids only)."""

    kind: Literal["opening", "move", "visit", "pause", "close", "referral", "referral_answer", "note"]
    seq: int | None = None
    stage: str | None = None
    trigger: str | None = None
    service: str | None = None
    partner_id: str | None = None
    answer: str | None = None


class NoteOut(BaseModel):
    id: str
    at: datetime
    author: str
    author_name: str | None = None
    about: NoteAbout
    text: str
    erased: bool = False


class NotesPage(Page[NoteOut]):
    # How many notes were opened to answer (the newest, at most MAX_NOTES_OPENED), and whether
    # that was all of the case's notes.
    searched: int
    complete: bool


def _about(event: CaseEvent) -> NoteAbout:
    p = event.payload
    kind = _ABOUT[event.kind]
    if kind == "move" and p.get("trigger") is None and p.get("from_stage") is not None:
        kind = "close"  # closing enters the outcome's stage without a trigger
    return NoteAbout.model_validate(
        {
            "kind": kind,
            "seq": event.seq,
            "stage": p.get("stage"),
            "trigger": p.get("trigger"),
            "service": p.get("service"),
            "partner_id": p.get("partner_id"),
            "answer": p.get("answer"),
        }
    )


def _events_by_note(session: Session, case_id: str) -> tuple[dict[str, NoteAbout], dict[int, NoteAbout]]:
    """The events of the case that carry notes, by the note's id and by their seq."""
    rows = session.exec(
        select(CaseEvent)
        .where(col(CaseEvent.case_id) == case_id, col(CaseEvent.kind).in_(list(_ABOUT)))
        .order_by(col(CaseEvent.seq))
    ).all()
    by_note: dict[str, NoteAbout] = {}
    for e in rows:
        note_id = e.payload.get("note_id") or e.payload.get("visit_id")
        if note_id and note_id not in by_note:
            by_note[note_id] = _about(e)
    return by_note, {e.seq: _about(e) for e in rows}


def _open_notes(engine: Engine, vault: Sealer, case_id: str) -> tuple[int, list[NotePublic]]:
    """How many notes the case has, and the newest MAX_NOTES_OPENED opened (a session of its
    own: it runs in a thread)."""
    with Session(engine) as session:
        total = session.exec(select(func.count()).select_from(Note).where(col(Note.case_id) == case_id)).one()
        return int(total), queries.list_notes(session, vault=vault, case_id=case_id, newest=MAX_NOTES_OPENED)


def _matches(text: str, query: str) -> bool:
    return query in text.casefold()


async def read_notes(
    ctx: Context, case_id: str, *, q: str | None = None, limit: int = 100, offset: int = 0
) -> NotesPage:
    """The case's notes, newest first, with who wrote them, when, and with which command; with
    ``q``, only those whose text holds it (any case). For the case's coordinator and the unit's
    supervisors only (anyone else: "not found"); each read is recorded in the audit trail —
    by count and whether it was a search, never the words searched for."""
    visible_case(ctx, case_id, Action.NOTE_READ)
    query = (q or "").strip().casefold()
    if len(query) > MAX_QUERY_LENGTH:
        raise AppError(422, "query_too_long", f"search for at most {MAX_QUERY_LENGTH} characters", field="q")
    # Opening up to MAX_NOTES_OPENED sealed texts is blocking work: off the event loop.
    total, opened = await ctx.apart(_open_notes, ctx.services.engine, ctx.vault, case_id)
    found = [n for n in reversed(opened) if not query or (not n.erased and _matches(n.text, query))]
    page = found[offset : offset + limit]
    by_note, by_seq = _events_by_note(ctx.session, case_id)
    names = dict(
        ctx.session.exec(select(User.id, User.display_name).where(col(User.id).in_({n.author for n in page}))).all()
    )
    items = [
        NoteOut(
            id=n.id,
            at=n.created_at,
            author=n.author,
            author_name=names.get(n.author),
            about=by_note.get(n.id) or (by_seq.get(n.seq) if n.seq is not None else None) or NoteAbout(kind="note"),
            text=n.text,
            erased=n.erased,
        )
        for n in page
    ]
    await ctx.record("notes.read", case_id=case_id, notes=len(items), searched=bool(query))
    return NotesPage(items=items, count=len(found), searched=len(opened), complete=len(opened) == total)
