"""The audit append on PostgreSQL (pathway/store/audit_append_pg.py): two round trips through
the connection's pipeline, with the store's errors and the pool's connections as before."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from pathway.store import audit_append_pg
from pathway.store import audit_trail as trail

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> Engine:
    from pgstore import truncate_all

    from pathway.store.db import make_engine

    engine = make_engine(request.getfixturevalue("pg_store_url"))
    truncate_all(engine)
    yield engine
    engine.dispose()


def entries(engine: Engine, unit: str) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text("SELECT seq, actor FROM audit_entries WHERE unit_id = :u ORDER BY seq"), {"u": unit}
            )
        ]


def test_an_entry_and_its_head_are_written_together_and_chain(engine: Engine) -> None:
    first = trail.append(engine, unit_id="u1", actor="coord-1", action="case.open", case_id="c1", details={"n": 1})
    second = trail.append(engine, unit_id="u1", actor="coord-2", action="case.advance", case_id="c1")
    assert (first.seq, second.seq) == (1, 2)
    with engine.connect() as conn:
        head = conn.execute(text("SELECT seq, hash FROM audit_heads WHERE unit_id = 'u1'")).one()
    assert tuple(head) == (2, second.hash)
    assert trail.verify(engine, unit_id="u1") == trail.VerifyResult("u1", 2, True)


def test_a_refused_write_is_the_store_s_integrity_error_and_leaves_the_connection_clean(engine: Engine) -> None:
    # An entry at seq 1 without a head: the unit's "first" entry collides with it.
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_entries (unit_id, seq, at, actor, action, details, prev_hash, hash) "
                "VALUES ('u9', 1, now(), 'x', 'case.open', '{}', :g, :g)"
            ),
            {"g": trail.GENESIS},
        )
    with pytest.raises(IntegrityError):
        trail.append(engine, unit_id="u9", actor="coord-1", action="case.advance", attempts=1)
    assert entries(engine, "u9") == [(1, "x")]  # nothing of the refused append
    # The pool's connection came back out of its failed transaction: the next append works.
    assert engine.pool.checkedout() == 0
    assert trail.append(engine, unit_id="u1", actor="coord-1", action="case.advance").seq == 1


def test_a_connection_dropped_in_the_middle_of_an_append_writes_the_entry_once_on_a_new_one(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pgstore import truncate_all
    from sqlalchemy import create_engine

    # The store's engine pings each connection it hands out and would replace a dead one on
    # its own; this one does not, so only the append can keep a dropped connection out of
    # the next attempt. The server is told to drop it from an engine of its own.
    url = request.getfixturevalue("pg_store_url")
    engine, admin_engine = create_engine(url), create_engine(url)
    truncate_all(admin_engine)
    trail.append(engine, unit_id="u1", actor="coord-1", action="case.open")
    sealed = trail.entry_hash
    dropped: list[int] = []

    def drop_then_seal(**fields: object) -> str:
        # Between the head's read and the write: the server ends every other session of
        # this database, the append's among them.
        if not dropped:
            with admin_engine.begin() as admin:
                dropped.extend(
                    admin.execute(
                        text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                        )
                    ).scalars()
                )
        return sealed(**fields)  # type: ignore[arg-type]

    monkeypatch.setattr(trail, "entry_hash", drop_then_seal)
    try:
        again = trail.append(engine, unit_id="u1", actor="coord-2", action="case.advance", at=datetime.now(UTC))
        assert dropped and any(dropped)
        assert again.seq == 2 and [seq for seq, _ in entries(admin_engine, "u1")] == [1, 2]
        monkeypatch.setattr(trail, "entry_hash", sealed)
        assert trail.verify(admin_engine, unit_id="u1").ok
    finally:
        engine.dispose()
        admin_engine.dispose()


def test_the_head_moved_under_the_write_writes_nothing_and_is_a_race(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    trail.append(engine, unit_id="u1", actor="coord-1", action="case.open")

    def entry_for(seq: int, prev: str) -> dict[str, object]:
        return {
            "unit_id": "u1",
            "seq": seq + 1,
            "at": datetime.now(UTC),
            "actor": "coord-2",
            "action": "case.advance",
            "case_id": None,
            "address": None,
            "details": {},
            "prev_hash": prev,
            "hash": "f" * 64,
            "dedupe_key": None,
        }

    # A head that moved after it was read (the row lock leaves no room for it; this test
    # reads the head one behind instead): the move finds no such head.
    monkeypatch.setattr(
        audit_append_pg, "_HEAD_LOCKED", "SELECT seq - 1, hash FROM audit_heads WHERE unit_id = %s FOR UPDATE"
    )
    with pytest.raises(audit_append_pg.Raced):
        audit_append_pg.append_once(engine, unit_id="u1", dedupe_key=None, entry_for=entry_for, genesis=trail.GENESIS)
    assert [seq for seq, _ in entries(engine, "u1")] == [1]
    assert trail.verify(engine, unit_id="u1").ok


def test_without_a_pipeline_the_append_takes_the_sqlalchemy_path_and_chains_the_same(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    trail.append(engine, unit_id="u1", actor="coord-1", action="case.open")
    monkeypatch.setattr(audit_append_pg, "append_once", None)  # not to be called
    monkeypatch.setattr(audit_append_pg, "supported", lambda: False)

    def write(i: int) -> int:
        return trail.append(engine, unit_id="u1", actor=f"coord-{i}", action="case.visit").seq

    with ThreadPoolExecutor(max_workers=5) as pool:
        seqs = sorted(pool.map(write, range(20)))
    assert seqs == list(range(2, 22))
    assert trail.verify(engine, unit_id="u1") == trail.VerifyResult("u1", 21, True)
