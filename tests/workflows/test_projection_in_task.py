"""Patch projection-in-task: a new run projects a batch no command waits on (its opening, what
a clock rang) in the workflow task that made it (a local activity), a command's batch after
its answer (the durable activity, as before), marks one patch only, and falls back to the
durable activity when the store does not answer the task's one attempt."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from harness import DIAGNOSIS_DONE, running_worker
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select
from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.exceptions import ApplicationError

from activities import build_activities
from activities.messages import ProjectEventsInput, ProjectEventsResult
from pathway.store.models import Case, CaseEvent
from workflows.patches import PROJECTION_IN_TASK

MARKER = EventType.EVENT_TYPE_MARKER_RECORDED
SCHEDULED = EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED


def markers(events: list[Any], name: str) -> list[Any]:
    return [
        e.marker_recorded_event_attributes
        for e in events
        if e.event_type == MARKER and e.marker_recorded_event_attributes.marker_name == name
    ]


def first_task_commands(events: list[Any]) -> list[Any]:
    completed = [i for i, e in enumerate(events) if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED]
    end = next(
        i
        for i, e in enumerate(events)
        if i > completed[0] and e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED
    )
    return events[completed[0] + 1 : end]


def commands_by_task(events: list[Any]) -> list[list[int]]:
    """The event types each workflow task's completion wrote (what followed it, up to the next
    task or event the server wrote), one list per task."""
    tasks: list[list[int]] = []
    for e in events:
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
            tasks.append([])
        elif tasks and e.event_type not in SERVER_WRITTEN:
            tasks[-1].append(e.event_type)
    return tasks


SERVER_WRITTEN = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
    EventType.EVENT_TYPE_TIMER_FIRED,
}


def patch_ids(events: list[Any]) -> list[str]:
    return [json.loads(m.details["patch-data"].payloads[0].data)["id"] for m in markers(events, "core_patch")]


def projections_scheduled(events: list[Any]) -> int:
    return sum(
        1
        for e in events
        if e.event_type == SCHEDULED
        and e.activity_task_scheduled_event_attributes.activity_type.name == "project_events"
    )


def stored_events(engine: Engine, case_id: str) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id)).one()


async def test_a_new_run_marks_one_patch_and_projects_what_no_command_waits_on_in_its_task(
    time_skipping_env, task_queue, tmp_path
):
    async with running_worker(time_skipping_env, task_queue, tmp_path) as harness:
        case = await harness.open()
        await case.fact("diagnosis", DIAGNOSIS_DONE)
        await case.visit(minutes=90)
        moved = await case.advance(expected_stage="diagnosis")
        await case.plan()  # plan-clocks, older, is marked no more
        at = await case.now() + timedelta(days=3)
        await case.book(at)  # nor appointments
        await case.sleep(timedelta(days=20))  # clocks ring: reminders, in tasks of their own
        events = await case.settled_history()
        assert patch_ids(events) == [PROJECTION_IN_TASK]
        first_task = first_task_commands(events)
        upserted = [
            set(e.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields)
            for e in first_task
            if e.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES
        ]
        assert upserted == [{"TemporalChangeVersion"}], "the start set ours: the first task upserts none"
        assert MARKER in [e.event_type for e in first_task], "the opening projected in the first task"
        # The commands' batches after their answers (one per command, or fewer when a command
        # came while the last one's was stored); the opening and the rung clocks in their task.
        assert 1 <= projections_scheduled(events) <= 5
        tasks = commands_by_task(events)
        answering = [t for t in tasks if EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED in t]
        assert len(answering) == 5 and all(MARKER not in t for t in answering), "no answer waits on the store"
        assert sum(MARKER in t for t in tasks) >= 4, "the opening and the rung clocks, each in its task"
        last = (await case.state()).seq
        assert last > moved.seq
        assert stored_events(harness.engine, case.case_id) == last
        with Session(harness.engine) as session:
            assert session.get(Case, case.case_id).last_seq == last
        assert case.reminders(), "the reminders' effects still ran"


def failing_in_task(tried: list[bool]) -> Callable[[Engine], list[Callable[..., Any]]]:
    """The real activities, with a projection that refuses every attempt made in a workflow
    task (as a store busy past its timeout would) and stores the durable activity's."""

    def build(engine: Engine) -> list[Callable[..., Any]]:
        real = build_activities(engine)
        [projection] = [a for a in real if getattr(a, "__name__", "") == "project_events"]

        @activity.defn(name="project_events")
        async def project_events(data: ProjectEventsInput) -> ProjectEventsResult:
            tried.append(activity.info().is_local)
            if activity.info().is_local:
                raise ApplicationError("database is locked", type="store_unavailable")
            return await projection(data)

        return [a for a in real if a is not projection] + [project_events]

    return build


async def test_a_batch_the_task_cannot_store_goes_to_the_durable_activity(time_skipping_env, task_queue, tmp_path):
    tried: list[bool] = []
    async with running_worker(time_skipping_env, task_queue, tmp_path, activities=failing_in_task(tried)) as harness:
        case = await harness.open()
        await case.settled_history()
        assert tried == [True, False], "the opening tried in its task, then stored by the activity"
        await case.sleep(timedelta(days=9))  # the visit clock rings: a reminder, tried in its task
        await case.settled_history()
        assert tried[2:] == [True, False]
        await case.fact("diagnosis", DIAGNOSIS_DONE)  # a command: the durable activity only
        moved = await case.advance(expected_stage="diagnosis")
        events = await case.settled_history()
        assert tried[4:] == [False, False]
        assert len(markers(events, "core_local_activity")) == 2
        assert projections_scheduled(events) == 4
        assert stored_events(harness.engine, case.case_id) == moved.seq
        with Session(harness.engine) as session:
            row = session.get(Case, case.case_id)
            assert (row.stage, row.last_seq) == ("plan", moved.seq)
