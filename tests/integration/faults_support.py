"""Helpers of the fault tests (``test_faults.py``): a worker as a separate process that a test
can SIGKILL, the SQL store the worker projects into (and a way to lock it), and short-hands
to open and drive a case through the Temporal client (never through the HTTP API).

Real time is real on the dev server, so every wait here is a poll with a timeout.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from pathway.app.catalog import load_file
from pathway.config import Settings
from pathway.core.case import CaseView
from pathway.core.definition import Definition, DefinitionSnapshot, snapshot
from pathway.runtime.devserver import DevServer
from pathway.security.codec import AesGcmCodec
from pathway.store.db import create_schema, make_engine
from pathway.store.models import Case, CaseEvent, Notification, Reminder
from workflows.messages import AdvanceCaseInput, CommandResult, GetStateInput, OpenCaseInput, SetFactInput, workflow_id

DEFINITIONS = Path(__file__).resolve().parent / "definitions"
SHORT = "faults-short"
ROOT = Path(__file__).resolve().parents[2]

T = TypeVar("T")


# ------------------------------------------------------------------------------ waiting
async def wait_for(
    probe: Callable[[], Awaitable[T | None] | T | None],
    *,
    timeout: float,
    what: str,
    interval: float = 0.1,
    diagnose: Callable[[], str] | None = None,
) -> T:
    """Poll ``probe`` (sync or async) until it returns something truthy; return it."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        value = probe()
        if asyncio.iscoroutine(value) or isinstance(value, Awaitable):
            value = await value  # type: ignore[misc]
        if value:
            return value  # type: ignore[return-value]
        last = value
        if time.monotonic() > deadline:
            extra = f"\n{diagnose()}" if diagnose else ""
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r}){extra}")
        await asyncio.sleep(interval)


# ------------------------------------------------------------------------------ definition
def short_definition() -> Definition:
    return load_file(DEFINITIONS / f"{SHORT}.yaml")


def short_snapshot() -> DefinitionSnapshot:
    return snapshot(short_definition())


def stage_deadline(stage: str = "intake") -> timedelta:
    """The deadline of ``stage`` in the short definition, which must be in hours: real time."""
    deadline = short_definition().stages[stage].deadline
    assert deadline is not None and deadline.unit == "hours", "the fault tests need deadlines in hours"
    return timedelta(hours=deadline.amount)


# ------------------------------------------------------------------------------ the SQL store
@dataclass
class Store:
    """The worker's SQLite store, read (and locked) by the test from outside the worker."""

    path: Path
    engine: Engine = field(init=False)

    def __post_init__(self) -> None:
        self.engine = make_engine(self.url)
        # The worker does not create the schema (``pathway worker`` expects a migrated store).
        create_schema(self.engine)

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def dispose(self) -> None:
        self.engine.dispose()

    def event_seqs(self, case_id: str) -> list[int]:
        """Every projected seq of the case, in order, duplicates included."""
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    select(CaseEvent.seq).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
                ).scalars()
            )

    def events(self, case_id: str) -> list[tuple[int, str, dict[str, Any]]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(CaseEvent.seq, CaseEvent.kind, CaseEvent.payload)
                .where(CaseEvent.case_id == case_id)
                .order_by(CaseEvent.seq)
            ).all()
        return [(r.seq, r.kind, r.payload) for r in rows]

    def reminders(self, case_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = (
                conn.execute(select(Reminder).where(Reminder.case_id == case_id).order_by(Reminder.seq))
                .mappings()
                .all()
            )
        return [dict(r) for r in rows]

    def notifications(self, case_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = (
                conn.execute(select(Notification).where(Notification.case_id == case_id).order_by(Notification.seq))
                .mappings()
                .all()
            )
        return [dict(r) for r in rows]

    def case_row(self, case_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(Case).where(Case.id == case_id)).mappings().first()
        return dict(row) if row else None

    def count_events(self, case_id: str) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id)
                ).scalar_one()
            )

    @contextmanager
    def write_locked(self) -> Iterator[sqlite3.Connection]:
        """Hold SQLite's write lock from another connection (``BEGIN EXCLUSIVE``; in WAL mode
        readers still read): every writer waits its busy timeout, then fails with
        'database is locked'. Released (rolled back) when the block ends."""
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("BEGIN EXCLUSIVE")
            yield conn
        finally:
            try:
                conn.execute("ROLLBACK")
            finally:
                conn.close()


