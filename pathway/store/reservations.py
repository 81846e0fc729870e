"""Holding room for a case under a limit, atomically (see ``models.reservations``).

``reserve`` takes the holder's lock, counts what is taken — the projection's rows, given by
the caller, plus the fresh holds of other cases — refuses with ``Full`` when nothing is left,
and otherwise holds room for this case; all in one short transaction, so two requests (two
processes) can never both take the last place. The use case then sends its command and, once
the workflow accepted it and the store shows the result, ``release``\\ s the hold."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, Table, delete, func, select

from pathway.store import locks
from pathway.store.db import conflict_insert
from pathway.store.models import HOLD_MINUTES, Reservation, utcnow
from pathway.store.tables import table_of

_HOLDS: Table = table_of(Reservation)


class Full(Exception):
    """No room left: ``taken`` of ``limit`` (holds of commands on their way included)."""

    def __init__(self, taken: int, limit: int) -> None:
        super().__init__(f"{taken} of {limit} taken")
        self.taken, self.limit = taken, limit


def holds_of_others(
    conn: Connection, *, kind: str, holder: str, case_id: str, definition_id: str | None, now: datetime
) -> int:
    h = _HOLDS.c
    stmt = select(func.count()).where(
        h.kind == kind, h.holder == holder, h.case_id != case_id, h.held_at > now - timedelta(minutes=HOLD_MINUTES)
    )
    if definition_id is not None:
        stmt = stmt.where(h.definition_id == definition_id)
    return int(conn.execute(stmt).scalar_one())


def reserve(
    engine: Engine,
    *,
    kind: str,
    holder: str,
    case_id: str,
    command_id: str,
    limit: int | None,
    taken_in_store: Callable[[Connection], int],
    definition_id: str | None = None,
) -> None:
    """Hold room with ``holder`` for ``case_id`` unless ``limit`` is reached (``Full``);
    ``limit=None`` holds without a limit (an override, or a definition with none) and counts
    nothing: the count runs under the store's write lock, and a coordinator's count grows
    with their caseload (50,000 opens on one coordinator took ~7-20 ms of it each at 17,000,
    bench/RESULTS.md "The caseload count only where there is a limit")."""
    now = utcnow()
    with engine.begin() as conn:
        locks.hold(conn, f"{kind}:{holder}")
        if limit is not None:
            taken = taken_in_store(conn) + holds_of_others(
                conn, kind=kind, holder=holder, case_id=case_id, definition_id=definition_id, now=now
            )
            if taken >= limit:
                raise Full(taken, limit)
        stmt = conflict_insert(conn, _HOLDS).values(
            kind=kind, holder=holder, case_id=case_id, definition_id=definition_id, command_id=command_id, held_at=now
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["kind", "holder", "case_id"],
                set_={"command_id": command_id, "held_at": now, "definition_id": definition_id},
            )
        )


def release(conn: Connection, *, kind: str, holder: str, case_id: str) -> None:
    """Drop the case's hold with ``holder`` (its command was refused, or what it held for is
    in the store now)."""
    h = _HOLDS.c
    conn.execute(delete(_HOLDS).where(h.kind == kind, h.holder == holder, h.case_id == case_id))
