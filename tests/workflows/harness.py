"""A case under test: a real worker (PathwayWorkflow and the real activities writing to a
temporary SQLite store) on the time-skipping server, and short-hands to drive the case."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from helpers import runner_under_test
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities import build_activities
from pathway.app.catalog import load_file
from pathway.core.case import CaseView
from pathway.core.definition import DefinitionSnapshot, snapshot
from pathway.core.summary import summarize
from pathway.store import consents
from pathway.store.db import create_schema, make_engine
from pathway.store.models import PartnerCreate, Reminder
from pathway.store.queries import create_partner
from workflows import search_attributes as sa
from workflows.messages import (
    AdvanceCaseInput,
    BookAppointmentInput,
    CancelAppointmentInput,
    CommandResult,
    GetStateInput,
    OpenCaseInput,
    RecordPlanInput,
    RecordVisitInput,
    SetFactInput,
    workflow_id,
)
from workflows.opening import first_case
from workflows.pathway import PathwayWorkflow

ROOT = Path(__file__).resolve().parents[2]
DIAGNOSIS_DONE = {k: True for k in ("situation", "needs", "resources", "limits", "safety")}


def model_wsparcia() -> DefinitionSnapshot:
    return snapshot(load_file(ROOT / "definitions" / "model-wsparcia.yaml"))


ENDED = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
}


class Refused(Exception):
    def __init__(self, code: str, details: dict[str, Any]) -> None:
        super().__init__(f"{code}: {details.get('message')}")
        self.code, self.details = code, details


class CaseDriver:
    def __init__(self, env: WorkflowEnvironment, handle: WorkflowHandle[Any, Any], engine: Engine) -> None:
        self.env, self.handle, self.engine = env, handle, engine

    async def update(self, name: str, command: Any) -> CommandResult:
        try:
            try:
                return await self.handle.execute_update(name, command, id=command.command_id, result_type=CommandResult)
            except RPCError as exc:
                # The time-skipping server answers an update that races a continue-as-new with
                # "Completed workflow" (the run it reached has just closed) instead of handing it
                # to the next run; sent again with the same id, it reaches the new run once.
                if "Completed workflow" not in str(exc):
                    raise
                await asyncio.sleep(0.2)
                return await self.handle.execute_update(name, command, id=command.command_id, result_type=CommandResult)
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            assert isinstance(cause, ApplicationError), cause
            raise Refused(cause.type or "", cause.details[0] if cause.details else {}) from None

    async def advance(self, trigger: str = "advance", **kw: Any) -> CommandResult:
        return await self.update(
            "advance",
            AdvanceCaseInput(command_id=kw.pop("command_id", uuid.uuid4().hex), actor="coord-1", trigger=trigger, **kw),
        )

    async def fact(self, name: str, value: Any) -> CommandResult:
        return await self.update(
            "set_fact", SetFactInput(command_id=uuid.uuid4().hex, actor="coord-1", name=name, value=value)
        )

    async def plan(self, agreed_on: str | None = None, version: int = 1) -> CommandResult:
        """The smallest plan the pathway's ``plan_complete`` guard takes (tests/helpers.agreed_plan),
        agreed today (the test clock's) unless ``agreed_on``; a review is a new ``version``."""
        from helpers import agreed_plan

        if agreed_on is None:
            agreed_on = (await self.now()).astimezone(ZoneInfo("Europe/Warsaw")).date().isoformat()
        return await self.update(
            "record_plan",
            RecordPlanInput(command_id=uuid.uuid4().hex, actor="coord-1", plan=agreed_plan(agreed_on, version)),
        )

    async def visit(self, minutes: int = 90, at: datetime | None = None, kind: str = "home") -> CommandResult:
        occurred = at or await self.now()
        return await self.update(
            "record_visit",
            RecordVisitInput(
                command_id=uuid.uuid4().hex, actor="coord-1", occurred_at=occurred, duration_minutes=minutes, kind=kind
            ),
        )

    async def book(
        self, at: datetime, appointment_id: str = "a-1", kind: str = "home", rebook: bool = False
    ) -> CommandResult:
        return await self.update(
            "book_appointment",
            BookAppointmentInput(
                command_id=uuid.uuid4().hex,
                actor="coord-1",
                appointment_id=appointment_id,
                at=at,
                kind=kind,
                rebook=rebook,
            ),
        )

    async def cancel(self, appointment_id: str = "a-1") -> CommandResult:
        return await self.update(
            "cancel_appointment",
            CancelAppointmentInput(command_id=uuid.uuid4().hex, actor="coord-1", appointment_id=appointment_id),
        )

    async def state(self) -> CaseView:
        return await self.handle.query("state", GetStateInput(), result_type=CaseView)

    async def now(self) -> datetime:
        return (await self.env.get_current_time()).astimezone(UTC)

    async def sleep(self, duration: timedelta) -> None:
        await self.env.sleep(duration)

    def reminders(self) -> list[Reminder]:
        with Session(self.engine) as session:
            rows = session.exec(select(Reminder).where(Reminder.case_id == self.case_id).order_by(Reminder.seq)).all()
            return list(rows)

    @property
    def case_id(self) -> str:
        return self.handle.id.removeprefix("case-")

    async def history_events(self) -> list[Any]:
        return [e async for e in self.handle.fetch_history_events()]

    async def settled_history(self) -> list[Any]:
        """The history once the workflow has nothing left to do (activities, tasks)."""
        previous: list[Any] = []
        for _ in range(100):
            events = await self.history_events()
            last = events[-1].event_type if events else None
            if last in ENDED:
                return events
            # A workflow task's commands follow its completion: any of them may end an idle history.
            idle = last in (
                EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
                EventType.EVENT_TYPE_TIMER_STARTED,
                EventType.EVENT_TYPE_TIMER_CANCELED,  # keep-alarm: a paused case's timer goes, none follows
                EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
                EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
                EventType.EVENT_TYPE_MARKER_RECORDED,  # projection-in-task: the batch's local activity
            )
            if idle and len(events) == len(previous):
                return events
            previous = events
            await asyncio.sleep(0.05)
        raise AssertionError(
            "the workflow never settled: " + ", ".join(EventType.Name(e.event_type) for e in previous[-6:])
        )


PARTNERS = {
    "p-therapy": ("Ośrodek Terapii Przykładowej", "therapy", "non_public"),
    "p-training": ("Centrum Szkoleń Zawodowych", "training", "private"),
    "p-employer": ("Piekarnia Przykładowa sp. z o.o.", "employer", "private"),
    # Told by e-mail, a channel this test worker does not have: every notification fails.
    "p-unreachable": ("Poradnia Nieosiągalna", "therapy", "non_public"),
}
CHANNELS = {"p-unreachable": "smtp"}


def seed_partners(engine: Engine) -> None:
    with Session(engine) as session:
        for partner_id, (name, kind, sector) in PARTNERS.items():
            create_partner(
                session,
                partner=PartnerCreate(
                    name=name,
                    kind=kind,
                    sector=sector,
                    internship_capacity=2 if kind == "employer" else 0,
                    channel=CHANNELS.get(partner_id, "outbox"),
                ),
                partner_id=partner_id,
            )


class Harness:
    """A worker's store and the cases it runs. On exit, cases still running are terminated:
    on the shared time-skipping server, a workflow whose worker is gone would hold time still
    the next time one of its timers fires."""

    def __init__(self, env: WorkflowEnvironment, task_queue: str, engine: Engine) -> None:
        self.env, self.task_queue, self.engine = env, task_queue, engine
        self.cases: list[CaseDriver] = []

    async def open(self, *, consent: bool = True, **kw: Any) -> CaseDriver:
        """Open a case; with ``consent``, its client agreed that every partner of the map
        may be told (partners other than the ZI, police, court and OPS need that)."""
        case = await open_case(self.env.client, self.env, self.task_queue, self.engine, **kw)
        self.cases.append(case)
        if consent:
            with Session(self.engine) as session:
                for partner_id in PARTNERS:
                    consents.give_consent(session, case_id=case.case_id, partner_id=partner_id, actor="coord-1")
        return case

    async def terminate_running(self) -> None:
        for case in self.cases:
            # Let in-flight activities finish first: the test server does not release the
            # time-skipping lock of an activity whose workflow was terminated under it.
            events = await case.settled_history()
            if events and events[-1].event_type in ENDED:
                continue
            await case.handle.terminate(reason="test finished")


@asynccontextmanager
async def running_worker(
    env: WorkflowEnvironment,
    task_queue: str,
    tmp_path: Path,
    activities: Callable[[Engine], Sequence[Callable[..., Any]]] = build_activities,
) -> AsyncIterator[Harness]:
    """``activities``: the worker's activities, built on its store (the real ones unless a
    test puts a failing one in their place)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    create_schema(engine)
    seed_partners(engine)
    harness = Harness(env, task_queue, engine)
    try:
        async with Worker(
            env.client,
            task_queue=task_queue,
            workflows=[PathwayWorkflow],
            activities=activities(engine),
            workflow_runner=runner_under_test(),
        ):
            try:
                yield harness
            finally:
                await harness.terminate_running()  # while the worker still runs their activities
    finally:
        engine.dispose()


async def open_case(
    client: Client,
    env: WorkflowEnvironment,
    task_queue: str,
    engine: Engine,
    *,
    definition: DefinitionSnapshot | None = None,
    continue_as_new_after: int | None = None,
    case_id: str | None = None,
    unit_id: str = "unit-wro",
    visits_per_projection: int = 1,
) -> CaseDriver:
    """Start a case's workflow as the API does: opened at the server's now, with the search
    attributes its first task will show (app/cases.open_case)."""
    case_id = case_id or uuid.uuid4().hex
    now = await env.get_current_time()
    opening = OpenCaseInput(
        case_id=case_id,
        definition=definition or model_wsparcia(),
        coordinator_id="coord-1",
        unit_id=unit_id,
        actor="coord-1",
        continue_as_new_after=continue_as_new_after,
        opened_at=now,
        visits_per_projection=visits_per_projection,
    )
    handle = await client.start_workflow(
        "PathwayWorkflow",
        opening,
        id=workflow_id(case_id),
        task_queue=task_queue,
        run_timeout=timedelta(days=3650),
        search_attributes=sa.start_pairs(sa.shown(summarize(first_case(opening, now).state))),
    )
    driver = CaseDriver(env, handle, engine)
    await driver.state()  # the first workflow task has run
    return driver
