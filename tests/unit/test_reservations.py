"""Holding room under a limit (``pathway.store.reservations``): the count is taken only where
there is a limit, and a limit counts the store's rows and the other cases' fresh holds."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, Engine, select

from pathway.store import reservations
from pathway.store.models import CASELOAD, Reservation


def _held(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(select(Reservation.case_id)).scalars())


def test_without_a_limit_nothing_is_counted_and_the_hold_is_kept(store_engine: Engine) -> None:
    counted: list[int] = []

    def taken(conn: Connection) -> int:
        counted.append(1)
        return 10_000

    for case in ("c-1", "c-2"):
        reservations.reserve(
            store_engine,
            kind=CASELOAD,
            holder="coord",
            case_id=case,
            command_id=f"k-{case}",
            limit=None,
            taken_in_store=taken,
        )
    assert counted == []  # the count (a caseload's rows) never ran
    assert _held(store_engine) == ["c-1", "c-2"]


def test_a_limit_counts_the_store_and_the_holds_of_other_cases(store_engine: Engine) -> None:
    def taken(conn: Connection) -> int:
        return 1

    reservations.reserve(
        store_engine, kind=CASELOAD, holder="coord", case_id="c-1", command_id="k-1", limit=3, taken_in_store=taken
    )
    # 1 in the store + c-1's hold = 2 of 3: room for c-2; then 3 of 3: none for c-3.
    reservations.reserve(
        store_engine, kind=CASELOAD, holder="coord", case_id="c-2", command_id="k-2", limit=3, taken_in_store=taken
    )
    with pytest.raises(reservations.Full) as full:
        reservations.reserve(
            store_engine, kind=CASELOAD, holder="coord", case_id="c-3", command_id="k-3", limit=3, taken_in_store=taken
        )
    assert (full.value.taken, full.value.limit) == (3, 3)
    assert _held(store_engine) == ["c-1", "c-2"]
