"""An open answers from the core, the moment it opened the case, without asking the new
workflow (issue 16 item 1): its answer is what the workflow itself then says, the store's row
and the workflow say the same ``opened_at``, and a retried open (the workflow already
running, maybe moved on) still asks the workflow."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from apistack import DIAGNOSIS_DONE, Stack, new_unit
from sqlmodel import Session

from pathway.core.case import CaseView
from pathway.store import queries

# Also on PostgreSQL (store and key store): the moment read back from either store is the same.
pytestmark = [pytest.mark.integration, pytest.mark.both_stores]

# The moment each answer was computed at: the only field an answer and a later query differ in.
# (``warnings`` is the open's own: what the opening was warned about.)
NOT_THE_CASE = ("as_of", "warnings")


@pytest.fixture
def asked(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the cases whose workflow the API queried for its state, in order."""
    gateway = stack.app.state.services.gateway
    real = gateway.state
    calls: list[str] = []

    async def state(case_id: str) -> CaseView:
        calls.append(case_id)
        return await real(case_id)

    monkeypatch.setattr(gateway, "state", state)
    return calls


def _case(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k not in NOT_THE_CASE}


@pytest.mark.parametrize("days_ago", [None, 40], ids=["today", "brought-over-40-days-late"])
async def test_an_open_answers_what_its_workflow_then_says_without_asking_it(
    stack: Stack, asked: list[str], days_ago: int | None
) -> None:
    unit = new_unit()
    body: dict[str, Any] = (
        {} if days_ago is None else {"opened_at": (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()}
    )
    opened = await stack.open_case(unit=unit, **body)
    assert asked == [], "the open asked its new workflow for its state"
    if days_ago:  # late from its first moment: the clocks it was opened with have rung already
        assert {o["watch"] for o in opened["overdue"]} >= {"stage_deadline"}

    now = await stack.get_case(opened["id"], unit=unit)  # this read asks the workflow
    assert asked == [opened["id"]]
    assert _case(opened) == _case(now)
    with Session(stack.engine) as session:
        row = queries.get_case(session, case_id=opened["id"])
        assert row is not None
        assert row.opened_at == datetime.fromisoformat(now["opened_at"]), "the row and the workflow: one moment"


async def test_a_retried_open_asks_the_workflow_which_may_have_moved_on(stack: Stack, asked: list[str]) -> None:
    unit, key = new_unit(), uuid.uuid4().hex
    client = {"name": f"Klientka Ponowiona {uuid.uuid4().hex[:6]}"}
    opened = await stack.open_case(unit=unit, key=key, client=client)
    r = await stack.fact(opened["id"], "diagnosis", DIAGNOSIS_DONE, unit=unit)
    assert r.status_code == 200, r.text
    asked.clear()

    again = await stack.open_case(unit=unit, key=key, client=client, expect=200)
    assert asked == [opened["id"]]
    assert again["id"] == opened["id"] and again["facts"]["diagnosis"] == DIAGNOSIS_DONE
    assert again["seq"] > opened["seq"]
