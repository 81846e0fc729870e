"""The audit trail's append on PostgreSQL, in two round trips instead of five.

Every command a person sends appends to the unit's chain after its update, so the append
is on the path of every answer. Through SQLAlchemy it was five round trips, each a wait on
the server's process: BEGIN, the head's read under its row lock, the entry's insert, the
head's move, COMMIT. Here the connection's pipeline (libpq's pipeline mode, through
psycopg) sends what does not wait on an answer together:

1. BEGIN, the head read under its row lock (``SELECT .. FOR UPDATE``: the unit's appends
   queue here) and, for an automatic action, the read of its earlier entry;
2. the entry and the head's move in one statement, then COMMIT.

The head moves only from the head that was read, in the same statement that inserts the
entry (a CTE): an entry is written only with its head, and a head another writer moved
meanwhile writes nothing and is reported as a race (``Raced``), as in the SQLAlchemy path.
A unit's first entry has no head to lock: it inserts the head, and the loser of a race
for it fails on the head's key and retries.

Errors come out as SQLAlchemy's (``IntegrityError``, ``OperationalError``), like every other
statement of the store, so callers and the API's 503 for a busy store see no difference. The
pool rolls a failed append back as the connection returns, and discards one that broke."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.types.json import Json
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

_HEAD_LOCKED = "SELECT seq, hash FROM audit_heads WHERE unit_id = %s FOR UPDATE"
_DEDUPED = "SELECT unit_id, seq, hash FROM audit_entries WHERE dedupe_key = %s"
_COLUMNS = "unit_id, seq, at, actor, action, case_id, address, details, prev_hash, hash, dedupe_key"
_VALUES = (
    "%(unit_id)s, %(seq)s, %(at)s, %(actor)s, %(action)s, %(case_id)s, %(address)s, %(details)s, "
    "%(prev_hash)s, %(hash)s, %(dedupe_key)s"
)
_INSERT_FIRST = (
    f"INSERT INTO audit_entries ({_COLUMNS}) VALUES ({_VALUES})",
    "INSERT INTO audit_heads (unit_id, seq, hash) VALUES (%(unit_id)s, %(seq)s, %(hash)s)",
)
_MOVE_AND_INSERT = (
    "WITH moved AS (UPDATE audit_heads SET seq = %(seq)s, hash = %(hash)s "
    "WHERE unit_id = %(unit_id)s AND seq = %(head_seq)s RETURNING unit_id) "
    f"INSERT INTO audit_entries ({_COLUMNS}) SELECT {_VALUES} FROM moved"
)

# (seq, prev_hash) -> the entry's row: its fields and its hash.
EntryFor = Callable[[int, str], dict[str, Any]]


@functools.cache
def supported() -> bool:
    """Whether this psycopg's libpq has the pipeline mode (libpq 14 and later; the binary
    wheel brings its own). Without it the trail appends through SQLAlchemy, in five round trips."""
    return bool(psycopg.Pipeline.is_supported())


class Raced(Exception):
    """The head moved between reading and writing it."""


def append_once(
    engine: Engine, *, unit_id: str, dedupe_key: str | None, entry_for: EntryFor, genesis: str
) -> tuple[str, int, str]:
    """Append the entry ``entry_for`` makes on the unit's head; ``(unit_id, seq, hash)`` of
    the entry written, or of the one already written under ``dedupe_key``."""
    fairy = engine.raw_connection()
    pg = fairy.driver_connection
    assert isinstance(pg, psycopg.Connection)
    try:
        return _append(pg, unit_id=unit_id, dedupe_key=dedupe_key, entry_for=entry_for, genesis=genesis)
    except psycopg.Error as failed:
        raise DBAPIError.instance(
            None, None, failed, psycopg.Error, hide_parameters=True, dialect=engine.dialect
        ) from failed
    finally:
        # Back to the pool, which rolls back what failed; a connection that cannot roll
        # back (it broke) is discarded there, and the retry takes a new one.
        fairy.close()


def _append(
    pg: psycopg.Connection[Any], *, unit_id: str, dedupe_key: str | None, entry_for: EntryFor, genesis: str
) -> tuple[str, int, str]:
    with pg.pipeline(), pg.cursor() as heads, pg.cursor() as earlier, pg.cursor() as writes:
        heads.execute(_HEAD_LOCKED, (unit_id,))
        if dedupe_key is not None:
            earlier.execute(_DEDUPED, (dedupe_key,))
        head = heads.fetchone()  # the first round trip
        done = earlier.fetchone() if dedupe_key is not None else None
        if done is not None:
            pg.rollback()
            return done[0], done[1], done[2]
        seq, prev = (head[0] + 1, head[1]) if head else (1, genesis)
        row = entry_for(seq, prev)
        params = {**row, "details": Json(row["details"])}
        if head is None:
            for statement in _INSERT_FIRST:
                writes.execute(statement, params)
        else:
            writes.execute(_MOVE_AND_INSERT, {**params, "head_seq": head[0]})
        pg.commit()  # the second round trip
        # Read before the cursor closes (closing forgets its result). Nothing was written
        # when the head had moved: the statement inserts only with the head it moved.
        if head is not None and writes.rowcount != 1:
            raise Raced()
    return unit_id, seq, row["hash"]
