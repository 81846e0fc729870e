"""Engine, schema and sessions of the SQL store.

SQLite is the embedded store of `pathway up`; PostgreSQL is production. Both are reached
through ``make_engine`` so that the SQLite pragmas the API and the worker depend on (WAL so
readers never wait for the projection, a busy timeout so writers queue instead of failing,
foreign keys) are set on every connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_random_exponential

BUSY_TIMEOUT_MS = 5000


def failure_line(exc: BaseException) -> str:
    """What a store failure was, in one line: the driver's error and its first line. Never
    SQLAlchemy's own message, which carries the statement (too long for a log line, a
    Temporal failure or an answer)."""
    cause = getattr(exc, "orig", None) or exc
    first_line = (str(cause).strip().splitlines() or [""])[0][:200]
    return f"{type(cause).__name__}: {first_line}"


def _is_memory(database: str | None) -> bool:
    return not database or database == ":memory:" or database.startswith("file::memory:")


def _locked(error: BaseException) -> bool:
    return isinstance(error, sqlite3.OperationalError) and "locked" in str(error)


# Turning a new database file to WAL takes its exclusive lock. Two processes opening the file
# at once (two workers, or a worker and the API, on a new home) can each hold the shared lock
# the other waits on: SQLite then answers one of them "database is locked" at once, without
# its busy handler (it would wait forever). That one tries again, as the handler would have.
def _to_wal(cursor: Any) -> None:
    Retrying(
        retry=retry_if_exception(_locked),
        stop=stop_after_delay(BUSY_TIMEOUT_MS / 1000),
        wait=wait_random_exponential(multiplier=0.005, max=0.1),
        reraise=True,
    )(cursor.execute, "PRAGMA journal_mode=WAL")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        _to_wal(cursor)
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Safe with WAL (a crash loses at most the last commits, never corrupts) and it
        # avoids an fsync per commit, which is what made the projection slow.
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def make_engine(url: str, *, echo: bool = False) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        # The session in UTC: timestamps come back as datetime.UTC (the stalled audit hands
        # them on as they come), not the server's own zone's ZoneInfo.
        return create_engine(
            url,
            pool_pre_ping=True,
            echo=echo,
            hide_parameters=True,
            connect_args={"options": "-c TimeZone=UTC"},
        )
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, echo=echo, hide_parameters=True)
    kwargs: dict[str, Any] = {
        # A failed statement's parameters (a sealed name, a note's words) never reach an
        # exception's message, and so never a log line or a traceback.
        "hide_parameters": True,
        # Activities run their DB work in worker threads (asyncio.to_thread).
        "connect_args": {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        "echo": echo,
    }
    if _is_memory(parsed.database):
        # One shared connection, otherwise every thread would see its own empty database.
        kwargs["poolclass"] = StaticPool
    else:
        Path(str(parsed.database)).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def data_metadata() -> MetaData:
    """Every table of the data store (what the migrations are checked against)."""
    # Importing the models registers their tables on SQLModel.metadata.
    from pathway.store import audit_trail, consents, models, placements  # noqa: F401

    return SQLModel.metadata


def create_schema(engine: Engine) -> None:
    """Bring the data store to the newest migration (pathway/store/schema): the same
    revisions for the embedded SQLite and for PostgreSQL; never ``create_all``."""
    from pathway.store.schema import upgrade

    upgrade(engine)


@contextmanager
def session(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block ends cleanly and rolls back otherwise.

    ``expire_on_commit=False`` so the objects stay readable after the block (the API
    serialises them after the commit)."""
    with Session(engine, expire_on_commit=False) as s:
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise


def conflict_insert(conn: Connection | str, table: Table) -> sqlite.Insert | postgresql.Insert:
    """An INSERT that knows ON CONFLICT (idempotent writes keyed on a unique constraint),
    for the dialects the store runs on: the connection's, or a dialect given by name (a
    statement built once per dialect, activities/projection.py)."""
    name = conn if isinstance(conn, str) else conn.dialect.name
    if name == "sqlite":
        return sqlite.insert(table)
    if name == "postgresql":
        return postgresql.insert(table)
    raise RuntimeError(f"idempotent writes need INSERT .. ON CONFLICT; unsupported dialect '{name}'")
