"""PathwayWorkflow: one client's support pathway, from the first meeting to closing.

The workflow owns the case's state and delegates every rule to ``pathway.core.case.Case``.
People act through updates, validated before they are accepted so a refused command leaves
no trace in history; timers wake it for deadlines, fixed durations and the visit cadence;
activities project its events to SQL, remind coordinators, escalate to supervisors and tell
partners. A long pathway continues as new, carrying its full state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.contracts import PartnerNotices, Reminders
    from activities.messages import ProjectEventsInput
    from pathway.core import migration
    from pathway.core.case import Case, CaseView
    from pathway.core.commands import Command
    from pathway.core.errors import PathwayError
    from pathway.core.events import AppointmentMissed, AppointmentReminder, Event, NotificationRequested
    from pathway.core.summary import CaseSummary, summarize
    from workflows import search_attributes as sa
    from workflows.alarm import Alarm
    from workflows.effects import notice_for, reminder_for
    from workflows.messages import (
        AdvanceCaseInput,
        AnswerReferralInput,
        AssignCoordinatorInput,
        BookAppointmentInput,
        CancelAppointmentInput,
        CaseResult,
        ChangeHouseholdInput,
        CheckMigrationInput,
        CheckMigrationResult,
        CloseCaseInput,
        CommandResult,
        GetStateInput,
        MigrateDefinitionInput,
        OpenCaseInput,
        PauseCaseInput,
        RecordPlanInput,
        RecordVisitInput,
        ReferClientInput,
        ResumeCaseInput,
        SetFactInput,
    )
    from workflows.opening import opened_case
    from workflows.patches import (
        APPOINTMENTS,
        KEEP_ALARM,
        PLAN_CLOCKS,
        PROJECTION_IN_TASK,
        SEARCH_ATTRIBUTES_WITH_PROJECTION,
    )
    from workflows.projecting import cause_of, project

EFFECT_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=10),
    maximum_attempts=12,
)
# Never let a history grow without bound, even if the server does not suggest continuing.
HISTORY_CEILING = 20_000


def _refusal(error: PathwayError) -> ApplicationError:
    """A core error as the failure an update's caller receives (code + structured details)."""
    return ApplicationError(error.message, error.to_dict(), type=error.code, non_retryable=True)


