"""Claiming an idempotency key for a command (see ``models.command_keys``)."""

from __future__ import annotations

import functools

from sqlalchemy import Engine, Table, bindparam, delete, select
from sqlalchemy.sql.dml import ReturningInsert

from pathway.store.db import conflict_insert
from pathway.store.models import CommandKey, utcnow
from pathway.store.tables import table_of

_KEYS: Table = table_of(CommandKey)
# Built once (every command with a key claims it): building a statement and its cache key
# anew cost more than running the compiled form the engine keeps.
_FIND = select(_KEYS).where(_KEYS.c.unit_id == bindparam("unit_id"), _KEYS.c.key == bindparam("key"))


@functools.cache
def _claim_stmt(dialect: str) -> ReturningInsert[tuple[str]]:
    # RETURNING says whether the row went in: psycopg's rowcount for an INSERT .. ON CONFLICT
    # DO NOTHING is -1 whether it did or not.
    return (
        conflict_insert(dialect, _KEYS).on_conflict_do_nothing(index_elements=["unit_id", "key"]).returning(_KEYS.c.key)
    )


def claim(
    engine: Engine, *, unit_id: str, key: str, actor: str, case_id: str | None, command: str, fingerprint: str
) -> tuple[CommandKey, bool]:
    """The key's record: this command's (``True``: claimed now) or the one that claimed it
    first (``False``), whichever won a race for it."""
    mine = CommandKey(
        unit_id=unit_id,
        key=key,
        actor=actor,
        case_id=case_id,
        command=command,
        fingerprint=fingerprint,
        created_at=utcnow(),
    )
    # One statement, atomic on its own: no transaction around it (on PostgreSQL, its BEGIN
    # and COMMIT had been two of the claim's four round trips).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if conn.execute(_claim_stmt(conn.dialect.name), mine.model_dump()).first() is not None:
            return mine, True  # stored as given: nothing to read back
        found = conn.execute(_FIND, {"unit_id": unit_id, "key": key}).one()
    return CommandKey(**found._mapping), False


def find(engine: Engine, *, unit_id: str, key: str) -> CommandKey | None:
    """The command that claimed ``key``, if one did."""
    with engine.connect() as conn:
        found = conn.execute(_FIND, {"unit_id": unit_id, "key": key}).first()
    return CommandKey(**found._mapping) if found is not None else None


def release(engine: Engine, *, unit_id: str, key: str, fingerprint: str) -> None:
    """Give a key back after its command was refused, so that a corrected command may use it."""
    with engine.begin() as conn:
        conn.execute(
            delete(_KEYS).where(_KEYS.c.unit_id == unit_id, _KEYS.c.key == key, _KEYS.c.fingerprint == fingerprint)
        )
