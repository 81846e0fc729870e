"""Record the histories that the replay test replays in every run.

Run after a deliberate, versioned change of PathwayWorkflow (never to make a failing replay
pass):  .venv/bin/python tests/workflows/record_histories.py [SCENARIO ...]
Without names it records only the scenarios that have no history yet: the old histories are
the proof that today's code still replays what older code wrote.
Each scenario runs on the time-skipping server and its history is saved as JSON under
tests/workflows/histories/. Only synthetic ids, stage names and dates are in them."""

from __future__ import annotations

import asyncio
import sys
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from harness import DIAGNOSIS_DONE, running_worker  # noqa: E402
from helpers import make_settings, venv_binary  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402

from pathway.app.catalog import Catalog  # noqa: E402
from pathway.core.plan import PlanAction, PlanSkeleton  # noqa: E402
from pathway.temporal import data_converter, ensure_search_attributes  # noqa: E402
from workflows.messages import (  # noqa: E402
    AnswerReferralInput,
    ChangeHouseholdInput,
    CloseCaseInput,
    PauseCaseInput,
    RecordPlanInput,
    RecordVisitInput,
    ReferClientInput,
    ResumeCaseInput,
)

HISTORIES = HERE / "histories"


async def full_pathway(harness) -> object:
    case = await harness.open(case_id="replay-full")
    await case.fact("diagnosis", DIAGNOSIS_DONE)
    await case.visit(minutes=90)
    await case.advance()
    await case.fact("help_plan", {"agreed_on": "2026-01-15", "zi_reference": "ZI-1"})
    await case.plan()  # Model Wsparcia 7: the structured plan (plan_complete); the kept histories ran on 6
    await case.fact("therapist", {"partner_id": "p-therapy", "partner_kind": "therapy"})
    await case.advance()
    await case.sleep(timedelta(days=20))  # overdue visit: reminders, escalation
    await case.visit(minutes=60)
    await case.fact("ready_for_training", True)
    await case.advance()
    await case.fact("training_completed", True)
    await case.fact("placement", {"partner_id": "p-employer", "partner_kind": "employer"})
    await case.advance()
    await case.sleep(timedelta(days=95))  # the internship's fixed duration elapses
    await case.fact("employment", {"employer": "p-employer", "started_on": "2026-06-01"})
    await case.advance("employ")
    await case.sleep(timedelta(days=100))
    await case.advance("complete")
    await case.handle.result()
    return case


async def commanded_in_its_first_task(harness) -> object:
    """Recorded after the open was answered from the core (issue 16 item 1): the open no
    longer waits for the workflow's first task, so a command sent right after it can reach the
    workflow in that task, handled before the run's loop starts (here made certain with an
    update-with-start). Then the case goes on: a move, a visit, a week's reminders."""
    from harness import CaseDriver, model_wsparcia
    from temporalio.client import WithStartWorkflowOperation
    from temporalio.common import WorkflowIDConflictPolicy

    from workflows.messages import OpenCaseInput, SetFactInput, workflow_id
    from workflows.pathway import PathwayWorkflow

    env = harness.env
    now = await env.get_current_time()
    opening = OpenCaseInput(
        case_id="replay-first-task",
        definition=model_wsparcia(),
        coordinator_id="coord-1",
        unit_id="unit-wro",
        actor="coord-1",
        command_id="open-1",
        opened_at=now,  # as the API opens one: the moment it answered with
    )
    start = WithStartWorkflowOperation(
        PathwayWorkflow.run,
        opening,
        id=workflow_id(opening.case_id),
        task_queue=harness.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        run_timeout=timedelta(days=3650),
    )
    fact = SetFactInput(command_id="fact-1", actor="coord-1", name="diagnosis", value=DIAGNOSIS_DONE)
    await env.client.execute_update_with_start_workflow(
        PathwayWorkflow.set_fact, fact, id=fact.command_id, start_workflow_operation=start
    )
    case = CaseDriver(env, await start.workflow_handle(), harness.engine)
    harness.cases.append(case)
    await case.advance()
    await case.visit(minutes=90)
    await case.sleep(timedelta(days=9))  # the visit clock rings: a reminder
    return case


