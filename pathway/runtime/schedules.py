"""The Temporal Schedules the engine keeps: the morning digest at 07:00 in the centre's zone,
Monday to Friday (holidays are skipped by the digest itself). Created when the worker
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

log = structlog.get_logger()

DIGEST_SCHEDULE_ID = "morning-digest"
DIGEST_HOUR = 7


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


async def ensure_digest_schedule(client: Client, *, task_queue: str, tz: str) -> None:
    wanted = digest_schedule(task_queue, tz)
    try:
        await client.create_schedule(DIGEST_SCHEDULE_ID, wanted)
        log.info("schedule_created", schedule=DIGEST_SCHEDULE_ID, tz=tz)
    except ScheduleAlreadyRunningError:

        def update(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=wanted)

        await client.get_schedule_handle(DIGEST_SCHEDULE_ID).update(update)
        log.info("schedule_updated", schedule=DIGEST_SCHEDULE_ID, tz=tz)
