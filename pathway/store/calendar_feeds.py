"""Calendar feeds in the store: a person's feed is found by the hash of its secret."""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection, select

from pathway.store.db import conflict_insert
from pathway.store.models import CalendarFeed, utcnow
from pathway.store.tables import table_of

_FEEDS = table_of(CalendarFeed)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def replace_feed(conn: Connection, *, user_id: str, token: str) -> None:
    """The person's feed is now at ``token`` (the previous URL stops working)."""
    values = {"token_hash": token_hash(token), "created_at": utcnow()}
    stmt = (
        conflict_insert(conn, _FEEDS)
        .values(user_id=user_id, **values)
        .on_conflict_do_update(index_elements=["user_id"], set_=values)
    )
    conn.execute(stmt)


def revoke_feed(conn: Connection, *, user_id: str) -> bool:
    return bool(conn.execute(_FEEDS.delete().where(_FEEDS.c.user_id == user_id)).rowcount)


def owner_of(conn: Connection, *, token: str) -> str | None:
    found = conn.execute(select(_FEEDS.c.user_id).where(_FEEDS.c.token_hash == token_hash(token))).scalar()
    return str(found) if found is not None else None


def has_feed(conn: Connection, *, user_id: str) -> bool:
    return conn.execute(select(_FEEDS.c.user_id).where(_FEEDS.c.user_id == user_id)).first() is not None
