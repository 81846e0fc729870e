"""A new SQLite file turned to WAL while another connection holds its lock: SQLite can answer
"database is locked" at once (two processes opening a new home together, each holding the
shared lock the other waits on), without its busy handler. The engine's connection tries
again until the other lets go, within the store's busy timeout."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from pathway.store.db import _sqlite_pragmas


def _held_for(path: Path, seconds: float) -> threading.Event:
    """Another connection holds the new file's exclusive lock for ``seconds``."""
    held = threading.Event()

    def hold() -> None:
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN EXCLUSIVE")
        other.execute("CREATE TABLE t (x)")
        held.set()
        threading.Event().wait(seconds)
        other.execute("COMMIT")
        other.close()

    threading.Thread(target=hold, daemon=True).start()
    held.wait(5)
    return held


def test_a_locked_new_file_is_turned_to_wal_once_the_lock_is_let_go(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    _held_for(path, 0.3)
    # No busy handler at all: "locked" comes at once, as in the two-process race.
    conn = sqlite3.connect(path, timeout=0, check_same_thread=False)
    try:
        _sqlite_pragmas(conn, None)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def test_without_the_retry_the_same_switch_fails(tmp_path: Path) -> None:
    """What the retry is for (the test above would fail without it)."""
    path = tmp_path / "new.db"
    _held_for(path, 0.3)
    conn = sqlite3.connect(path, timeout=0, check_same_thread=False)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()
