"""PathwayWorkflow on the time-skipping server, with the real activities and a SQLite store."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from dateutil.relativedelta import relativedelta
from harness import DIAGNOSIS_DONE, Refused, running_worker
from sqlmodel import Session, select
from temporalio.api.enums.v1 import EventType

from pathway.store.models import Case, CaseEvent, Notification, StagePeriod, Visit
from workflows.messages import CaseResult

WARSAW = ZoneInfo("Europe/Warsaw")
PL_HOLIDAYS = holidays.Poland(years=range(2025, 2032))


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=WARSAW).astimezone(UTC)


def end_of_day(day: date) -> datetime:
    return local_midnight(day + timedelta(days=1))


def plus_working_days(day: date, n: int) -> date:
    """An independent oracle for working days (not the calendar module under test)."""
    while n:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in PL_HOLIDAYS:
            n -= 1
    return day


async def test_whole_model_wsparcia_pathway_over_a_year(time_skipping_env, task_queue, tmp_path):
    env = time_skipping_env
    async with running_worker(env, task_queue, tmp_path) as harness:
        case = await harness.open()

        async def weeks(n: int) -> None:
            for _ in range(n):
                await case.sleep(timedelta(days=6, hours=20))
                await case.visit(minutes=90)

        await case.fact("diagnosis", DIAGNOSIS_DONE)
        await weeks(3)
        assert (await case.advance(expected_stage="diagnosis")).case.stage == "plan"
        await case.fact("help_plan", {"agreed_on": "2026-01-15", "zi_reference": "ZI-2026-014"})
        await case.plan()
        await case.fact("therapist", {"partner_id": "p-therapy", "partner_kind": "therapy"})
        await weeks(2)
        assert (await case.advance()).case.stage == "therapy"
        await weeks(16)
        await case.fact("ready_for_training", True)
        assert (await case.advance()).case.stage == "training"
        await case.plan(version=2)  # the plan reviewed as the pathway moves on (every 6 months at most)
        await weeks(10)
        await case.fact("training_completed", True)
        await case.fact("placement", {"partner_id": "p-employer", "partner_kind": "employer"})
        assert (await case.advance()).case.stage == "internship"
        await case.plan(version=3)
        await weeks(13)
        await case.fact(
            "employment", {"employer": "p-employer", "started_on": "2027-01-04", "contract": "umowa_o_prace"}
        )
        assert (await case.advance("employ")).case.stage == "follow_up"
        blocked = (await case.state()).blocked
        assert [b.guard for b in blocked if b.trigger == "complete"] == ["duration_elapsed"]
        await case.plan(version=4)
        await weeks(14)
        result = await case.advance("complete")
        assert result.case.stage == "closed" and result.case.status == "closed" and result.case.outcome == "employed"

        outcome = CaseResult.model_validate(await case.handle.result())
        assert outcome.outcome == "employed" and outcome.stage == "closed"
        view = await case.state()
        assert [h.stage for h in view.history] == [
            "diagnosis",
            "plan",
            "therapy",
            "training",
            "internship",
            "follow_up",
            "closed",
        ]
        span = view.history[-1].entered_at - view.opened_at
        assert timedelta(days=330) < span < timedelta(days=430), span

        with Session(harness.engine) as session:
            row = session.get(Case, case.case_id)
            assert row is not None and row.status == "closed" and row.stage == "closed" and row.outcome == "employed"
            periods = session.exec(
                select(StagePeriod).where(StagePeriod.case_id == case.case_id).order_by(StagePeriod.seq)
            ).all()
            assert [p.stage for p in periods] == [h.stage for h in view.history]
            assert all(p.left_at is not None for p in periods[:-1])
            seqs = session.exec(
                select(CaseEvent.seq).where(CaseEvent.case_id == case.case_id).order_by(CaseEvent.seq)
            ).all()
            assert list(seqs) == list(range(1, view.seq + 1)), "the projection has every event once, no gaps"
            visits = session.exec(select(Visit).where(Visit.case_id == case.case_id)).all()
            assert len(visits) == view.visits_total == 58
            told = session.exec(
                select(Notification).where(
                    Notification.case_id == case.case_id, Notification.partner_id == "p-employer"
                )
            ).all()
            # the employer hears that the internship starts and ends; the therapist likewise for therapy
            assert sorted(n.payload["body"]["moment"] for n in told) == ["enter", "exit"]
            assert len({n.key for n in told}) == 2
        # A well-run case: visits on time, no escalation ever reached the supervisor.
        assert [r for r in case.reminders() if r.kind == "escalation"] == []


async def test_overdue_visit_reminds_then_escalates_and_a_visit_clears_it(time_skipping_env, task_queue, tmp_path):
    env = time_skipping_env
    async with running_worker(env, task_queue, tmp_path) as harness:
        case = await harness.open()
        opened = (await case.state()).opened_at
        due = end_of_day(opened.astimezone(WARSAW).date() + timedelta(days=7))
        assert (await case.state()).next_visit_due_at == due

        await case.sleep(due - await case.now() - timedelta(minutes=5))
        assert case.reminders() == [], "nothing is sent before the visit falls due"
        assert (await case.state()).overdue == []

        await case.sleep(timedelta(minutes=10))
        first = case.reminders()
        assert [(r.kind, r.watch, r.n, r.at) for r in first] == [("reminder", "visit", 1, due)]
        assert first[0].recipient == "coord-1"

        due_day = due.astimezone(WARSAW).date()  # local midnight that starts the first overdue day
        escalate_at = local_midnight(plus_working_days(due_day, 5))
        await case.sleep(escalate_at - await case.now() + timedelta(minutes=1))
        rows = case.reminders()
        escalations = [r for r in rows if r.kind == "escalation"]
        assert len(escalations) == 1
        assert escalations[0].at == escalate_at and escalations[0].recipient == "supervisors:unit-wro"
        repeats = [r.at for r in rows if r.kind == "reminder"]
        assert repeats[0] == due and len(repeats) >= 2 and all(a < escalate_at for a in repeats)
        view = await case.state()
        assert [(o.watch, o.escalated) for o in view.overdue] == [("visit", True)]

        await case.sleep(timedelta(days=10))
        assert len(case.reminders()) == len(rows), "after the escalation nothing more is sent"

        result = await case.visit(minutes=90)
        assert result.case.overdue == []
        visited = result.case.last_visit_at
        assert result.case.next_visit_due_at == end_of_day(visited.astimezone(WARSAW).date() + timedelta(days=7))


async def test_a_short_visit_is_recorded_but_does_not_count(time_skipping_env, task_queue, tmp_path):
    env = time_skipping_env
    async with running_worker(env, task_queue, tmp_path) as harness:
        case = await harness.open()
        before = (await case.state()).next_visit_due_at
        short = await case.visit(minutes=20)
        event = short.events[0]
        assert event.kind == "visit_recorded" and event.counted is False
        assert "60 minutes" in event.not_counted_reason
        assert short.case.next_visit_due_at == before and short.case.visits_total == 1


async def test_an_illegal_move_is_refused_and_leaves_no_trace(time_skipping_env, task_queue, tmp_path):
    env = time_skipping_env
    async with running_worker(env, task_queue, tmp_path) as harness:
        case = await harness.open()
        before = await case.settled_history()

        with pytest.raises(Refused) as illegal:
            await case.advance("employ", command_id="illegal-1")
        assert illegal.value.code == "illegal_move"
        assert illegal.value.details["stage"] == "diagnosis" and illegal.value.details["allowed"] == ["advance"]

        with pytest.raises(Refused) as unmet:
            await case.advance("advance", command_id="unmet-1")
        assert unmet.value.code == "guard_unmet"
        assert [g["guard"] for g in unmet.value.details["guards"]] == ["checklist_complete"]
        assert "Safety assessment" in unmet.value.details["guards"][0]["reason"]

        after = await case.settled_history()
        # The time-skipping server records the (empty) workflow tasks that ran the validators;
        # the real server drops them too (checked in the integration test). Nothing else.
        added = {EventType.Name(e.event_type) for e in after[len(before) :]}
        assert added <= {
            "EVENT_TYPE_WORKFLOW_TASK_SCHEDULED",
            "EVENT_TYPE_WORKFLOW_TASK_STARTED",
            "EVENT_TYPE_WORKFLOW_TASK_COMPLETED",
        }, added
        view = await case.state()
        assert view.stage == "diagnosis" and [h.stage for h in view.history] == ["diagnosis"]


async def test_the_internship_ends_on_its_calendar_date(time_skipping_env, task_queue, tmp_path):
    env = time_skipping_env
    async with running_worker(env, task_queue, tmp_path) as harness:
        case = await harness.open()
        for name, value in [
            ("diagnosis", DIAGNOSIS_DONE),
            ("help_plan", {"agreed_on": "2026-01-15"}),
            ("therapist", {"partner_id": "p-therapy", "partner_kind": "therapy"}),
            ("ready_for_training", True),
            ("training_completed", True),
            ("placement", {"partner_id": "p-employer", "partner_kind": "employer"}),
        ]:
            await case.fact(name, value)
        await case.plan()
        for _ in range(4):
            result = await case.advance()
        assert result.case.stage == "internship"
        entered = result.case.stage_entered_at.astimezone(WARSAW).date()
        expected_end = local_midnight(entered + relativedelta(months=3))
        assert result.case.duration_ends_at == expected_end
        assert "end_without_job" not in result.case.allowed

        await case.sleep(expected_end - await case.now() - timedelta(minutes=1))
        view = await case.state()
        assert "end_without_job" not in view.allowed
        assert [b.guard for b in view.blocked if b.trigger == "end_without_job"] == ["duration_elapsed"]

        await case.sleep(timedelta(minutes=2))
        view = await case.state()
        assert "end_without_job" in view.allowed
        ended = [r for r in case.reminders() if r.kind == "duration_elapsed"]
        assert [r.at for r in ended] == [expected_end] and ended[0].recipient == "coord-1"
        # the outcome must now be recorded within 10 working days of the end
        assert view.stage_due_at == end_of_day(plus_working_days(expected_end.astimezone(WARSAW).date(), 10))
        done = await case.advance("end_without_job")
        assert done.case.status == "closed" and done.case.outcome == "not_employed"


async def test_pause_stops_the_clocks_and_resume_keeps_the_time_left(time_skipping_env, task_queue, tmp_path):
    env = time_skipping_env
    async with running_worker(env, task_queue, tmp_path) as harness:
        case = await harness.open()
        from workflows.messages import PauseCaseInput, ResumeCaseInput

        first = await case.state()
        await case.sleep(timedelta(days=2))
        paused = await case.update("pause", PauseCaseInput(command_id="p1", actor="coord-1", reason="hospital"))
        assert paused.case.status == "paused" and paused.case.allowed == []
        with pytest.raises(Refused) as refused:
            await case.advance()
        assert refused.value.code == "illegal_move" and "paused" in refused.value.details["message"]

        await case.sleep(timedelta(days=20))
        assert case.reminders() == [], "a paused case is not chased"
        resumed = await case.update("resume", ResumeCaseInput(command_id="r1", actor="coord-1"))
        paused_for = resumed.case.last_activity_at - paused.case.last_activity_at
        assert resumed.case.status == "active"
        assert resumed.case.stage_due_at == first.stage_due_at + paused_for
        assert resumed.case.next_visit_due_at == first.next_visit_due_at + paused_for


async def test_continue_as_new_keeps_the_whole_state_and_applied_commands(time_skipping_env, task_queue, tmp_path):
    env = time_skipping_env
    async with running_worker(env, task_queue, tmp_path) as harness:
        case = await harness.open(continue_as_new_after=40)
        first_run = (await case.handle.describe()).run_id
        await case.fact("diagnosis", DIAGNOSIS_DONE)
        once = await case.visit(minutes=75)
        visit_command = once.events[0].command_id
        await case.advance()
        for _ in range(25):
            await case.sleep(timedelta(days=3))
            await case.visit(minutes=70)
        view = await case.state()
        assert view.runs >= 2, "the history was long enough to continue as new"
        assert (await case.handle.describe()).run_id != first_run
        assert view.stage == "plan" and view.visits_total == 26
        assert view.facts["diagnosis"] == DIAGNOSIS_DONE
        assert [h.stage for h in view.history] == ["diagnosis", "plan"]
        assert view.next_visit_due_at == end_of_day(view.last_visit_at.astimezone(WARSAW).date() + timedelta(days=7))

        # The same command retried after the continue-as-new is recognised, not applied again.
        from workflows.messages import RecordVisitInput

        again = await case.update(
            "record_visit",
            RecordVisitInput(
                command_id=visit_command, actor="coord-1", occurred_at=await case.now(), duration_minutes=75
            ),
        )
        assert again.duplicate is True and again.seq == once.seq
        assert (await case.state()).visits_total == 26

        with Session(harness.engine) as session:
            seqs = session.exec(
                select(CaseEvent.seq).where(CaseEvent.case_id == case.case_id).order_by(CaseEvent.seq)
            ).all()
        assert list(seqs) == list(range(1, view.seq + 1))


async def test_two_people_moving_the_same_case_at_once_one_wins(time_skipping_env, task_queue, tmp_path):
    env = time_skipping_env
    async with running_worker(env, task_queue, tmp_path) as harness:
        case = await harness.open()
        await case.fact("diagnosis", DIAGNOSIS_DONE)
        await case.fact("help_plan", {"agreed_on": "2026-01-15"})
        await case.plan()
        await case.fact("therapist", {"partner_id": "p-therapy", "partner_kind": "therapy"})
        results = await asyncio.gather(
            case.advance(expected_stage="diagnosis", command_id=uuid.uuid4().hex),
            case.advance(expected_stage="diagnosis", command_id=uuid.uuid4().hex),
            return_exceptions=True,
        )
        wins = [r for r in results if not isinstance(r, Exception)]
        losses = [r for r in results if isinstance(r, Exception)]
        assert len(wins) == 1 and len(losses) == 1
        assert isinstance(losses[0], Refused) and losses[0].code == "illegal_move"
        assert losses[0].details["stage"] == "plan"
        assert (await case.state()).stage == "plan"


async def test_a_partner_that_cannot_be_told_is_reported_to_the_coordinator(time_skipping_env, task_queue, tmp_path):
    env = time_skipping_env
    async with running_worker(env, task_queue, tmp_path) as harness:
        case = await harness.open()
        await case.fact("diagnosis", DIAGNOSIS_DONE)
        await case.fact("help_plan", {"agreed_on": "2026-01-15"})
        await case.plan()
        await case.fact("therapist", {"partner_id": "p-unreachable", "partner_kind": "therapy"})
        await case.advance()
        moved = await case.advance()
        assert moved.case.stage == "therapy"
        await case.settled_history()
        told = [r for r in case.reminders() if r.kind == "partner_unreachable"]
        assert len(told) == 1 and told[0].recipient == "coord-1"
        with Session(harness.engine) as session:
            kinds = session.exec(select(CaseEvent.kind).where(CaseEvent.case_id == case.case_id)).all()
            inbox = session.exec(
                select(Notification).where(Notification.partner_id == "coord-1", Notification.case_id == case.case_id)
            ).all()
        assert "partner_unreachable" in kinds
        [message] = [n for n in inbox if n.payload["subject_code"] == "partner_unreachable"]
        assert (
            message.payload["body"]["partner_id"] == "p-unreachable" and message.payload["body"]["stage"] == "therapy"
        )
        assert (await case.state()).stage == "therapy", "the pathway goes on"


async def test_a_move_upserts_its_search_attributes_with_its_projection_not_in_its_answer(
    time_skipping_env, task_queue, tmp_path
):
    """The answer to a command waits only for the command's own workflow task: the search
    attributes follow in the task after the projection (bench/RESULTS.md: the upsert was
    ~0.2-0.3x of a bare update on every answer). They still land, with the new stage."""
    from workflows.search_attributes import PATHWAY_STAGE, STAGE_DUE_AT

    async with running_worker(time_skipping_env, task_queue, tmp_path) as harness:
        case = await harness.open()
        await case.settled_history()
        await case.fact("diagnosis", DIAGNOSIS_DONE)
        await case.settled_history()
        before = len(await case.history_events())
        assert (await case.advance(expected_stage="diagnosis")).case.stage == "plan"
        events = (await case.settled_history())[before:]
        kinds = [e.event_type for e in events]
        completed = kinds.index(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED)
        projected = kinds.index(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, completed)
        assert EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES not in kinds[:projected], (
            "nothing upserted in the answer's task"
        )
        assert EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES in kinds[projected:], (
            "upserted once the move is projected"
        )
        attributes = (await case.handle.describe()).typed_search_attributes
        assert attributes[PATHWAY_STAGE] == "plan"
        assert attributes[STAGE_DUE_AT] == projected_due(harness, case)


def projected_due(harness, case) -> datetime | None:
    with Session(harness.engine) as session:
        return session.get(Case, case.case_id).stage_due_at
