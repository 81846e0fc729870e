"""The scripted coordinator of ``pathway simulate``: a visit on a cadence, by the workflow's
signal (it reads no answer, so it waits for none), and, when the stage has run long enough,
the facts the next move needs and the move itself, through the workflow's updates. It reads
the case from the updates' answers (each is the case afterwards) and asks for it only when a
move may be due, so a simulated week costs one signal and no state query.

Nothing here is personal: the coordinator, the unit and the partners are made-up ids.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from pathway.app.gateway import Update
from pathway.core.case import CaseView
from pathway.core.case.fact_kinds import kind_of
from pathway.core.commands import Command
from pathway.core.definition import Definition, FactSpec
from pathway.core.plan import smallest_plan

COORDINATOR = "sim-coordinator"
UNIT = "sim-unit"


def _deadline_exceeded(error: BaseException) -> bool:
    from temporalio.service import RPCError, RPCStatusCode

    return isinstance(error, RPCError) and error.status == RPCStatusCode.DEADLINE_EXCEEDED


def fact_value(name: str, spec: FactSpec, today: date) -> Any:
    """A value that satisfies the guards on a fact of this kind (made-up ids, no names)."""
    return kind_of(spec).example(spec, today)


class ScriptedCoordinator:
    """The scripted coordinator of one case."""

    def __init__(self, client: Client, definition: Definition, case_id: str) -> None:
        from workflows.messages import workflow_id
        from workflows.pathway import PathwayWorkflow

        self.client = client
        self.definition = definition
        self.handle = client.get_workflow_handle_for(PathwayWorkflow.run, workflow_id(case_id))
        self.n = 0
        self.moves: list[str] = []
        self.refused = 0
        self.plans = 0  # the plan's versions the script agreed

    def _id(self) -> str:
        self.n += 1
        return f"sim-{self.n}"

    async def state(self) -> CaseView:
        from workflows.messages import GetStateInput
        from workflows.pathway import PathwayWorkflow

        # On a busy machine a worker replaying years of history may miss the server's query
        # deadline: ask again (a query changes nothing), a bounded number of times.
        async for attempt in AsyncRetrying(
            retry=retry_if_exception(_deadline_exceeded),
            stop=stop_after_attempt(4),
            wait=wait_exponential(multiplier=0.5, max=4),
            reraise=True,
        ):
            with attempt:
                return await self.handle.query(PathwayWorkflow.state, GetStateInput())
        raise AssertionError("unreachable: the last attempt re-raises")

    async def _update(self, update: Update, command: Command) -> CaseView | None:
        """Give the case ``command`` through the workflow's ``update`` method (by reference):
        the case as the update's answer shows it, or None if the case refused the command."""
        try:
            result = await self.handle.execute_update(update, command, id=command.command_id)
        except WorkflowUpdateFailedError as exc:
            if isinstance(exc.cause, ApplicationError):
                self.refused += 1
                return None
            raise
        view: CaseView = result.case
        return view

    async def visit(self, at: datetime, stage: str, *, answered: bool = False) -> None:
        """Record a visit at ``at`` by the workflow's signal: the script reads no answer, so it
        waits for none (the run holds the visits' events for one projection). ``answered``: by
        the update instead, whose answer waits for the visits held before it to be projected
        with it (the run's last visit: the store is read when the run ends)."""
        from workflows.messages import RecordVisitInput
        from workflows.pathway import PathwayWorkflow

        cadence = self.definition.stages[stage].visits
        kind = (
            "home" if cadence is None or "home" in cadence.kinds else cadence.kinds[0]
        )  # e.g. outreach for homelessness
        command = RecordVisitInput(
            command_id=self._id(), actor=COORDINATOR, occurred_at=at, duration_minutes=90, kind=kind
        )
        if answered:
            await self._update(PathwayWorkflow.record_visit, command)
        else:
            await self.handle.signal(PathwayWorkflow.record_visit_unanswered, command)

    async def move_on(self, view: CaseView, today: date) -> CaseView:
        """Take the first move forward (along the main path: never a setback such as a lost job
        or a relapse) whose guards the script can meet; the case afterwards, as the last
        accepted update's answer shows it."""
        from workflows.messages import AdvanceCaseInput, RecordPlanInput, SetFactInput
        from workflows.pathway import PathwayWorkflow

        after = view
        blocked: dict[str, Any] = {}
        for g in view.blocked:
            blocked.setdefault(g.trigger, []).append(g)
        order = self.definition.main_path()
        here = order.index(view.stage)
        candidates = [
            t.trigger
            for t in self.definition.transitions
            if view.stage in _sources(t.source) and order.index(t.dest) > here
        ]
        for trigger in dict.fromkeys(candidates):
            unmet = blocked.get(trigger, [])
            if trigger not in view.allowed and not unmet:
                continue
            facts = [g.fact for g in unmet if g.guard != "plan_complete"]
            if any(f is None or f not in self.definition.facts for f in facts):
                continue  # a guard no fact can meet (a duration, a visit count): not yet
            if self.definition.plan and len(facts) < len(unmet):  # the plan, agreed today
                self.plans += 1
                plan = smallest_plan(self.definition.plan, self.plans, today)
                latest = await self._update(
                    PathwayWorkflow.record_plan, RecordPlanInput(command_id=self._id(), actor=COORDINATOR, plan=plan)
                )
                after = latest or after
            for f in facts:
                latest = await self._update(
                    PathwayWorkflow.set_fact,
                    SetFactInput(
                        command_id=self._id(),
                        actor=COORDINATOR,
                        name=f,
                        value=fact_value(f, self.definition.facts[f], today),
                    ),
                )
                after = latest or after
            moved = await self._update(
                PathwayWorkflow.advance,
                AdvanceCaseInput(command_id=self._id(), actor=COORDINATOR, trigger=trigger, expected_stage=view.stage),
            )
            if moved is not None:
                self.moves.append(f"{view.stage} -[{trigger}]-> {moved.stage}")
            return moved or after
        return after


def _sources(source: str | list[str]) -> list[str]:
    return [source] if isinstance(source, str) else list(source)


def may_be_ready(
    view: CaseView, definition: Definition, now: datetime, every_days: int | None, auto: bool, last_try: datetime
) -> bool:
    """Whether :func:`ready_to_move` could say yes on a fresh view of the case. A stage's
    deadline and the moment it was entered change only with the script's own moves (whose
    answers it holds), so a view older than the last visits answers for them; what the visits
    and the clock change (which moves are allowed) needs the case as it is now."""
    if auto and view.stage_due_at is None:
        return True
    return ready_to_move(view, definition, now, every_days, auto, last_try)


def ready_to_move(
    view: CaseView, definition: Definition, now: datetime, every_days: int | None, auto: bool, last_try: datetime
) -> bool:
    if auto:
        spec = definition.stages[view.stage]
        if view.stage_due_at is not None:
            # Half the stage's time used: a coordinator who keeps to the deadlines.
            return now >= view.stage_entered_at + (view.stage_due_at - view.stage_entered_at) / 2
        return bool(view.allowed) or spec.deadline is None
    return every_days is not None and now - last_try >= timedelta(days=every_days)
