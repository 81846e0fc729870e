"""The ``record_visit_unanswered`` signal: a visit from a sender that waits for no answer
(``pathway simulate``'s script). The update's rules; one command id counts once; its batch is
projected in the task that applied it (no command waits on it); a refused one changes nothing
and the case goes on."""

from __future__ import annotations

import uuid
from datetime import timedelta

from harness import running_worker
from sqlmodel import Session, func, select
from temporalio.api.enums.v1 import EventType
from test_projection_in_task import MARKER, SERVER_WRITTEN, projections_scheduled

from pathway.store.models import Case, Visit
from workflows.messages import RecordVisitInput
from workflows.pathway import PathwayWorkflow

SIGNALED = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED


def visit(at, command_id: str | None = None) -> RecordVisitInput:
    return RecordVisitInput(
        command_id=command_id or uuid.uuid4().hex, actor="coord-1", occurred_at=at, duration_minutes=90, kind="home"
    )


def after_first_signal(events: list) -> list[int]:
    """The event types written after the first signal, the server's own left out."""
    first = next(i for i, e in enumerate(events) if e.event_type == SIGNALED)
    return [e.event_type for e in events[first:] if e.event_type not in SERVER_WRITTEN | {SIGNALED}]


async def test_a_signalled_visit_counts_once_and_is_projected_in_its_own_task(time_skipping_env, task_queue, tmp_path):
    async with running_worker(time_skipping_env, task_queue, tmp_path) as harness:
        case = await harness.open()
        opened = await case.state()
        await case.sleep(timedelta(days=2))
        at = await case.now()
        first = visit(at)
        await case.handle.signal(PathwayWorkflow.record_visit_unanswered, first)
        await case.handle.signal(PathwayWorkflow.record_visit_unanswered, first)  # sent again: the same visit
        await case.sleep(timedelta(hours=1))  # a workflow task holds the server's clock: both were taken
        seen = await case.state()
        assert seen.visits_total == 1 and seen.last_visit_at == at
        assert seen.next_visit_due_at is not None and seen.next_visit_due_at > (opened.next_visit_due_at or at)
        events = await case.settled_history()
        # The visit's batch went to the store in the task that applied it: a local activity's
        # marker there, and no durable projection activity for it.
        assert MARKER in after_first_signal(events)
        assert projections_scheduled(events) == 0
        with Session(harness.engine) as session:
            rows = session.exec(select(func.count()).select_from(Visit).where(Visit.case_id == case.case_id)).one()
            assert rows == 1
            assert session.get(Case, case.case_id).last_seq == seen.seq


async def test_a_refused_signalled_visit_changes_nothing_and_the_case_goes_on(time_skipping_env, task_queue, tmp_path):
    async with running_worker(time_skipping_env, task_queue, tmp_path) as harness:
        case = await harness.open()
        before = await case.state()
        now = await case.now()
        await case.handle.signal(PathwayWorkflow.record_visit_unanswered, visit(now + timedelta(days=10)))  # future
        await case.sleep(timedelta(hours=1))
        after = await case.state()
        assert after.seq == before.seq and after.visits_total == 0
        answered = await case.visit(minutes=90)  # the update still answers: the case went on
        assert answered.case.visits_total == 1


def stored(harness, case_id: str) -> tuple[int, int | None]:
    """The visits the store holds for the case, and the last seq it projected."""
    with Session(harness.engine) as session:
        rows = session.exec(select(func.count()).select_from(Visit).where(Visit.case_id == case_id)).one()
        return rows, session.get(Case, case_id).last_seq


async def test_a_run_that_holds_visits_projects_them_together_or_with_any_other_projection(
    time_skipping_env, task_queue, tmp_path
):
    """``visits_per_projection`` (``pathway simulate``'s runs): visits by signal wait until
    that many are held, then go to the store in one batch, in the task of the last; a held
    visit goes with the next projection of any other kind (here a visit's update)."""
    async with running_worker(time_skipping_env, task_queue, tmp_path) as harness:
        case = await harness.open(visits_per_projection=3)
        for _ in range(2):
            await case.sleep(timedelta(days=1))
            await case.handle.signal(PathwayWorkflow.record_visit_unanswered, visit(await case.now()))
        await case.sleep(timedelta(hours=1))  # a workflow task holds the server's clock: both were taken
        held = await case.state()
        assert held.visits_total == 2  # the case counts them ...
        assert MARKER not in after_first_signal(await case.settled_history())  # ... the store waits
        visits, last_seq = stored(harness, case.case_id)
        assert visits == 0 and last_seq is not None and last_seq < held.seq

        await case.handle.signal(PathwayWorkflow.record_visit_unanswered, visit(await case.now()))
        await case.sleep(timedelta(hours=1))
        third = await case.state()
        events = await case.settled_history()
        assert after_first_signal(events).count(MARKER) == 1  # the three in one batch, in the third's task
        assert projections_scheduled(events) == 0
        assert stored(harness, case.case_id) == (3, third.seq)

        await case.handle.signal(PathwayWorkflow.record_visit_unanswered, visit(await case.now()))
        await case.sleep(timedelta(hours=1))
        assert stored(harness, case.case_id) == (3, third.seq)  # held
        answered = await case.visit(minutes=60)
        await case.settled_history()
        assert answered.case.visits_total == 5
        assert stored(harness, case.case_id) == (5, answered.case.seq)  # taken with the answered one's batch