async def paused_and_dropped(harness) -> object:
    case = await harness.open(case_id="replay-paused")
    await case.visit(minutes=30)  # too short to count
    await case.update("pause", PauseCaseInput(command_id=uuid.uuid4().hex, actor="coord-1", reason="hospital"))
    await case.sleep(timedelta(days=14))
    await case.update("resume", ResumeCaseInput(command_id=uuid.uuid4().hex, actor="coord-1"))
    await case.sleep(timedelta(days=40))
    await case.update("close", CloseCaseInput(command_id=uuid.uuid4().hex, actor="coord-1", outcome="dropped_out"))
    await case.handle.result()
    return case


async def continued_as_new(harness) -> object:
    case = await harness.open(case_id="replay-can", continue_as_new_after=30)
    await case.fact("diagnosis", DIAGNOSIS_DONE)
    for _ in range(12):
        await case.sleep(timedelta(days=2))
        await case.visit(minutes=70)
    return case


async def referral_answered(harness) -> object:
    case = await harness.open(case_id="replay-referral")
    await case.update(
        "refer",
        ReferClientInput(
            command_id=uuid.uuid4().hex,
            actor="coord-1",
            referral_id="r-1",
            partner_id="p-therapy",
            partner_kind="therapy",
            service="therapy",
            consent_id="c-1",
        ),
    )
    await case.sleep(timedelta(days=16))  # unanswered: reminded
    await case.visit(minutes=90)
    await case.update(
        "answer_referral",
        AnswerReferralInput(
            command_id=uuid.uuid4().hex, actor="partner:p-therapy", referral_id="r-1", answer="accepted"
        ),
    )
    await case.update("close", CloseCaseInput(command_id=uuid.uuid4().hex, actor="coord-1", outcome="transferred"))
    await case.handle.result()
    return case


async def certificate_lapsed(harness) -> object:
    entry = Catalog.load(HERE.parents[1] / "definitions").get("asystent-osoby-niepelnosprawnej")
    case = await harness.open(case_id="replay-certificate", definition=entry.snapshot)
    today = (await case.now()).date()
    await case.fact("disability_certificate", {"valid_until": (today + timedelta(days=60)).isoformat()})
    await case.advance("admit")
    await case.sleep(timedelta(days=70))  # reminded 45 days before, then suspended
    await case.fact("disability_certificate", {"valid_until": (today + timedelta(days=800)).isoformat()})
    await case.update("close", CloseCaseInput(command_id=uuid.uuid4().hex, actor="coord-1", outcome="dropped_out"))
    await case.handle.result()
    return case


async def plan_actions_and_review(harness) -> object:
    """A family case's plan (patch plan-clocks): an action falls due (reminded, escalated),
    is done in a second version; the six-monthly review is missed (reminded, escalated)."""
    entry = Catalog.load(HERE.parents[1] / "definitions").get("asystent-rodziny")
    case = await harness.open(case_id="replay-plan", definition=entry.snapshot)
    today = (await case.now()).date()

    def version(n: int, status: str) -> RecordPlanInput:
        action = PlanAction(
            action_id="a-1", goal_id="g-1", owner_kind="coordinator", due_on=today + timedelta(days=10), status=status
        )
        member = PlanAction(action_id="a-2", goal_id="g-1", owner_kind="member", owner_id="m-1", status="planned")
        skeleton = PlanSkeleton(version=n, agreed_on=today, goal_ids=["g-1"], actions=[action, member])
        return RecordPlanInput(command_id=uuid.uuid4().hex, actor="coord-1", plan=skeleton)

    await case.update("record_plan", version(1, "planned"))
    await case.sleep(timedelta(days=30))  # the action is late: reminded, then escalated
    await case.update("record_plan", version(2, "done"))
    await case.sleep(timedelta(days=200))  # the review (every 6 months) is missed
    await case.update("close", CloseCaseInput(command_id=uuid.uuid4().hex, actor="coord-1", outcome="dropped_out"))
    await case.handle.result()
    return case


