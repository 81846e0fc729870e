"""FollowUpRemindersWorkflow: one run a day, started by a Temporal Schedule
(``pathway.runtime.schedules``), reminds coordinators to record their clients' status some
months after exit (the ``remind_follow_ups`` activity reads the store; no client data here)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.contracts import FollowUps
    from activities.messages import RemindFollowUpsInput, RemindFollowUpsResult


class FollowUpRemindersInput(BaseModel):
    pass


@workflow.defn
class FollowUpRemindersWorkflow:
    @workflow.run
    async def run(self, input: FollowUpRemindersInput) -> RemindFollowUpsResult:
        return await workflow.execute_activity_method(
            FollowUps.remind_follow_ups,
            RemindFollowUpsInput(at=workflow.now()),
            start_to_close_timeout=timedelta(minutes=10),
            # The database away for a while: tomorrow's run finds the same cases anyway.
            schedule_to_close_timeout=timedelta(hours=6),
        )
