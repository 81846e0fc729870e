"""Supervisors' audit and reports on cases driven through simulated time (time-skipping
server, real worker and projection): each stalled rule fires at its moment and clears when
the coordinator acts; a cohort's funnel gives exactly the share that was employed."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from harness import DIAGNOSIS_DONE, CaseDriver, model_wsparcia, running_worker
from sqlmodel import Session

from pathway.core import calendar as cal
from pathway.core.definition import from_snapshot
from pathway.readmodels import funnel as reports
from pathway.readmodels import stalled as audit
from pathway.store.models import Case
from workflows.messages import PauseCaseInput, ResumeCaseInput

MODEL = from_snapshot(model_wsparcia())
TZ = MODEL.timezone
MINUTE = timedelta(minutes=1)


def rules_now(case: CaseDriver, now: datetime) -> dict[str, datetime]:
    with Session(case.engine) as s:
        rows = audit.stalled(s, now=now, definitions={MODEL.id: MODEL})
    return {r.rule: r.since for r in rows if r.case_id == case.case_id}


def projected(case: CaseDriver) -> Case:
    with Session(case.engine) as s:
        row = s.get(Case, case.case_id)
        assert row is not None
        return row


async def at(case: CaseDriver, moment: datetime) -> datetime:
    """Sleep until ``moment`` (simulated) and let the workflow and its projection settle."""
    now = await case.now()
    if moment > now:
        await case.sleep(moment - now)
    await case.settled_history()
    return await case.now()


async def test_each_stalled_rule_fires_at_its_moment_and_clears_when_the_coordinator_acts(
    time_skipping_env, task_queue, tmp_path
):
    async with running_worker(time_skipping_env, task_queue, tmp_path) as harness:
        case = await harness.open()
        await case.settled_history()
        row = projected(case)
        assert rules_now(case, await case.now()) == {}

        # visit_overdue: listed once the weekly visit is 5 working days (the grace) past its due
        # moment, and overdue since that due moment, as the case page counts it.
        grace_ends = cal.after(row.next_visit_due_at, MODEL.escalation.escalate_after, TZ)
        assert "visit_overdue" not in rules_now(case, await at(case, grace_ends - MINUTE))
        assert rules_now(case, await at(case, grace_ends + MINUTE))["visit_overdue"] == row.next_visit_due_at
        await case.visit(minutes=90)
        await case.settled_history()
        assert "visit_overdue" not in rules_now(case, await case.now())

        # stage_overdue: the diagnosis deadline (30 days).
        due = projected(case).stage_due_at
        assert "stage_overdue" not in rules_now(case, await at(case, due - MINUTE))
        assert rules_now(case, await at(case, due + MINUTE))["stage_overdue"] == due
        await case.fact("diagnosis", DIAGNOSIS_DONE)
        await case.advance(expected_stage="diagnosis")
        await case.settled_history()
        assert "stage_overdue" not in rules_now(case, await case.now())

        # inactive: 21 days with nothing recorded.
        quiet_from = projected(case).last_activity_at
        alert = cal.after(quiet_from, MODEL.inactivity_alert, TZ)
        assert "inactive" not in rules_now(case, await at(case, alert - MINUTE))
        assert rules_now(case, await at(case, alert + MINUTE))["inactive"] == alert
        await case.visit(minutes=90)
        await case.settled_history()
        assert "inactive" not in rules_now(case, await case.now())

        # paused_too_long: a pause of more than 3 months.
        paused = await case.update("pause", PauseCaseInput(command_id="pause-1", actor="coord-1", reason="hospital"))
        await case.settled_history()
        too_long = cal.after(projected(case).paused_at, MODEL.pause.max, TZ)
        assert paused.case.status == "paused"
        assert "paused_too_long" not in rules_now(case, await at(case, too_long - MINUTE))
        fired = rules_now(case, await at(case, too_long + MINUTE))
        assert fired == {"paused_too_long": too_long}, "a paused case is chased by no other rule"
        await case.update("resume", ResumeCaseInput(command_id="resume-1", actor="coord-1"))
        await case.settled_history()
        assert "paused_too_long" not in rules_now(case, await case.now())


async def to_internship(case: CaseDriver) -> None:
    await case.fact("diagnosis", DIAGNOSIS_DONE)
    await case.advance(expected_stage="diagnosis")
    await case.fact("help_plan", {"agreed_on": "2026-01-15"})
    await case.plan()
    await case.fact("therapist", {"partner_id": "p-therapy", "partner_kind": "therapy"})
    await case.advance(expected_stage="plan")
    await case.fact("ready_for_training", True)
    await case.advance(expected_stage="therapy")
    await case.fact("training_completed", True)
    await case.fact("placement", {"partner_id": "p-employer", "partner_kind": "employer"})
    assert (await case.advance(expected_stage="training")).case.stage == "internship"


COHORT, EMPLOYED = 50, 19  # 38%: the share the source project reported


@pytest.mark.slow
async def test_a_cohort_s_funnel_gives_exactly_the_share_employed(time_skipping_env, task_queue, tmp_path):
    async with running_worker(time_skipping_env, task_queue, tmp_path) as harness:
        cases = [await harness.open() for _ in range(COHORT)]
        for batch in range(0, COHORT, 10):
            await asyncio.gather(*(to_internship(c) for c in cases[batch : batch + 10]))
        for c in cases[:EMPLOYED]:
            await c.fact(
                "employment", {"employer": "p-employer", "started_on": "2026-06-01", "contract": "umowa_o_prace"}
            )
            assert (await c.advance("employ")).case.stage == "follow_up"
        # The internship's 3 months run out; the others end without a job.
        await cases[0].sleep(timedelta(days=93))
        for c in cases[EMPLOYED:]:
            assert (await c.advance("end_without_job")).case.outcome == "not_employed"
        for c in cases:
            await c.settled_history()

        with Session(harness.engine) as s:
            report = reports.funnel(s, definition=MODEL, unit_id="unit-wro")
    assert report.cohort == COHORT and report.still_open == EMPLOYED
    reached = {step.stage: step.reached for step in report.steps}
    assert reached == {
        "diagnosis": 50,
        "plan": 50,
        "therapy": 50,
        "training": 50,
        "internship": 50,
        "follow_up": EMPLOYED,
        "closed": 0,
    }
    internship = next(c for c in report.conversions if (c.source, c.target) == ("internship", "follow_up"))
    assert (internship.source_count, internship.target_count, internship.rate) == (COHORT, EMPLOYED, 0.38)
    assert [(e.outcome, e.count, e.share) for e in report.exits] == [("not_employed", COHORT - EMPLOYED, 0.62)]
    times = {t.stage: t for t in report.time_in_stage}
    # Nobody waited in the early stages (moved on at once); the 31 unemployed interns stayed 93 days.
    assert times["diagnosis"].stays == COHORT and times["diagnosis"].median_days == 0
    assert (
        times["internship"].stays == COHORT
        and times["internship"].median_days == 93
        and times["internship"].p90_days == 93
    )
