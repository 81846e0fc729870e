"""What each activity is, as the workflow names it: a method with its message in and out.

The workflow starts activities through these methods (``workflow.execute_activity_method``),
never by a name in a string; the classes that do the work (``ProjectionActivities``,
``ReminderActivities``, ``NotifyActivities``) subclass them and the worker registers theirs.
This module imports no I/O library, so the workflow sandbox lets it through."""

from __future__ import annotations

from temporalio import activity

from activities.messages import (
    NotifyPartnerInput,
    NotifyPartnerResult,
    ProjectEventsInput,
    ProjectEventsResult,
    RemindFollowUpsInput,
    RemindFollowUpsResult,
    RemindInput,
    RemindResult,
    SendDigestsInput,
    SendDigestsResult,
)


class Projection:
    @activity.defn(name="project_events")
    async def project_events(self, input: ProjectEventsInput) -> ProjectEventsResult:
        """Write a batch of the case's events and its summary to the SQL store, idempotently."""
        raise NotImplementedError


class Reminders:
    @activity.defn(name="remind")
    async def remind(self, input: RemindInput) -> RemindResult:
        """Remind the coordinator, or escalate to the unit's supervisors."""
        raise NotImplementedError


class PartnerNotices:
    @activity.defn(name="notify_partner")
    async def notify_partner(self, input: NotifyPartnerInput) -> NotifyPartnerResult:
        """Tell a partner of the resource map what its data scope allows."""
        raise NotImplementedError


class Digests:
    @activity.defn(name="send_digests")
    async def send_digests(self, input: SendDigestsInput) -> SendDigestsResult:
        """E-mail each person who chose e-mail what falls due today and what is overdue."""
        raise NotImplementedError


class FollowUps:
    @activity.defn(name="remind_follow_ups")
    async def remind_follow_ups(self, input: RemindFollowUpsInput) -> RemindFollowUpsResult:
        """Put a reminder in the coordinator's inbox for each ended case whose status after
        exit has fallen due and is not recorded (once per case)."""
        raise NotImplementedError
