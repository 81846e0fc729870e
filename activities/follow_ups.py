"""The reminder to record a client's status some months after her case ended (issue 14,
section 5: "3 months after exit"). Run once a day by ``FollowUpRemindersWorkflow``: the ended
cases whose follow-up has fallen due, is not recorded and was not reminded of get one
reminder in their coordinator's inbox, like every other reminder (``ReminderActivities``).

The case workflow is not involved (it has ended): the store knows when each case ended and
when its follow-up falls due, and nothing of the profile leaves the store."""

from __future__ import annotations

import asyncio

import structlog
from sqlalchemy import Engine
from temporalio import activity

from activities.contracts import FollowUps
from activities.messages import RemindFollowUpsInput, RemindFollowUpsResult, RemindInput
from activities.reminders import ReminderActivities
from pathway.store import profiles

log = structlog.get_logger()

# The reminders table keys a reminder on (case, seq of the event that raised it); case events
# start at 1, so 0 is the follow-up reminder's own (one per case).
FOLLOW_UP_SEQ = 0


class FollowUpActivities(FollowUps):
    def __init__(self, engine: Engine, reminders: ReminderActivities) -> None:
        self.engine, self.reminders = engine, reminders

    def _due(self, input: RemindFollowUpsInput) -> list[profiles.FollowUpDue]:
        with self.engine.connect() as conn:
            return profiles.follow_ups_due(conn, now=input.at)

    def _done(self, case_id: str, input: RemindFollowUpsInput) -> None:
        with self.engine.begin() as conn:
            profiles.mark_reminded(conn, case_id=case_id, at=input.at)

    @activity.defn(name="remind_follow_ups")
    async def remind_follow_ups(self, input: RemindFollowUpsInput) -> RemindFollowUpsResult:
        due = await asyncio.to_thread(self._due, input)
        for item in due:
            # The reminder first, then the mark: a retry after a failure between the two finds
            # the case again, and the reminder (keyed on case and seq) is not doubled.
            await self.reminders.remind(
                RemindInput(
                    case_id=item.case_id,
                    unit_id=item.unit_id,
                    coordinator_id=item.coordinator_id,
                    seq=FOLLOW_UP_SEQ,
                    stage=item.stage,
                    kind="follow_up_due",
                    watch="follow_up",
                    due_at=item.due_at,
                    at=input.at,
                )
            )
            await asyncio.to_thread(self._done, item.case_id, input)
        log.info("follow_ups_reminded", cases=len(due))
        return RemindFollowUpsResult(reminded=len(due))
