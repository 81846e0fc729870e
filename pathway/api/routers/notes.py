"""A case's notes, read back for its coordinator and the unit's supervisors (thin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from pathway.api.deps import ContextDep
from pathway.app import notes
from pathway.app.notes import NotesPage
from pathway.app.schemas import MAX_OFFSET

router = APIRouter(prefix="/cases/{case_id}/notes", tags=["notes"])


@router.get("", response_model=NotesPage)
async def read_notes(
    case_id: str,
    ctx: ContextDep,
    q: Annotated[
        str | None, Query(max_length=notes.MAX_QUERY_LENGTH, description="words the note holds (any case)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> NotesPage:
    return await notes.read_notes(ctx, case_id, q=q, limit=limit, offset=offset)
