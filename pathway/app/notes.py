"""Notes: the free text of a command (why a move, what happened at a visit) stays sealed in
the SQL store; the workflow only ever sees the note's id."""

from __future__ import annotations

import uuid

from pathway.app.command_keys import reused
from pathway.app.context import Context
from pathway.app.errors import AppError
from pathway.security.identity import ClientErased
from pathway.store import queries
from pathway.store.models import Note

_NOTE_KEY_NAMESPACE = uuid.UUID("0b9f6f0e-52a4-4d0c-9a43-7c2d1f4e8a61")


def keep_note(ctx: Context, case_id: str, text: str | None, command: str = "", key: str | None = None) -> str | None:
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
            ctx.session, vault=ctx.vault, case_id=case_id, author=ctx.actor.id, text=text.strip(), note_id=note_id
        ).id
    except ClientErased:
        raise AppError(409, "client_erased", "this client's identity was erased: the case takes no new notes") from None


def drop_note(ctx: Context, note_id: str | None) -> None:
    """A refused command leaves no trace: its note goes too."""
    if note_id is not None:
        queries.delete_note(ctx.session, note_id=note_id)
