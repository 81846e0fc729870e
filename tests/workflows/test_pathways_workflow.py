"""Every pathway of the source documents, run on the time-skipping server with the real
activities and a SQLite store: each main path to its end, an exit, the disability
certificate's expiry, referrals left unanswered, and five years out of homelessness."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from harness import ROOT, CaseDriver, Refused, running_worker
from sqlmodel import Session, select

from pathway.app.catalog import Catalog
from pathway.core.plan import PlanAction, PlanSkeleton
from pathway.store.models import Case, CaseEvent, Referral, StagePeriod
from workflows.messages import AnswerReferralInput, CaseResult, CloseCaseInput, RecordPlanInput, ReferClientInput

CATALOG = Catalog.load(ROOT / "definitions")


def definition(definition_id: str):  # noqa: ANN201
    entry = CATALOG.get(definition_id)
    assert entry is not None
    return entry.snapshot


async def weekly_visits(case: CaseDriver, weeks: int, minutes: int = 90, kind: str = "home") -> None:
    for _ in range(weeks):
        await case.sleep(timedelta(days=6, hours=20))
        await case.visit(minutes=minutes, kind=kind)


async def close(case: CaseDriver, outcome: str) -> None:
    await case.update("close", CloseCaseInput(command_id=uuid.uuid4().hex, actor="coord-1", outcome=outcome))


async def result_of(case: CaseDriver) -> CaseResult:
    return CaseResult.model_validate(await case.handle.result())


def stages_of(case: CaseDriver) -> list[str]:
    with Session(case.engine) as s:
        return [
            p.stage
            for p in s.exec(select(StagePeriod).where(StagePeriod.case_id == case.case_id).order_by(StagePeriod.seq))
        ]


def row(case: CaseDriver) -> Case:
    with Session(case.engine) as s:
        found = s.get(Case, case.case_id)
        assert found is not None
        return found


async def test_family_assistant_from_contract_to_work_with_the_therapy_branch(time_skipping_env, task_queue, tmp_path):
    async with running_worker(time_skipping_env, task_queue, tmp_path) as harness:
        case = await harness.open(definition=definition("asystent-rodziny"))
        today = (await case.now()).date().isoformat()
        await case.fact("contract", {"signed_on": today, "family_members": 4})
        assert (await case.advance()).case.stage == "diagnosis"
        await case.fact("diagnosis", dict.fromkeys(("all_members_met", "housing", "finances", "health", "legal"), True))
        await weekly_visits(case, 3)
        assert (await case.advance()).case.stage == "plan"
        with pytest.raises(Refused) as no_plan:  # version 3: a structured plan, not a date
            await case.advance()
        assert no_plan.value.code == "guard_unmet" and "plan_complete" in str(no_plan.value.details)
        action = PlanAction(action_id="a-1", goal_id="g-1", owner_kind="coordinator", due_on=date.fromisoformat(today))
        plan = PlanSkeleton(version=1, agreed_on=date.fromisoformat(today), goal_ids=["g-1"], actions=[action])
        await case.update("record_plan", RecordPlanInput(command_id=uuid.uuid4().hex, actor="coord-1", plan=plan))
        assert (await case.advance()).case.stage == "basic_problems"
        await weekly_visits(case, 8)
        await case.fact("basic_problems", dict.fromkeys(("housing", "money", "health", "legal"), True))
        with pytest.raises(Refused) as refused:
            await case.advance("refer_to_therapy")
        assert refused.value.code == "guard_unmet" and "therapy_needed" in str(refused.value.details)
        await case.fact("therapy_needed", True)
        await case.fact("therapist", {"partner_id": "p-therapy", "partner_kind": "therapy"})
        assert (await case.advance("refer_to_therapy")).case.stage == "psychological_support"
        await weekly_visits(case, 12)
        await case.fact("psychological_support_done", True)
        assert (await case.advance()).case.stage == "activation"
        await case.fact("activation", {"kind": "kurs", "started_on": today})
        await weekly_visits(case, 10)
        await case.fact("employment", {"employer": "p-employer", "started_on": today, "contract": "umowa_o_prace"})
        result = await case.advance("employ")
        assert result.case.stage == "employment_support" and result.case.duration_ends_at is not None
        for _ in range(7):  # fortnightly contact for the 3 months of support
            await case.sleep(timedelta(days=13))
            await case.visit(minutes=45, kind="office")
        await case.sleep(timedelta(days=2))
        assert (await case.advance("complete")).case.stage == "closed"
        outcome = await result_of(case)
        assert outcome.outcome == "employed"
        assert stages_of(case) == [
            "contract",
            "diagnosis",
            "plan",
            "basic_problems",
            "psychological_support",
            "activation",
            "employment_support",
            "closed",
        ]
        # weekly visits kept the cadence: no visit reminder was ever raised
        assert not [r for r in case.reminders() if r.watch == "visit"]


async def test_family_assistant_visits_too_short_to_count_leave_the_cadence_overdue(
    time_skipping_env, task_queue, tmp_path
):
    async with running_worker(time_skipping_env, task_queue, tmp_path) as harness:
        case = await harness.open(definition=definition("asystent-rodziny"))
        for _ in range(2):
            await case.sleep(timedelta(days=3))
            result = await case.visit(minutes=40)
            [event] = [e for e in result.events if e.kind == "visit_recorded"]
            assert event.counted is False and "60" in (event.not_counted_reason or "")
        await case.sleep(timedelta(days=3))
        view = await case.state()
        assert [o.watch for o in view.overdue] == ["visit"]
        await case.settled_history()
        assert [r.watch for r in case.reminders() if r.kind == "reminder"] == ["visit"]
        await close(case, "dropped_out")
        assert (await result_of(case)).outcome == "dropped_out"
        assert row(case).stage == "dropped_out"


async def test_disability_service_is_suspended_when_the_certificate_lapses_and_resumes_with_a_new_one(
    time_skipping_env, task_queue, tmp_path
):
    async with running_worker(time_skipping_env, task_queue, tmp_path) as harness:
        case = await harness.open(definition=definition("asystent-osoby-niepelnosprawnej"))
        start = (await case.now()).date()
        valid_until = start + timedelta(days=120)
        with pytest.raises(Refused):
            await case.advance("admit")
        await case.fact("disability_certificate", {"valid_until": valid_until.isoformat(), "degree": "znaczny"})
        assert (await case.advance("admit")).case.stage == "needs_assessment"
        await case.fact("needs", dict.fromkeys(("mobility", "daily_living", "social", "work_or_school"), True))
        await case.fact("support_plan", {"agreed_on": start.isoformat(), "hours_per_month": 20})
        assert (await case.advance()).case.stage == "support"
        await weekly_visits(case, 11, minutes=45, kind="accompanying")  # ~75 days: inside the 45-day notice
        await case.settled_history()
        assert [r.kind for r in case.reminders() if (r.watch or "").startswith("certificate")] == ["reminder"]
        await weekly_visits(case, 5, minutes=45, kind="accompanying")  # ~110 days
        await case.sleep(timedelta(days=14))  # past the expiry
        view = await case.state()
        assert (view.status, view.pause_reason) == ("paused", "certificate_lapsed")
        with pytest.raises(Refused) as refused:
            await case.visit(minutes=60, kind="home")
        assert refused.value.code == "illegal_move"
        assert f"expired on {valid_until.isoformat()}" in refused.value.details["message"]
        await case.settled_history()
        kinds = [r.kind for r in case.reminders() if (r.watch or "").startswith("certificate")]
        assert kinds == ["reminder", "certificate_lapsed"]
        assert row(case).status == "paused"
        renewed = (await case.now()).date() + timedelta(days=730)
        result = await case.fact("disability_certificate", {"valid_until": renewed.isoformat(), "degree": "znaczny"})
        assert result.case.status == "active"
        await case.visit(minutes=60, kind="home")
        await case.fact("goals_reached", True)
        assert (await case.advance("complete")).case.stage == "closed"
        assert (await result_of(case)).outcome == "goals_reached"
        with Session(case.engine) as s:
            kinds = [
                e.kind
                for e in s.exec(select(CaseEvent).where(CaseEvent.case_id == case.case_id).order_by(CaseEvent.seq))
            ]
        assert kinds.count("certificate_lapsed") == 1 and "case_paused" in kinds and "case_resumed" in kinds


async def test_intercultural_assistant_main_path_and_a_transfer(time_skipping_env, task_queue, tmp_path):
    async with running_worker(time_skipping_env, task_queue, tmp_path) as harness:
        case = await harness.open(definition=definition("asystent-miedzykulturowy"))
        today = (await case.now()).date().isoformat()
        await case.fact("work_plan", {"agreed_on": today, "language": "uk"})
        assert (await case.advance()).case.stage == "integration"
        await weekly_visits(case, 10)
        await case.fact("areas", dict.fromkeys(("official_matters", "school", "health_care", "benefits"), True))
        assert (await case.advance()).case.stage == "independence"
        await case.fact("independent", True)
        with pytest.raises(Refused) as refused:
            await case.advance("complete")
        assert "duration" in str(refused.value.details)
        for _ in range(3):
            await case.sleep(timedelta(days=30))
            await case.visit(minutes=60)
        await case.sleep(timedelta(days=2))
        assert (await case.advance("complete")).case.stage == "closed"
        assert (await result_of(case)).outcome == "independent"

        other = await harness.open(definition=definition("asystent-miedzykulturowy"))
        await close(other, "transferred")
        assert (await result_of(other)).outcome == "transferred"


async def test_an_unanswered_referral_reminds_the_coordinator_then_the_supervisor_until_answered(
    time_skipping_env, task_queue, tmp_path
):
    async with running_worker(time_skipping_env, task_queue, tmp_path) as harness:
        case = await harness.open()
        made = await case.update(
            "refer",
            ReferClientInput(
                command_id=uuid.uuid4().hex,
                actor="coord-1",
                referral_id="ref-1",
                partner_id="p-therapy",
                partner_kind="therapy",
                service="therapy",
                consent_id="consent-1",
            ),
        )
        due = made.case.referrals[0]
        assert due.status == "pending"
        await case.sleep(timedelta(days=14, hours=12))  # past 10 working days (two weeks)
        await case.visit()
        await case.sleep(timedelta(days=21))  # past the 5 working days of grace, holidays or not
        await case.visit()
        await case.settled_history()
        levels = [r.kind for r in case.reminders() if r.watch == "referral:ref-1"]
        assert levels[0] == "reminder" and levels[-1] == "escalation"
        with Session(case.engine) as s:
            projected = s.get(Referral, "ref-1")
            assert projected is not None and projected.status == "pending" and projected.consent_id == "consent-1"
        answered = await case.update(
            "answer_referral",
            AnswerReferralInput(
                command_id=uuid.uuid4().hex, actor="partner:p-therapy", referral_id="ref-1", answer="accepted"
            ),
        )
        assert answered.case.referrals[0].status == "accepted"
        count = len([r for r in case.reminders() if r.watch == "referral:ref-1"])
        await case.sleep(timedelta(days=30))
        await case.visit()
        await case.settled_history()
        assert len([r for r in case.reminders() if r.watch == "referral:ref-1"]) == count
        with Session(case.engine) as s:
            projected = s.get(Referral, "ref-1")
            assert (
                projected is not None
                and projected.status == "accepted"
                and projected.answered_by == "partner:p-therapy"
            )


@pytest.mark.slow
async def test_five_years_out_of_homelessness_with_weekly_visits_keeps_a_short_history(
    time_skipping_env, task_queue, tmp_path
):
    """Weekly outreach for five years: the case continues as new whenever its history grows
    past the bound, carries everything over, and ends where a person would expect."""
    bound = 400
    async with running_worker(time_skipping_env, task_queue, tmp_path) as harness:
        case = await harness.open(definition=definition("wychodzenie-z-bezdomnosci"), continue_as_new_after=bound)
        today = lambda: date.today().isoformat()  # noqa: E731 - dates of facts only need to be valid dates
        visits = 0

        async def weeks(n: int) -> None:
            nonlocal visits
            for _ in range(n):
                # A few hours short of a week, as ``weekly_visits``: a visit is due by the end of
                # the seventh local day, and exactly 168 hours after one at 23:30 is past
                # midnight on a day the clocks go forward (the suite's shared test server had
                # reached 31 March 2058 when this failed once).
                await case.sleep(timedelta(days=6, hours=20))
                await case.visit(minutes=30, kind="outreach")
                visits += 1

        await weeks(8)
        await case.fact(
            "basic_needs", dict.fromkeys(("shelter", "food", "documents", "health_insurance", "income"), True)
        )
        await case.fact("addiction_therapy_needed", True)
        await case.fact("therapy_centre", {"partner_id": "p-therapy", "partner_kind": "therapy"})
        await case.plan(today())  # version 3: the exit programme agreed (plan_complete)
        assert (await case.advance("start_therapy")).case.stage == "addiction_therapy"
        await weeks(40)
        await case.fact("therapy_completed", True)
        assert (await case.advance()).case.stage == "work_search"
        await weeks(30)
        await case.fact("employment", {"employer": "p-employer", "started_on": today(), "contract": "umowa_o_prace"})
        assert (await case.advance("employ")).case.stage == "keeping_work"
        await weeks(10)
        assert (await case.advance("job_lost")).case.stage == "work_search"  # a setback, and back on track
        await weeks(12)
        assert (await case.advance("employ")).case.stage == "keeping_work"
        await weeks(27)
        await case.fact("housing_application", {"filed_on": today(), "reference": "LS-2029-118"})
        assert (await case.advance("apply_for_housing")).case.stage == "housing_application"
        await weeks(260 - visits)
        view = await case.state()
        assert view.visits_total == 260 and view.runs > 1
        await case.fact("housing_granted", {"granted_on": today()})
        assert (await case.advance("complete")).case.stage == "closed"
        result = await result_of(case)
        assert result.outcome == "independent" and result.runs == view.runs

        # every run of the chain stayed near its bound
        client = time_skipping_env.client
        lengths, run_id = [], case.handle.first_execution_run_id or case.handle.result_run_id
        while run_id:  # follow the chain of runs, first to last
            events = [e async for e in client.get_workflow_handle(case.handle.id, run_id=run_id).fetch_history_events()]
            lengths.append(len(events))
            last = events[-1]
            run_id = (
                last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
                if last.HasField("workflow_execution_continued_as_new_event_attributes")
                else None
            )
        assert len(lengths) == view.runs and max(lengths) < bound + 60, lengths
        assert stages_of(case) == [
            "basic_needs",
            "addiction_therapy",
            "work_search",
            "keeping_work",
            "work_search",
            "keeping_work",
            "housing_application",
            "closed",
        ]
        with Session(case.engine) as s:
            seqs = [
                e.seq
                for e in s.exec(select(CaseEvent).where(CaseEvent.case_id == case.case_id).order_by(CaseEvent.seq))
            ]
        assert seqs == list(range(1, len(seqs) + 1))  # nothing lost, nothing twice, across every run
        assert len([r for r in case.reminders() if r.watch == "visit"]) == 0


@pytest.mark.parametrize("definition_id", sorted(CATALOG.ids()))
async def test_every_exit_of_every_pathway_closes_the_case_with_its_outcome(
    time_skipping_env, task_queue, tmp_path, definition_id
):
    snap = definition(definition_id)
    outcomes = CATALOG.get(definition_id).definition.outcomes  # type: ignore[union-attr]
    assert outcomes, definition_id
    async with running_worker(time_skipping_env, task_queue, tmp_path) as harness:
        for outcome, stage in outcomes.items():
            case = await harness.open(definition=snap)
            await case.sleep(timedelta(days=3))
            await close(case, outcome)
            result = await result_of(case)
            assert (result.stage, result.outcome) == (stage, outcome)
            await case.settled_history()
            assert (row(case).status, row(case).stage, row(case).outcome) == ("closed", stage, outcome)
