"""The waiting timer is kept while the next alarm stays where it was (patch keep-alarm).

A fact or a move that leaves the case's next alarm alone (the visit cadence rings before the
stage's deadline) neither cancels the timer nor arms another; a visit that moves the alarm
re-arms it; a pause cancels it and a resume arms it again; the kept timer still rings."""

from __future__ import annotations

from datetime import timedelta

from harness import DIAGNOSIS_DONE, running_worker
from temporalio.api.enums.v1 import EventType

from workflows.messages import PauseCaseInput, ResumeCaseInput

STARTED, FIRED, CANCELED = (
    EventType.EVENT_TYPE_TIMER_STARTED,
    EventType.EVENT_TYPE_TIMER_FIRED,
    EventType.EVENT_TYPE_TIMER_CANCELED,
)


def timers(events) -> list[int]:
    return [e.event_type for e in events if e.event_type in (STARTED, FIRED, CANCELED)]


async def test_a_fact_and_a_move_that_leave_the_next_alarm_keep_the_timer(time_skipping_env, task_queue, tmp_path):
    async with running_worker(time_skipping_env, task_queue, tmp_path) as harness:
        case = await harness.open()
        armed = timers(await case.settled_history())
        assert armed == [STARTED]

        await case.fact("diagnosis", DIAGNOSIS_DONE)
        moved = await case.advance()
        assert moved.case.stage != "diagnosis"

        # Before the patch: a TIMER_CANCELED in each command's task and the same timer armed again.
        assert timers(await case.settled_history()) == [STARTED]


async def test_a_visit_re_arms_a_pause_cancels_and_the_kept_timer_rings(time_skipping_env, task_queue, tmp_path):
    async with running_worker(time_skipping_env, task_queue, tmp_path) as harness:
        case = await harness.open()
        await case.settled_history()
        await case.sleep(timedelta(days=1))
        await case.visit(minutes=90)  # the visit clock moves on: the alarm with it
        assert timers(await case.settled_history()) == [STARTED, CANCELED, STARTED]

        await case.update("pause", PauseCaseInput(command_id="pause-1", actor="coord-1", reason="hospital"))
        assert timers(await case.settled_history()) == [STARTED, CANCELED, STARTED, CANCELED]
        await case.update("resume", ResumeCaseInput(command_id="resume-1", actor="coord-1"))
        assert timers(await case.settled_history()) == [STARTED, CANCELED, STARTED, CANCELED, STARTED]

        await case.fact("diagnosis", DIAGNOSIS_DONE)  # the alarm stays: the timer too
        await case.sleep(timedelta(days=9))  # past the visit due: the kept timer rings
        events = await case.settled_history()
        assert timers(events)[:6] == [STARTED, CANCELED, STARTED, CANCELED, STARTED, FIRED]
        assert [(r.kind, r.watch) for r in case.reminders()] == [("reminder", "visit")]