async def appointments(harness) -> object:
    """Recorded after the appointments patch: a late booking the visit clock waits for,
    its reminder the day before and the visit that fulfils it; a rebooking; a missed one;
    a cancelled one."""
    case = await harness.open(case_id="replay-appointments")
    now = await case.now()
    await case.book(now + timedelta(days=9), appointment_id="a-late")  # after the 7-day cadence
    await case.book(now + timedelta(days=2), appointment_id="a-missed")
    await case.book(now + timedelta(days=4), appointment_id="a-cancelled")
    await case.book(now + timedelta(days=5), appointment_id="a-cancelled", rebook=True)
    await case.cancel("a-cancelled")
    await case.sleep(timedelta(days=9, hours=1))  # reminders, the missed one
    await case.visit(minutes=90)
    await case.update("close", CloseCaseInput(command_id=uuid.uuid4().hex, actor="coord-1", outcome="dropped_out"))
    await case.handle.result()
    return case


async def household(harness) -> object:
    """The family assistant's case with a household (issue 14): members join by id, visits
    record who was present, the diagnosis item "all family members met" is ticked once all
    were, and a member leaves."""
    entry = Catalog.load(HERE.parents[1] / "definitions").get("asystent-rodziny")
    case = await harness.open(case_id="replay-household", definition=entry.snapshot)
    await case.fact("contract", {"signed_on": "2026-01-05", "family_members": 3})
    await case.advance()
    await case.update(
        "change_household",
        ChangeHouseholdInput(command_id=uuid.uuid4().hex, actor="coord-1", added=["m-parent", "m-child"]),
    )
    for present in (["m-parent"], ["m-child"]):
        await case.update(
            "record_visit",
            RecordVisitInput(
                command_id=uuid.uuid4().hex,
                actor="coord-1",
                occurred_at=await case.now(),
                duration_minutes=90,
                present_member_ids=present,
            ),
        )
        await case.sleep(timedelta(days=3))
    diagnosis = {"all_members_met": True, "housing": True, "finances": True, "health": True, "legal": True}
    await case.fact("diagnosis", diagnosis)
    await case.advance()
    await case.update(
        "change_household", ChangeHouseholdInput(command_id=uuid.uuid4().hex, actor="coord-1", removed=["m-child"])
    )
    await case.update("close", CloseCaseInput(command_id=uuid.uuid4().hex, actor="coord-1", outcome="dropped_out"))
    await case.handle.result()
    return case


async def visits_unanswered(harness) -> object:
    """Recorded with the record_visit_unanswered signal (issue 16 item 4, no patch: a handler
    added, no command of older runs changed): visits by signal, one sent twice, one refused
    (dated ahead), then an update and a move."""
    from workflows.pathway import PathwayWorkflow

    case = await harness.open(case_id="replay-unanswered")
    await case.fact("diagnosis", DIAGNOSIS_DONE)
    twice = uuid.uuid4().hex
    for week in range(4):
        await case.sleep(timedelta(days=7))
        at = await case.now()
        command_id = twice if week in (1, 2) else uuid.uuid4().hex
        visit = RecordVisitInput(command_id=command_id, actor="coord-1", occurred_at=at, duration_minutes=90)
        await case.handle.signal(PathwayWorkflow.record_visit_unanswered, visit)
    later = await case.now() + timedelta(days=9)
    ahead = RecordVisitInput(command_id=uuid.uuid4().hex, actor="coord-1", occurred_at=later, duration_minutes=90)
    await case.handle.signal(PathwayWorkflow.record_visit_unanswered, ahead)
    await case.sleep(timedelta(days=1))
    await case.visit(minutes=60)
    await case.advance()
    return case