def assert_projection_complete(store: Store, case_id: str, last_seq: int) -> list[int]:
    """case_events holds every seq 1..last_seq exactly once: no gap, no duplicate, nothing more."""
    seqs = store.event_seqs(case_id)
    duplicates = sorted({s for s in seqs if seqs.count(s) > 1})
    missing = sorted(set(range(1, last_seq + 1)) - set(seqs))
    extra = sorted(set(seqs) - set(range(1, last_seq + 1)))
    assert not duplicates and not missing and not extra, (
        f"projection of case {case_id} is wrong: duplicates {duplicates}, missing {missing}, beyond seq "
        f"{last_seq}: {extra}; got {seqs}"
    )
    return seqs


# ------------------------------------------------------------------------------ the worker process
def codec_env(settings: Settings) -> dict[str, str]:
    """The payload-codec settings a worker needs to read what a client of the server with
    ``settings`` writes (the same key; the embedded server's client keeps it in its home)."""
    env = {"PATHWAY_CODEC_KEY_FILE": str(settings.resolved_codec_key_file)}
    if settings.codec_key is not None:
        env["PATHWAY_CODEC_KEY"] = settings.codec_key.get_secret_value()
    if settings.codec_disabled:
        env["PATHWAY_CODEC_DISABLED"] = "true"
    return env


