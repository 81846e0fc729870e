"""MorningDigestWorkflow: one run per working morning, started by a Temporal Schedule
(``pathway.runtime.schedules``), e-mails each person who chose e-mail what falls due today.

The day is the schedule's run's local date (``workflow.now()`` in the centre's zone), so a
run that waited for a worker still sends the digest of the morning it was meant for."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.contracts import Digests
    from activities.messages import SendDigestsInput, SendDigestsResult
    from pathway.core.calendar import local_date


class MorningDigestInput(BaseModel):
    tz: str = "Europe/Warsaw"


@workflow.defn
class MorningDigestWorkflow:
    @workflow.run
    async def run(self, input: MorningDigestInput) -> SendDigestsResult:
        day = local_date(workflow.now(), input.tz)
        return await workflow.execute_activity_method(
            Digests.send_digests,
            SendDigestsInput(day=day),
            start_to_close_timeout=timedelta(minutes=10),
            # An SMTP server down at 07:00: try for two hours, then give up on that morning.
            retry_policy=RetryPolicy(initial_interval=timedelta(minutes=1), maximum_interval=timedelta(minutes=15)),
            schedule_to_close_timeout=timedelta(hours=2),
        )