@workflow.defn(name="PathwayWorkflow")
class PathwayWorkflow:
    @workflow.init
    def __init__(self, input: OpenCaseInput) -> None:
        # A new run's case as ``opening.first_case`` (the API's answer to an open) sees it.
        self.case = Case(input.state) if input.state is not None else opened_case(input, workflow.now())
        self._input = input
        self._wake = False
        self._answering = False  # a command was applied since the last projection
        # Visits by signal held for one projection (``visits_per_projection``), and their events.
        self._held_visits = 0
        self._held_events = 0
        self._effects: set[asyncio.Task[Any]] = set()
        self._search_attributes: dict[str, Any] = {}
        self._alarm: Alarm | None = None  # None: a run older than keep-alarm

    # ------------------------------------------------------------------ main loop
    @workflow.run
    async def run(self, input: OpenCaseInput) -> CaseResult:
        # Decided in the first task of the run, so a patch's marker never weighs on a command.
        self._patched(SEARCH_ATTRIBUTES_WITH_PROJECTION)
        if self._patched(KEEP_ALARM):
            self._alarm = Alarm()
        if workflow.patched(PROJECTION_IN_TASK):
            # Upsert only what differs from what the run has: its start (the API sets what its
            # answer shows) or the run it continues.
            self._search_attributes = sa.present(workflow.info().typed_search_attributes)
        self._upsert_search_attributes()
        while True:
            self.case.fire_due(workflow.now())
            await self._flush()
            if self.case.state.status == "closed":
                break
            if self._should_continue_as_new():
                await self._quiesce()
                if not self.case.closed:  # read afresh: a handler finished while quiescing may have closed it
                    self.case.state.runs += 1
                    # The definition too: a migrated case's next run starts from its new snapshot.
                    workflow.continue_as_new(
                        self._input.model_copy(
                            update={"state": self.case.state, "definition": self.case.state.definition}
                        )
                    )
                break
            await self._sleep_until_next_alarm()
        await self._quiesce()
        s = self.case.state
        return CaseResult(case_id=s.case_id, stage=s.stage, outcome=s.outcome, closed_at=s.closed_at, runs=s.runs)

    async def _sleep_until_next_alarm(self) -> None:
        self._wake = False
        next_at = self.case.next_alarm_at()
        if (alarm := self._alarm) is not None:
            alarm.ring_at(next_at)
            await workflow.wait_condition(lambda: self._wake or self._unprojected() or alarm.rang)
            return
        timeout = None
        if next_at is not None:
            timeout = max(next_at - workflow.now(), timedelta(seconds=1))
        try:
            await workflow.wait_condition(lambda: self._wake or self._unprojected(), timeout=timeout)
        except TimeoutError:
            pass

    def _should_continue_as_new(self) -> bool:
        info = workflow.info()
        limit = self._input.continue_as_new_after
        length = info.get_current_history_length()
        if limit is not None and length >= limit:
            return True
        return info.is_continue_as_new_suggested() or length >= HISTORY_CEILING

    async def _quiesce(self) -> None:
        """Finish every handler, project every event and finish every side effect."""
        while True:
            await workflow.wait_condition(workflow.all_handlers_finished)
            await self._flush(everything=True)
            if self._effects:
                await asyncio.gather(*list(self._effects), return_exceptions=True)
            if not self.case.state.outbox and workflow.all_handlers_finished():
                return

    # ------------------------------------------------------------------ side effects
    async def _flush(self, *, everything: bool = False) -> None:
        """Project the pending events (in order, idempotently), then start their effects;
        ``everything``: the visits held for one projection too."""
        while self.case.state.outbox:
            if not everything and self._holding():
                return
            batch: list[Event] = list(self.case.state.outbox)
            self._held_visits = self._held_events = 0  # what arrives while it is stored counts anew
            # A batch with a command's events goes to the durable activity after the answer: in
            # the task, the answer would wait for the store and the search attributes.
            in_task = workflow.patched(PROJECTION_IN_TASK) and not self._answering
            self._answering = False
            result = await project(ProjectEventsInput(summary=self._summary(), events=batch), in_task=in_task)
            self.case.acknowledge(max(result.up_to_seq, batch[-1].seq))
            for event in batch:
                self._start_effect(event)
            self._upsert_search_attributes()

    def _holding(self) -> bool:
        """Whether every pending event is a held visit's, fewer visits than the run's
        ``visits_per_projection`` (always false at 1, the default: no run before it held one)."""
        return 0 < self._held_visits < self._input.visits_per_projection and self._held_events == len(
            self.case.state.outbox
        )

    def _unprojected(self) -> bool:
        """Events the loop must project now."""
        return bool(self.case.state.outbox) and not self._holding()

    @staticmethod
    def _patched(patch_id: str) -> bool:
        """A patch older than PROJECTION_IN_TASK: in force in every run started with that one,
        which marks only that one. The SDK decides a patch once per run, at its first call (the
        run's first task, or a command handled in it): a new run marks PROJECTION_IN_TASK
        there; a run older than it finds the markers it did write."""
        return workflow.patched(PROJECTION_IN_TASK) or workflow.patched(patch_id)

    def _start_effect(self, event: Event) -> None:
        s = self.case.state
        effect: Awaitable[object]
        if isinstance(event, (AppointmentReminder, AppointmentMissed)) and not self._patched(APPOINTMENTS):
            return  # pragma: no cover - a run older than appointments never booked one
        remind = reminder_for(s, event)
        if remind is not None:
            effect = workflow.execute_activity_method(
                Reminders.remind,
                remind,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=EFFECT_RETRY,
            )
        elif isinstance(event, NotificationRequested):
            effect = workflow.execute_activity_method(
                PartnerNotices.notify_partner,
                notice_for(s, event),
                start_to_close_timeout=timedelta(seconds=60),
                retry_policy=EFFECT_RETRY,
            )
        else:
            return
        task = asyncio.ensure_future(self._guard_effect(effect, event))
        self._effects.add(task)
        task.add_done_callback(self._effects.discard)

    async def _guard_effect(self, effect: Any, event: Event) -> None:
        try:
            await effect
        except ActivityError as err:
            # A partner or inbox that cannot be reached must not stop the pathway...
            cause = cause_of(err)
            workflow.logger.warning(
                "side effect failed",
                extra={"case_id": self.case.state.case_id, "seq": event.seq, "kind": event.kind, "cause": cause},
            )
            # ... but the coordinator must know that a partner was not told.
            if isinstance(event, NotificationRequested):
                self.case.partner_unreachable(event, cause, workflow.now())
                self._wake = True

    def _summary(self) -> CaseSummary:
        return summarize(self.case.state)

    def _upsert_search_attributes(self) -> None:
        if updates := sa.changes(sa.shown(self._summary()), self._search_attributes):
            workflow.upsert_search_attributes(updates)

    # ------------------------------------------------------------------ commands
    def _validate(self, command: Command) -> None:
        if self.case.applied(command.command_id) is not None:
            return  # a retried command: the handler answers with the recorded result
        try:
            self.case.validate(command, workflow.now())
        except PathwayError as error:
            raise _refusal(error) from None

    def _apply(self, command: Command, now: datetime) -> list[Event]:
        """Apply ``command`` to the case (a PathwayError if it refuses) and wake the loop."""
        events = self.case.apply(command, now)
        self._wake = True
        if not self._patched(SEARCH_ATTRIBUTES_WITH_PROJECTION):
            self._upsert_search_attributes()
        # (Patched: ``_flush`` upserts them once the command's events are projected. A command
        # without events changes nothing a search attribute shows.)
        return events

    def _handle(self, command: Command) -> CommandResult:
        now = workflow.now()
        prior = self.case.applied(command.command_id)
        if prior is not None:
            return CommandResult(seq=prior.seq, duplicate=True, case=self.case.view(now))
        try:
            # Validated already, but two updates delivered together are validated before
            # either runs: check again against the state as it is now.
            events = self._apply(command, now)
        except PathwayError as error:
            raise _refusal(error) from None
        if events:
            self._answering = True
        return CommandResult(seq=self.case.state.seq, duplicate=False, case=self.case.view(now), events=events)

    @workflow.update(name="advance")
    def advance(self, input: AdvanceCaseInput) -> CommandResult:
        return self._handle(input)

    @advance.validator
    def _validate_advance(self, input: AdvanceCaseInput) -> None:
        self._validate(input)

    @workflow.update(name="record_visit")
    def record_visit(self, input: RecordVisitInput) -> CommandResult:
        return self._handle(input)

    @record_visit.validator
    def _validate_record_visit(self, input: RecordVisitInput) -> None:
        self._validate(input)

    @workflow.signal(name="record_visit_unanswered")
    def record_visit_unanswered(self, input: RecordVisitInput) -> None:
        """A visit from a sender that waits for no answer (``pathway simulate``'s scripted
        coordinator): the update's rules, and the same command id makes it count once. No
        command waits on its events, so they are projected in the task that applied them; a
        run that holds several (``visits_per_projection``) projects them with the last one it
        may hold, or with any projection before it. A refused one changes nothing in the
        case and leaves a warning with its command id and the refusal's code (a signal has no
        caller to answer)."""
        now = workflow.now()
        if self.case.applied(input.command_id) is not None:
            return
        try:
            events = self._apply(input, now)
        except PathwayError as error:
            workflow.logger.warning(
                "unanswered visit refused",
                extra={"case_id": self.case.state.case_id, "command_id": input.command_id, "code": error.code},
            )
            return
        if events:
            self._held_visits += 1
            self._held_events += len(events)

    @workflow.update(name="set_fact")
    def set_fact(self, input: SetFactInput) -> CommandResult:
        return self._handle(input)

    @set_fact.validator
    def _validate_set_fact(self, input: SetFactInput) -> None:
        self._validate(input)

    # A handler of its own, added with issue 14: no run before it received this update, so
    # the histories of running cases replay unchanged (no patch is needed for a new handler).
    @workflow.update(name="change_household")
    def change_household(self, input: ChangeHouseholdInput) -> CommandResult:
        return self._handle(input)

    @change_household.validator
    def _validate_change_household(self, input: ChangeHouseholdInput) -> None:
        self._validate(input)

    @workflow.update(name="assign_coordinator")
    def assign_coordinator(self, input: AssignCoordinatorInput) -> CommandResult:
        return self._handle(input)

    @assign_coordinator.validator
    def _validate_assign_coordinator(self, input: AssignCoordinatorInput) -> None:
        self._validate(input)

    @workflow.update(name="pause")
    def pause(self, input: PauseCaseInput) -> CommandResult:
        return self._handle(input)

    @pause.validator
    def _validate_pause(self, input: PauseCaseInput) -> None:
        self._validate(input)

    @workflow.update(name="resume")
    def resume(self, input: ResumeCaseInput) -> CommandResult:
        return self._handle(input)

    @resume.validator
    def _validate_resume(self, input: ResumeCaseInput) -> None:
        self._validate(input)

    def _handle_appointment(self, command: Command) -> CommandResult:
        if not self._patched(APPOINTMENTS):  # pragma: no cover - only a history older than the patch
            raise ApplicationError("this case's run takes no appointments", type="invalid_command", non_retryable=True)
        return self._handle(command)

    @workflow.update(name="book_appointment")
    def book_appointment(self, input: BookAppointmentInput) -> CommandResult:
        return self._handle_appointment(input)

    @book_appointment.validator
    def _validate_book_appointment(self, input: BookAppointmentInput) -> None:
        self._validate(input)

    @workflow.update(name="cancel_appointment")
    def cancel_appointment(self, input: CancelAppointmentInput) -> CommandResult:
        return self._handle_appointment(input)

    @cancel_appointment.validator
    def _validate_cancel_appointment(self, input: CancelAppointmentInput) -> None:
        self._validate(input)

    @workflow.update(name="close")
    def close(self, input: CloseCaseInput) -> CommandResult:
        return self._handle(input)

    @close.validator
    def _validate_close(self, input: CloseCaseInput) -> None:
        self._validate(input)

    @workflow.update(name="refer")
    def refer(self, input: ReferClientInput) -> CommandResult:
        return self._handle(input)

    @refer.validator
    def _validate_refer(self, input: ReferClientInput) -> None:
        self._validate(input)

    @workflow.update(name="answer_referral")
    def answer_referral(self, input: AnswerReferralInput) -> CommandResult:
        return self._handle(input)

    @answer_referral.validator
    def _validate_answer_referral(self, input: AnswerReferralInput) -> None:
        self._validate(input)

    @workflow.update(name="record_plan")
    def record_plan(self, input: RecordPlanInput) -> CommandResult:
        self._patched(PLAN_CLOCKS)
        return self._handle(input)

    @record_plan.validator
    def _validate_record_plan(self, input: RecordPlanInput) -> None:
        self._validate(input)

    @workflow.update(name="migrate_definition")
    def migrate_definition(self, input: MigrateDefinitionInput) -> CommandResult:
        return self._handle(input)

    @migrate_definition.validator
    def _validate_migrate_definition(self, input: MigrateDefinitionInput) -> None:
        self._validate(input)

    @workflow.query(name="check_migration")
    def check_migration(self, input: CheckMigrationInput) -> CheckMigrationResult:
        s = self.case.state
        command = MigrateDefinitionInput(
            command_id="check", actor="system", target=input.target, stage_mapping=input.stage_mapping
        )
        try:
            self.case.validate(command, workflow.now())
            _target, to_stage = migration.check(self.case, command)
        except PathwayError as error:
            details = error.to_dict()
            return CheckMigrationResult(
                ok=False,
                definition_version=s.definition.version,
                stage=s.stage,
                code=error.code,
                message=error.message,
                details=details,
            )
        return CheckMigrationResult(ok=True, definition_version=s.definition.version, stage=s.stage, to_stage=to_stage)

    @workflow.query(name="state")
    def state(self, input: GetStateInput) -> CaseView:
        return self.case.view(workflow.now())