@dataclass
class WorkerProcess:
    """``python -m pathway.cli worker`` in its own session, its output in a log file."""

    server: DevServer
    home: Path
    store: Store
    task_queue: str
    log_dir: Path
    name: str = "worker"
    process: subprocess.Popen[bytes] | None = None
    runs: int = 0

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self.name}-run{self.runs}.log"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PATHWAY_")}
        env.update(codec_env(self.server.settings))
        env.update(
            PATHWAY_TEMPORAL_ADDRESS=self.server.address,
            PATHWAY_HOME=str(self.home),
            PATHWAY_DATABASE_URL=self.store.url,
            PATHWAY_TASK_QUEUE=self.task_queue,
            PATHWAY_DEFINITIONS_DIR=str(DEFINITIONS),
            PATHWAY_LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
        )
        return env

    def output(self, tail: int = 40) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no output)"
        return "\n".join(lines[-tail:])

    @property
    def identity(self) -> str:
        """The prefix of the Temporal identity of the running worker (the SDK's default
        identity is ``<pid>@<host>``), as the history records it on what the worker did."""
        assert self.process is not None
        return f"{self.process.pid}@"

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    async def start(self, timeout: float = 30.0) -> float:
        """Start a worker and wait for it to say it runs; the seconds it took."""
        assert not self.alive, "the worker is already running"
        self.runs += 1
        started = time.monotonic()
        with open(self.log_path, "wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "pathway.cli", "worker"],
                env=self.env(),
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        def running() -> bool:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(
                    f"the worker exited with {self.process.returncode} while starting:\n{self.output()}"
                )
            return "worker_running" in self.output(tail=200)

        await wait_for(running, timeout=timeout, what="the worker to start", diagnose=self.output)
        return time.monotonic() - started

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, no goodbye to the server."""
        if self.process is None:
            return
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        assert self.process.returncode == -signal.SIGKILL or self.process.returncode is not None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


# ------------------------------------------------------------------------------ cases
class Refused(Exception):
    def __init__(self, code: str, details: dict[str, Any]) -> None:
        super().__init__(f"{code}: {details.get('message')}")
        self.code, self.details = code, details


@dataclass
class CaseHandle:
    client: Client
    case_id: str
    handle: WorkflowHandle[Any, Any]
    due_at: datetime | None = None

    async def update(self, name: str, command: Any, *, rpc_timeout: float = 30.0) -> CommandResult:
        try:
            return await self.client.get_workflow_handle(workflow_id(self.case_id)).execute_update(
                name,
                command,
                id=command.command_id,
                result_type=CommandResult,
                rpc_timeout=timedelta(seconds=rpc_timeout),
            )
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            assert isinstance(cause, ApplicationError), cause
            raise Refused(cause.type or "", cause.details[0] if cause.details else {}) from None

    async def advance(self, *, command_id: str | None = None, expected_stage: str | None = None) -> CommandResult:
        return await self.update(
            "advance",
            AdvanceCaseInput(
                command_id=command_id or uuid.uuid4().hex,
                actor="coord-1",
                trigger="advance",
                expected_stage=expected_stage,
            ),
        )

    async def fact(self, name: str, value: Any, *, command_id: str | None = None) -> CommandResult:
        return await self.update(
            "set_fact", SetFactInput(command_id=command_id or uuid.uuid4().hex, actor="coord-1", name=name, value=value)
        )

    async def state(self) -> CaseView:
        return await self.client.get_workflow_handle(workflow_id(self.case_id)).query(
            "state", GetStateInput(), result_type=CaseView, rpc_timeout=timedelta(seconds=30)
        )

    async def history(self, run_id: str | None = None) -> list[Any]:
        handle = self.client.get_workflow_handle(workflow_id(self.case_id), run_id=run_id)
        return [e async for e in handle.fetch_history_events()]

    async def describe(self) -> Any:
        return await self.client.get_workflow_handle(workflow_id(self.case_id)).describe()

    async def pending_activities(self) -> list[Any]:
        return list((await self.describe()).raw_description.pending_activities)

    async def timer_pending(self) -> bool:
        """The workflow is asleep on a timer: a TIMER_STARTED not yet fired or cancelled."""
        started: set[str] = set()
        for e in await self.history():
            if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED:
                started.add(e.timer_started_event_attributes.timer_id)
            elif e.event_type == EventType.EVENT_TYPE_TIMER_FIRED:
                started.discard(e.timer_fired_event_attributes.timer_id)
            elif e.event_type == EventType.EVENT_TYPE_TIMER_CANCELED:
                started.discard(e.timer_canceled_event_attributes.timer_id)
        return bool(started)


async def open_case(
    client: Client,
    task_queue: str,
    *,
    due_in: timedelta | None = None,
    continue_as_new_after: int | None = None,
) -> CaseHandle:
    """Start a case of the short pathway. With ``due_in`` the case is opened in the past
    (``opened_at = now - (deadline - due_in)``) so that its first deadline falls due
    ``due_in`` from now."""
    case_id = uuid.uuid4().hex
    now = datetime.now(UTC)
    opened_at = now - (stage_deadline() - due_in) if due_in is not None else None
    handle = await client.start_workflow(
        "PathwayWorkflow",
        OpenCaseInput(
            case_id=case_id,
            definition=short_snapshot(),
            coordinator_id="coord-1",
            unit_id="unit-test",
            actor="coord-1",
            opened_at=opened_at,
            continue_as_new_after=continue_as_new_after,
        ),
        id=workflow_id(case_id),
        task_queue=task_queue,
        run_timeout=timedelta(days=30),
    )
    due_at = (opened_at or now) + stage_deadline()
    return CaseHandle(client=client, case_id=case_id, handle=handle, due_at=due_at)


def failure_messages(failure: Any, codec: AesGcmCodec | None) -> list[str]:
    """The messages of a Temporal failure and its causes. With the payload codec on, a
    failure's message travels encrypted in ``encoded_attributes`` ("Encoded failure"
    stands in its place): open it with the stack's codec before reading it."""
    messages = []
    while failure is not None and failure.ByteSize():
        messages.append(failure.message)
        if failure.HasField("encoded_attributes") and codec is not None:
            opened = codec.decrypt(failure.encoded_attributes)
            messages.append(json.loads(opened.data or b"{}").get("message", ""))
        failure = failure.cause if failure.HasField("cause") else None
    return messages


class Phases:
    """Wall-clock marks of a test's phases, printed with the test's timings."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.marks: list[tuple[str, float]] = []

    def __call__(self, name: str) -> None:
        self.marks.append((name, round(time.monotonic() - self.start, 1)))

    def __str__(self) -> str:
        return ", ".join(f"{n} {t}" for n, t in self.marks)


def activity_runs(history: list[Any], activity_type: str) -> list[Any]:
    """The ActivityTaskStarted attributes of every ``activity_type`` activity in a history
    (one per activity: the server records the start of the last attempt only, with its
    ``attempt`` number, the previous attempt's ``last_failure`` and the worker's ``identity``)."""
    scheduled = {
        e.event_id
        for e in history
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        and e.activity_task_scheduled_event_attributes.activity_type.name == activity_type
    }
    return [
        e.activity_task_started_event_attributes
        for e in history
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
        and e.activity_task_started_event_attributes.scheduled_event_id in scheduled
    ]


def event_types(history: list[Any]) -> list[str]:
    return [EventType.Name(e.event_type).removeprefix("EVENT_TYPE_") for e in history]
