"""The daily follow-up reminders (issue 14, section 5): the schedule starts
FollowUpRemindersWorkflow at 06:00 every day, and a run asks ``remind_follow_ups`` once with
the workflow's own clock (time-skipping server; the activity is a stand-in here, the store's
side is tested in tests/api/test_profile_outcomes.py)."""

from __future__ import annotations

import uuid
from datetime import datetime

from helpers import runner_under_test
from temporalio import activity
from temporalio.client import ScheduleActionStartWorkflow
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.messages import RemindFollowUpsInput, RemindFollowUpsResult
from pathway.runtime.schedules import follow_up_schedule
from workflows.follow_ups import FollowUpRemindersInput, FollowUpRemindersWorkflow


async def test_a_run_asks_the_activity_once_with_the_workflows_clock(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    asked: list[datetime] = []

    @activity.defn(name="remind_follow_ups")
    async def remind_follow_ups(input: RemindFollowUpsInput) -> RemindFollowUpsResult:
        asked.append(input.at)
        return RemindFollowUpsResult(reminded=3)

    env = time_skipping_env
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=[FollowUpRemindersWorkflow],
        activities=[remind_follow_ups],
        workflow_runner=runner_under_test(),
    ):
        result = await env.client.execute_workflow(
            FollowUpRemindersWorkflow.run,
            FollowUpRemindersInput(),
            id=f"follow-ups-{uuid.uuid4().hex[:8]}",
            task_queue=task_queue,
        )
    assert result.reminded == 3
    [at] = asked
    assert at.tzinfo is not None  # workflow.now(): an instant, compared with due dates in UTC


def test_the_schedule_runs_every_day_at_six_in_the_centres_zone() -> None:
    schedule = follow_up_schedule("q", "Europe/Warsaw")
    [calendar] = schedule.spec.calendars
    assert [(r.start, r.end) for r in calendar.hour] == [(6, 6)]
    assert not calendar.day_of_week or [(r.start, r.end) for r in calendar.day_of_week] == [(0, 6)]
    assert schedule.spec.time_zone_name == "Europe/Warsaw"
    assert isinstance(schedule.action, ScheduleActionStartWorkflow)
    assert schedule.action.workflow == "FollowUpRemindersWorkflow"
