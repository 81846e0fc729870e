"""Claiming an idempotency key for a command (see ``models.command_keys``)."""

from __future__ import annotations

from sqlalchemy import Engine, Table, delete, select

from pathway.store.db import conflict_insert
from pathway.store.models import CommandKey, utcnow
from pathway.store.tables import table_of

_KEYS: Table = table_of(CommandKey)


def claim(
    engine: Engine, *, unit_id: str, key: str, actor: str, case_id: str | None, command: str, fingerprint: str
) -> tuple[CommandKey, bool]:
    """The key's record: this command's (``True``: claimed now) or the one that claimed it
    first (``False``), whichever won a race for it."""
    row = {
        "unit_id": unit_id,
        "key": key,
        "actor": actor,
        "case_id": case_id,
        "command": command,
        "fingerprint": fingerprint,
        "created_at": utcnow(),
    }
    with engine.begin() as conn:
        inserted = conn.execute(
            conflict_insert(conn, _KEYS).values(**row).on_conflict_do_nothing(index_elements=["unit_id", "key"])
        ).rowcount
        found = conn.execute(select(_KEYS).where(_KEYS.c.unit_id == unit_id, _KEYS.c.key == key)).one()
    return CommandKey(**found._mapping), bool(inserted)


def find(engine: Engine, *, unit_id: str, key: str) -> CommandKey | None:
    """The command that claimed ``key``, if one did."""
    with engine.connect() as conn:
        found = conn.execute(select(_KEYS).where(_KEYS.c.unit_id == unit_id, _KEYS.c.key == key)).first()
    return CommandKey(**found._mapping) if found is not None else None


def release(engine: Engine, *, unit_id: str, key: str, fingerprint: str) -> None:
    """Give a key back after its command was refused, so that a corrected command may use it."""
    with engine.begin() as conn:
        conn.execute(
            delete(_KEYS).where(_KEYS.c.unit_id == unit_id, _KEYS.c.key == key, _KEYS.c.fingerprint == fingerprint)
        )
