"""The stalled audit's stage_overdue rule from two sources, on the real dev server: the SQL
projection and Temporal's visibility (``StageDueAt <= now``) name the same cases, with the
same due moments."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from apistack import Stack, new_unit

pytestmark = pytest.mark.integration


async def test_store_and_visibility_agree_on_overdue_stages(stack: Stack) -> None:
    unit = new_unit()
    now = datetime.now(UTC)
    overdue = [
        await stack.open_case(unit=unit, opened_at=(now - timedelta(days=days)).isoformat()) for days in (35, 40, 60)
    ]
    [
        await stack.open_case(unit=unit, opened_at=(now - timedelta(days=days)).isoformat()) for days in (0, 10)
    ]  # not due yet
    # A paused case is not chased by either source, though its deadline has passed.
    paused = await stack.open_case(unit=unit, opened_at=(now - timedelta(days=45)).isoformat())
    r = await stack.http.post(
        f"/api/v1/cases/{paused['id']}/pause",
        json={"reason": "hospital"},
        headers=stack.headers(unit, key=uuid.uuid4().hex),
    )
    assert r.status_code == 200, r.text
    expected = {c["id"]: datetime.fromisoformat(c["stage_due_at"]) for c in overdue}

    async def audit(source: str) -> dict[str, Any]:
        r = await stack.http.get(
            "/api/v1/audit/stalled", params={"rule": "stage_overdue", "source": source}, headers=stack.supervisor(unit)
        )
        assert r.status_code == 200, r.text
        return {i["case_id"]: i for i in r.json()["items"]}

    async def both_settled() -> Any:
        store, temporal = await audit("store"), await audit("temporal")
        return (store, temporal) if set(store) == set(temporal) == set(expected) else None

    store, temporal = await stack.eventually(both_settled, timeout=20, what="both sources naming the overdue cases")
    for case_id, due in expected.items():
        for row in (store[case_id], temporal[case_id]):
            assert datetime.fromisoformat(row["since"]) == due
            assert (row["rule"], row["stage"], row["definition"], row["unit"]) == (
                "stage_overdue",
                "diagnosis",
                "model-wsparcia",
                unit,
            )
            assert row["coordinator"] == stack.login_of(unit)
        assert store[case_id]["days_overdue"] == temporal[case_id]["days_overdue"]
        assert store[case_id]["severity"] == temporal[case_id]["severity"]
    assert list(store) == list(temporal), "the same order: most severe first"

    # Temporal's visibility answers the deadline rule only.
    r = await stack.http.get(
        "/api/v1/audit/stalled", params={"rule": "inactive", "source": "temporal"}, headers=stack.supervisor(unit)
    )
    assert r.status_code == 422 and r.json()["detail"]["code"] == "rule_not_in_temporal"
