"""The audit trail is a hash chain per unit: any edit, deletion, reordering or cut is named."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from pathway.store import audit_trail as trail


@pytest.fixture
def engine(store_engine):
    """The trail on SQLite and on PostgreSQL (tests/conftest.py)."""
    return store_engine


def fill(engine, n=10, unit="u1"):
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    for i in range(n):
        trail.append(
            engine,
            unit_id=unit,
            actor=f"coord-{i % 3}",
            action="case.advance",
            case_id=f"c{i % 4}",
            address="10.0.0.7",
            details={"trigger": "advance", "stage": "plan"},
            at=start + timedelta(minutes=i),
        )


def sql(engine, statement, **params):
    with engine.begin() as conn:
        conn.execute(text(statement), params)


def test_an_untouched_chain_verifies(engine):
    fill(engine)
    fill(engine, 3, unit="u2")
    assert trail.verify(engine, unit_id="u1") == trail.VerifyResult("u1", 10, True)
    assert trail.verify(engine, unit_id="u2").ok and trail.units(engine) == ["u1", "u2"]


def test_an_edited_row_is_named(engine):
    fill(engine)
    sql(engine, "UPDATE audit_entries SET actor = 'someone-else' WHERE unit_id = 'u1' AND seq = 4")
    result = trail.verify(engine, unit_id="u1")
    assert not result.ok and result.broken_seq == 4 and "changed" in result.problem


def test_a_deleted_row_is_named(engine):
    fill(engine)
    sql(engine, "DELETE FROM audit_entries WHERE unit_id = 'u1' AND seq = 6")
    result = trail.verify(engine, unit_id="u1")
    assert not result.ok and result.broken_seq == 7 and "entry 6 is missing" in result.problem


def test_reordered_rows_are_named(engine):
    fill(engine)
    # swap the contents of entries 3 and 5 (ids stay in place, as a careful forger would do)
    sql(engine, "UPDATE audit_entries SET seq = -3 WHERE unit_id = 'u1' AND seq = 3")
    sql(engine, "UPDATE audit_entries SET seq = 3 WHERE unit_id = 'u1' AND seq = 5")
    sql(engine, "UPDATE audit_entries SET seq = 5 WHERE unit_id = 'u1' AND seq = -3")
    result = trail.verify(engine, unit_id="u1")
    assert not result.ok and result.broken_seq == 5 and "out of order" in result.problem


def test_a_cut_tail_is_named(engine):
    fill(engine)
    sql(engine, "DELETE FROM audit_entries WHERE unit_id = 'u1' AND seq > 7")
    result = trail.verify(engine, unit_id="u1")
    assert not result.ok and result.broken_seq == 8 and "cut from the end" in result.problem


def test_a_rewritten_prev_hash_does_not_hide_an_edit(engine):
    fill(engine)
    sql(engine, "UPDATE audit_entries SET prev_hash = :h WHERE unit_id = 'u1' AND seq = 2", h="f" * 64)
    result = trail.verify(engine, unit_id="u1")
    assert not result.ok and result.broken_seq == 2


def test_fifty_concurrent_writers_leave_one_unforked_chain(engine):
    def write(i: int) -> int:
        return trail.append(engine, unit_id="u1", actor=f"coord-{i}", action="case.visit", case_id=f"c{i}").seq

    with ThreadPoolExecutor(max_workers=10) as pool:
        seqs = sorted(pool.map(write, range(50)))
    assert seqs == list(range(1, 51))
    result = trail.verify(engine, unit_id="u1")
    assert result.ok and result.entries == 50


def test_an_automatic_action_retried_is_recorded_once(engine):
    first = trail.append(
        engine, unit_id="u1", actor="system", action="reminder.sent", case_id="c1", dedupe_key="reminder.sent:c1:5"
    )
    again = trail.append(
        engine, unit_id="u1", actor="system", action="reminder.sent", case_id="c1", dedupe_key="reminder.sent:c1:5"
    )
    other = trail.append(
        engine, unit_id="u1", actor="system", action="reminder.sent", case_id="c1", dedupe_key="reminder.sent:c1:6"
    )
    assert again == first and other.seq == first.seq + 1
    assert trail.verify(engine, unit_id="u1") == trail.VerifyResult("u1", 2, True)
