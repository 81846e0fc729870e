"""The Temporal Schedules the engine keeps: the morning digest at 07:00 in the centre's zone,
Monday to Friday (holidays are skipped by the digest itself), and the reminders to record a
client's status after exit at 06:00 every day. Created when the worker
starts; an existing schedule is brought to the spec this code declares."""

from __future__ import annotations

from datetime import timedelta

import structlog
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from workflows.digest import MorningDigestInput, MorningDigestWorkflow
from workflows.follow_ups import FollowUpRemindersInput, FollowUpRemindersWorkflow

log = structlog.get_logger()

DIGEST_SCHEDULE_ID = "morning-digest"
DIGEST_HOUR = 7
FOLLOW_UP_SCHEDULE_ID = "follow-up-reminders"
FOLLOW_UP_HOUR = 6


def digest_schedule(task_queue: str, tz: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            MorningDigestWorkflow.run,
            MorningDigestInput(tz=tz),
            id="morning-digest-run",
            task_queue=task_queue,
        ),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    hour=[ScheduleRange(DIGEST_HOUR)],
                    minute=[ScheduleRange(0)],
                    second=[ScheduleRange(0)],
                    day_of_week=[ScheduleRange(1, 5)],  # Monday (1) to Friday (5)
                    comment="the morning digest: 07:00 on working days",
                )
            ],
            time_zone_name=tz,
        ),
        # A morning missed while the worker was down is not sent at noon: skip it.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(hours=1)),
    )


async def _ensure(client: Client, schedule_id: str, wanted: Schedule) -> None:
    try:
        await client.create_schedule(schedule_id, wanted)
        log.info("schedule_created", schedule=schedule_id)
    except ScheduleAlreadyRunningError:

        def update(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=wanted)

        await client.get_schedule_handle(schedule_id).update(update)
        log.info("schedule_updated", schedule=schedule_id)


async def ensure_digest_schedule(client: Client, *, task_queue: str, tz: str) -> None:
    await _ensure(client, DIGEST_SCHEDULE_ID, digest_schedule(task_queue, tz))


def follow_up_schedule(task_queue: str, tz: str) -> Schedule:
    """Every day at 06:00: a reminder for each ended case whose status after exit is due."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            FollowUpRemindersWorkflow.run,
            FollowUpRemindersInput(),
            id="follow-up-reminders-run",
            task_queue=task_queue,
        ),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    hour=[ScheduleRange(FOLLOW_UP_HOUR)],
                    minute=[ScheduleRange(0)],
                    second=[ScheduleRange(0)],
                    comment="reminders to record the status after exit: 06:00 every day",
                )
            ],
            time_zone_name=tz,
        ),
        # A day missed while the worker was down is caught up by the next one (the activity
        # finds every case still due): skip it.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(hours=1)),
    )


async def ensure_schedules(client: Client, *, task_queue: str, tz: str) -> None:
    """The morning digest and the daily follow-up reminders, brought to this code's spec."""
    await ensure_digest_schedule(client, task_queue=task_queue, tz=tz)
    await _ensure(client, FOLLOW_UP_SCHEDULE_ID, follow_up_schedule(task_queue, tz))
