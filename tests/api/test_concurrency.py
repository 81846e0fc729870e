"""More requests in flight than the database pool has connections: a request waiting on
its workflow holds no connection, so none of them waits for another (the scale benchmark
found the API deadlocked at 16 concurrent opens before)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from apistack import DIAGNOSIS_DONE, Stack

pytestmark = pytest.mark.integration

IN_FLIGHT = 24  # above the pool's 5 + 10 overflow


async def test_more_concurrent_requests_than_pooled_connections_all_answer(stack: Stack) -> None:
    pool = stack.engine.pool
    assert IN_FLIGHT > pool.size() + pool._max_overflow  # type: ignore[attr-defined]
    cases = await asyncio.wait_for(asyncio.gather(*(stack.open_case() for _ in range(IN_FLIGHT))), timeout=60)
    assert len({c["id"] for c in cases}) == IN_FLIGHT
    for c in cases:
        assert (await stack.fact(c["id"], "diagnosis", DIAGNOSIS_DONE)).status_code == 200
    reads = await asyncio.wait_for(
        asyncio.gather(*(stack.http.get(f"/api/v1/cases/{c['id']}", headers=stack.headers()) for c in cases)),
        timeout=60,
    )
    assert [r.status_code for r in reads] == [200] * IN_FLIGHT
    moves = await asyncio.wait_for(
        asyncio.gather(*(stack.transition(c["id"], key=uuid.uuid4().hex) for c in cases)), timeout=60
    )
    assert [r.status_code for r in moves] == [200] * IN_FLIGHT
    assert {r.json()["stage"] for r in moves} == {"plan"}
