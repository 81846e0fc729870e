"""The household on the time-skipping server (issue 14): members join by id through the
``change_household`` update, a visit records who was present, a visit naming someone outside
the household is refused before it reaches history, and the diagnosis item "all family
members met" waits for every member; the projected visit event carries ids only."""

from __future__ import annotations

import uuid

import pytest
from harness import ROOT, CaseDriver, Refused, running_worker
from sqlmodel import Session, col, select

from pathway.app.catalog import Catalog
from pathway.store.models import CaseEvent
from workflows.messages import ChangeHouseholdInput, RecordVisitInput

CATALOG = Catalog.load(ROOT / "definitions")
DIAGNOSIS = {"all_members_met": True, "housing": True, "finances": True, "health": True, "legal": True}


async def visit_with(case: CaseDriver, present: list[str]) -> object:
    command = RecordVisitInput(
        command_id=uuid.uuid4().hex,
        actor="coord-1",
        occurred_at=await case.now(),
        duration_minutes=90,
        present_member_ids=present,
    )
    return await case.update("record_visit", command)


async def test_a_visit_with_the_members_present_and_the_checklist_against_them(time_skipping_env, task_queue, tmp_path):
    async with running_worker(time_skipping_env, task_queue, tmp_path) as harness:
        entry = CATALOG.get("asystent-rodziny")
        assert entry is not None
        case = await harness.open(definition=entry.snapshot)
        await case.fact("contract", {"signed_on": "2026-01-05", "family_members": 2})
        await case.advance()
        joined = ChangeHouseholdInput(command_id=uuid.uuid4().hex, actor="coord-1", added=["m-1", "m-2"])
        result = await case.update("change_household", joined)
        assert result.case.household == ["m-1", "m-2"]
        await visit_with(case, ["m-1"])
        with pytest.raises(Refused) as stranger:
            await visit_with(case, ["m-9"])
        assert stranger.value.details["field"] == "present_member_ids"
        with pytest.raises(Refused) as not_yet:
            await case.fact("diagnosis", DIAGNOSIS)
        assert not_yet.value.details["member_ids"] == ["m-2"]
        await visit_with(case, ["m-2"])
        await case.fact("diagnosis", DIAGNOSIS)
        assert (await case.advance()).case.stage == "plan"
        await case.settled_history()
        with Session(case.engine) as s:
            visits = s.exec(
                select(CaseEvent).where(col(CaseEvent.case_id) == case.case_id, col(CaseEvent.kind) == "visit_recorded")
            ).all()
        assert [v.payload["present_member_ids"] for v in visits] == [["m-1"], ["m-2"]]