async def visits_held(harness) -> object:
    """Recorded with ``visits_per_projection`` (issue 16 item 4, no patch: a run holds visits
    only when its input asks, and no run before asked): three visits by signal held for one
    projection, a fourth held until an answered visit's projection takes it, then a move."""
    from workflows.pathway import PathwayWorkflow

    case = await harness.open(case_id="replay-held", visits_per_projection=3)
    await case.fact("diagnosis", DIAGNOSIS_DONE)
    for _ in range(4):
        await case.sleep(timedelta(days=7))
        at = await case.now()
        visit = RecordVisitInput(command_id=uuid.uuid4().hex, actor="coord-1", occurred_at=at, duration_minutes=90)
        await case.handle.signal(PathwayWorkflow.record_visit_unanswered, visit)
    await case.sleep(timedelta(days=1))
    await case.visit(minutes=60)
    await case.advance()
    return case


SCENARIOS = {
    "full_pathway": full_pathway,
    "paused_and_dropped": paused_and_dropped,
    "continued_as_new": continued_as_new,
    "referral_answered": referral_answered,
    "certificate_lapsed": certificate_lapsed,
    # Recorded after the search-attributes-with-projection patch: the others replay the
    # runs that upserted in each command's task, this one the runs that do not.
    "full_pathway_search_attributes_with_projection": full_pathway,
    # Recorded with the plan-clocks patch (issue 14): a plan's actions and its review watched.
    "plan_actions_and_review": plan_actions_and_review,
    "appointments": appointments,
    # Issue 14: the change_household update and the members present at a visit.
    "household": household,
    # Recorded after the keep-alarm patch (issue 16): the waiting timer kept while the next
    # alarm stays; re-armed when a visit moves it, cancelled by a pause, armed by a resume.
    "full_pathway_keep_alarm": full_pathway,
    "paused_and_dropped_keep_alarm": paused_and_dropped,
    # Recorded after the open was answered from the core (issue 16 item 1, no patch: the same
    # commands): a command handled in the workflow's first task, before its loop starts.
    "commanded_in_its_first_task": commanded_in_its_first_task,
    # Recorded after the projection-in-task patch (issue 16): every batch projected by a local
    # activity in its own task, one patch marked per run; a command handled in the first task
    # decides the patch before the run's loop does.
    "full_pathway_projection_in_task": full_pathway,
    "plan_actions_and_review_projection_in_task": plan_actions_and_review,
    "appointments_projection_in_task": appointments,
    "commanded_in_its_first_task_projection_in_task": commanded_in_its_first_task,
    "continued_as_new_projection_in_task": continued_as_new,
    # Recorded with the record_visit_unanswered signal (issue 16 item 4): visits by signal,
    # projected in their own tasks; one sent twice, one refused.
    "visits_unanswered": visits_unanswered,
    # Recorded with visits_per_projection (issue 16 item 4): visits by signal held for one
    # projection, and one taken with an answered command's.
    "visits_held": visits_held,
}


async def main() -> None:
    HISTORIES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        settings = make_settings(Path(tmp), codec_disabled=True)  # recorded in clear so the replay test needs no key
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=str(venv_binary("temporal-test-server")), data_converter=data_converter(settings)
        )
        async with env:
            await ensure_search_attributes(env.client, env.client.namespace)
            wanted = sys.argv[1:] or [n for n in SCENARIOS if not (HISTORIES / f"{n}.json").exists()]
            for name in wanted:
                scenario = SCENARIOS[name]
                store_dir = Path(tmp) / name
                store_dir.mkdir()
                async with running_worker(env, f"record-{name}", store_dir) as harness:
                    case = await scenario(harness)
                    await case.settled_history()
                    # the first run of the case: what a worker replays when it picks the case up
                    handle = env.client.get_workflow_handle(
                        case.handle.id, run_id=case.handle.first_execution_run_id or case.handle.result_run_id
                    )
                    history = await handle.fetch_history()
                    (HISTORIES / f"{name}.json").write_text(history.to_json())
                    print(f"recorded {name}: {len(history.events)} events")
        await asyncio.sleep(0.2)


if __name__ == "__main__":
    asyncio.run(main())
