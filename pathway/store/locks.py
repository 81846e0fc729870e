"""A lock for check-then-act decisions that must not race across processes.

"Is there a free internship place?" then "take it"; "is the coordinator under the caseload
limit?" then "assign": two requests (two API processes) must not both see the last place.
``hold(connection, scope)`` is taken first thing in a transaction and held until it ends:

- PostgreSQL: a transaction-scoped advisory lock on the scope's 64-bit hash
  (``pg_advisory_xact_lock``); only writers of the same scope wait for each other.
- SQLite: ``BEGIN IMMEDIATE``, the database's write lock, taken before the first read (a
  reader that upgrades to a writer later can deadlock); other writers wait ``busy_timeout``.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection, text


def scope_key(scope: str) -> int:
    """A stable signed 64-bit key for ``scope`` (PostgreSQL's advisory locks take a bigint)."""
    return int.from_bytes(hashlib.sha256(scope.encode()).digest()[:8], "big", signed=True)


def hold(connection: Connection, scope: str) -> None:
    """Take the lock of ``scope`` for the rest of the connection's transaction."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": scope_key(scope)})
    elif connection.dialect.name == "sqlite":
        dbapi = connection.connection.dbapi_connection
        if dbapi is not None and not dbapi.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
