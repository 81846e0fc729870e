"""Nothing is lost under faults — on the real Temporal dev server, with the worker as a
separate process (``python -m pathway.cli worker``) that a test kills with SIGKILL.

Real time is real here: the cases use ``definitions/faults-short.yaml`` (clocks in hours)
and are opened almost an hour in the past, so their stage deadline falls due a few seconds
into the test. Cases are driven with the Temporal client (updates and the ``state`` query),
never through the HTTP API.

1. A worker killed while a deadline timer is pending, restarted after the due moment: the
   reminder fires exactly once, the case goes on, the projection has every seq once.
2. A worker killed while the projection activity is blocked on a locked store: after the
   lock is released and a new worker starts, the events land once, with no gap, and the
   case row shows the latest stage.
3. The store locked for a while (no kill): the projection activity is retried (attempt > 1
   in the history, its last failure 'database is locked') and nothing is lost.
4. The dev server stopped and started on the same SQLite file while a deadline timer is
   pending: the case and its timer survive; the reminder fires once, after the restart.
5. A command sent again (same command id = update id) after a continue-as-new is applied
   once; the second answer says duplicate, with the first answer's seq.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from faults_support import (
    CaseHandle,
    Phases,
    Store,
    WorkerProcess,
    activity_runs,
    assert_projection_complete,
    event_types,
    failure_messages,
    open_case,
    wait_for,
)
from helpers import make_settings, venv_binary
from temporalio.api.enums.v1 import EventType, PendingActivityState

from pathway.runtime.devserver import DevServer

pytestmark = pytest.mark.integration

# The deadline of a case falls due this long after it is opened.
DUE_IN = timedelta(seconds=5)
# Generous bounds for polls: a workflow task that was sticky to a killed worker waits for the
# sticky schedule-to-start timeout (10 s) before it is handed to the new worker.
SETTLE = 30.0
TIMINGS: dict[str, float] = {}

Workers = Callable[[DevServer], WorkerProcess]


# ------------------------------------------------------------------------------ fixtures
@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "store.db")
    try:
        yield s
    finally:
        s.dispose()


@pytest.fixture
def workers(tmp_path: Path, store: Store) -> Iterator[Workers]:
    """``workers(server)``: a worker process for ``server`` on this test's store and task queue."""
    made: list[WorkerProcess] = []
    task_queue = f"faults-{uuid.uuid4()}"

    def make(server: DevServer) -> WorkerProcess:
        worker = WorkerProcess(
            server=server,
            home=tmp_path / "home",
            store=store,
            task_queue=task_queue,
            log_dir=tmp_path,
            name=f"worker{len(made) + 1}",
        )
        made.append(worker)
        return worker

    try:
        yield make
    finally:
        for worker in made:
            worker.kill()


@pytest.fixture
def phases(request: pytest.FixtureRequest) -> Iterator[Phases]:
    marks = Phases()
    yield marks
    TIMINGS[request.node.name] = round(time.monotonic() - marks.start, 1)
    print(f"\n{request.node.name}: {TIMINGS[request.node.name]} s ({marks})")


async def _settled_projection(store: Store, case: CaseHandle, *, timeout: float = SETTLE) -> int:
    """Wait until the projection shows everything the workflow emitted; return the last seq."""

    async def caught_up() -> int | None:
        seq = (await case.state()).seq
        row = store.case_row(case.case_id)
        return seq if row is not None and row["last_seq"] == seq and store.count_events(case.case_id) >= seq else None

    return await wait_for(
        caught_up,
        timeout=timeout,
        what=f"the projection of case {case.case_id} to catch up",
        diagnose=lambda: f"stored seqs: {store.event_seqs(case.case_id)}",
    )


def _has(case: CaseHandle, event_type: str) -> Awaitable[bool]:
    async def probe() -> bool:
        return event_type in event_types(await case.history())

    return probe()


# ------------------------------------------------------------------------------ 1
async def test_worker_killed_with_a_timer_pending_reminds_once(
    dev_server: DevServer, store: Store, workers: Workers, phases: Phases
) -> None:
    client = dev_server.client
    first = workers(dev_server)
    await first.start()
    phases("worker up")

    case = await open_case(client, first.task_queue, due_in=DUE_IN)
    assert case.due_at is not None
    opened = await _settled_projection(store, case)
    assert [k for _, k, _ in store.events(case.case_id)] == ["case_opened", "stage_entered"]
    await wait_for(case.timer_pending, timeout=SETTLE, what="the deadline timer to be armed")
    state = await case.state()
    assert state.stage_due_at == case.due_at and not state.overdue
    assert datetime.now(UTC) < case.due_at, "the case fell due before the worker could be killed: raise DUE_IN"

    first.kill()
    phases("killed")
    # The deadline falls due while no worker runs: the server fires the timer on its own.
    await wait_for(
        lambda: datetime.now(UTC) > case.due_at + timedelta(milliseconds=500),
        timeout=DUE_IN.total_seconds() + 5,
        what="the due moment to pass",
    )
    await wait_for(lambda: _has(case, "TIMER_FIRED"), timeout=10, what="the timer to fire on the server")
    assert store.reminders(case.case_id) == [], "a reminder was sent although no worker was running"
    phases("due passed")

    second = workers(dev_server)
    await second.start()
    phases("worker restarted")
    await wait_for(
        lambda: store.reminders(case.case_id),
        timeout=SETTLE,
        what="the reminder after the restart",
        diagnose=second.output,
    )
    phases("reminded")
    # The case goes on: a command works after the restart.
    moved = await case.advance(expected_stage="intake")
    assert not moved.duplicate and moved.case.stage == "work"
    last = await _settled_projection(store, case)
    assert last == moved.seq > opened
    phases("advanced and projected")

    reminders = store.reminders(case.case_id)
    assert [(r["kind"], r["n"], r["watch"]) for r in reminders] == [("reminder", 1, "stage_deadline")], reminders
    assert reminders[0]["due_at"] == case.due_at
    inbox = [n for n in store.notifications(case.case_id) if n["partner_id"] == "coord-1"]
    assert [n["payload"]["subject_code"] for n in inbox] == ["reminder"], inbox
    seqs = assert_projection_complete(store, case.case_id, last)
    kinds = [k for _, k, _ in store.events(case.case_id)]
    assert kinds == ["case_opened", "stage_entered", "reminder_due", "stage_entered"], kinds
    assert reminders[0]["seq"] == seqs[kinds.index("reminder_due")]
    # The reminder was sent once, by the new worker.
    history = await case.history()
    reminds = activity_runs(history, "remind")
    assert len(reminds) == 1 and reminds[0].identity.startswith(second.identity), reminds
    # (Where the time goes: the task the timer woke was sticky to the killed worker.)
    phases(
        "workflow tasks timed out on the dead worker's sticky queue: "
        f"{event_types(history).count('WORKFLOW_TASK_TIMED_OUT')}"
    )


# ------------------------------------------------------------------------------ 2
async def test_worker_killed_while_the_projection_is_blocked(
    dev_server: DevServer, store: Store, workers: Workers, phases: Phases
) -> None:
    client = dev_server.client
    first = workers(dev_server)
    await first.start()
    case = await open_case(client, first.task_queue)
    opened = await _settled_projection(store, case)
    phases("case open")

    with store.write_locked():
        fact = await case.fact("checked", True)
        moved = await case.advance(expected_stage="intake")
        assert moved.case.stage == "work" and moved.seq > fact.seq > opened
        phases("updates answered")

        async def failed_and_waiting() -> bool:
            for a in await case.pending_activities():
                if (
                    a.activity_type.name == "project_events"
                    and a.attempt >= 2
                    and a.state == PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED
                    and a.next_attempt_schedule_time.ToDatetime(UTC) - datetime.now(UTC) > timedelta(seconds=0.3)
                ):
                    assert any(
                        "database is locked" in m
                        for m in failure_messages(a.last_failure, case.client.data_converter.payload_codec)
                    ), a.last_failure
                    assert a.last_worker_identity.startswith(first.identity), a
                    return True
            return False

        # Kill between two attempts: an attempt failed ('database is locked') on this worker
        # and the next one waits out its back-off, still a while. (An attempt killed while
        # running would only be retried after its 30 s start-to-close timeout: the
        # projection activity has no heartbeat.)
        await wait_for(
            failed_and_waiting, timeout=SETTLE, interval=0.05, what="a failed projection attempt", diagnose=first.output
        )
        first.kill()
        phases("killed while blocked")
        assert store.count_events(case.case_id) == opened, "events landed although the store was locked"
        assert store.case_row(case.case_id)["stage"] == "intake"
    phases("lock released")

    second = workers(dev_server)
    await second.start()
    phases("worker restarted")
    last = await _settled_projection(store, case, timeout=45)
    phases("projected")
    assert last == moved.seq
    assert_projection_complete(store, case.case_id, last)
    kinds = [k for _, k, _ in store.events(case.case_id)]
    assert kinds == ["case_opened", "stage_entered", "fact_set", "stage_entered"], kinds
    row = store.case_row(case.case_id)
    assert row is not None and (row["stage"], row["status"], row["last_seq"]) == ("work", "active", last), row
    # The blocked batch was retried and finally stored by the new worker.
    history = await case.history()
    runs = activity_runs(history, "project_events")
    blocked = [r for r in runs if r.attempt > 1]
    assert blocked and all(r.identity.startswith(second.identity) for r in blocked), runs
    phases(
        "workflow tasks timed out on the dead worker's sticky queue: "
        f"{event_types(history).count('WORKFLOW_TASK_TIMED_OUT')}"
    )


# ------------------------------------------------------------------------------ 3
async def test_store_briefly_locked_projection_retries(
    dev_server: DevServer, store: Store, workers: Workers, phases: Phases
) -> None:
    client = dev_server.client
    worker = workers(dev_server)
    await worker.start()
    case = await open_case(client, worker.task_queue)
    opened = await _settled_projection(store, case)
    phases("case open")

    with store.write_locked():
        moved = await case.advance(expected_stage="intake")

        async def retrying() -> bool:
            return any(
                a.activity_type.name == "project_events" and a.attempt >= 2 for a in await case.pending_activities()
            )

        await wait_for(retrying, timeout=SETTLE, what="the projection to be retried", diagnose=worker.output)
        phases("retrying")
        assert store.count_events(case.case_id) == opened
        assert store.case_row(case.case_id)["stage"] == "intake"

    last = await _settled_projection(store, case)
    phases("projected")
    assert last == moved.seq
    assert_projection_complete(store, case.case_id, last)
    assert store.case_row(case.case_id)["stage"] == "work"

    runs = activity_runs(await case.history(), "project_events")
    retried = [r for r in runs if r.attempt > 1]
    assert retried, f"no projection was retried: attempts {[r.attempt for r in runs]}"
    for r in retried:
        assert any(
            "database is locked" in m
            for m in failure_messages(r.last_failure, case.client.data_converter.payload_codec)
        ), r.last_failure
    assert worker.alive


# ------------------------------------------------------------------------------ 4
@pytest_asyncio.fixture
async def own_dev_server(tmp_path: Path) -> AsyncIterator[DevServer]:
    server = DevServer(make_settings(tmp_path / "temporal-home"), binary=venv_binary("temporal"))
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def test_dev_server_restart_keeps_the_case_and_its_timer(
    own_dev_server: DevServer, store: Store, workers: Workers, phases: Phases
) -> None:
    server = own_dev_server
    worker = workers(server)
    await worker.start()
    phases("server and worker up")
    case = await open_case(server.client, worker.task_queue, due_in=DUE_IN)
    assert case.due_at is not None
    opened = await _settled_projection(store, case)
    await wait_for(case.timer_pending, timeout=SETTLE, what="the deadline timer to be armed")
    before = await case.describe()
    assert datetime.now(UTC) < case.due_at, "the case fell due before the server could be stopped: raise DUE_IN"

    await server.stop()
    phases("server stopped")
    await wait_for(
        lambda: datetime.now(UTC) > case.due_at + timedelta(milliseconds=500),
        timeout=DUE_IN.total_seconds() + 5,
        what="the due moment to pass",
    )
    assert store.reminders(case.case_id) == []
    restarted_at = datetime.now(UTC)
    await server.start()  # the same home: the same SQLite file
    phases("server restarted")
    case.client = server.client
    after = await case.describe()
    assert after.run_id == before.run_id and after.status == before.status

    worker_survived = worker.alive
    if not worker_survived:  # a worker may give up on a server that went away; start another
        await worker.start()
    await wait_for(
        lambda: store.reminders(case.case_id),
        timeout=SETTLE,
        what="the reminder after the restart",
        diagnose=worker.output,
    )
    phases(f"reminded (worker {'kept running' if worker_survived else 'restarted'})")
    moved = await case.advance(expected_stage="intake")
    assert moved.case.stage == "work"
    last = await _settled_projection(store, case)
    assert last == moved.seq > opened

    reminders = store.reminders(case.case_id)
    assert [(r["kind"], r["n"], r["watch"]) for r in reminders] == [("reminder", 1, "stage_deadline")], reminders
    assert reminders[0]["due_at"] == case.due_at and reminders[0]["created_at"] > restarted_at
    assert_projection_complete(store, case.case_id, last)
    kinds = [k for _, k, _ in store.events(case.case_id)]
    assert kinds == ["case_opened", "stage_entered", "reminder_due", "stage_entered"], kinds
    history = await case.history()
    assert event_types(history).count("TIMER_FIRED") == 1
    assert len(activity_runs(history, "remind")) == 1


# ------------------------------------------------------------------------------ 5
async def test_command_repeated_across_continue_as_new_applies_once(
    dev_server: DevServer, store: Store, workers: Workers, phases: Phases
) -> None:
    client = dev_server.client
    worker = workers(dev_server)
    await worker.start()
    # Opening takes 8 history events (projection-in-task: one workflow task) and the advance
    # 10 more, its projection's result arriving in a task that starts at event 18: the run
    # continues as new right after the advance, and the next run stays far below the limit.
    case = await open_case(client, worker.task_queue, continue_as_new_after=14)
    first_run = case.handle.first_execution_run_id
    await _settled_projection(store, case)
    assert (await case.describe()).run_id == first_run, "the case continued as new before the command"

    command_id = f"cmd-{uuid.uuid4().hex}"
    first = await case.advance(command_id=command_id, expected_stage="intake")
    assert not first.duplicate and first.case.stage == "work"

    async def continued() -> str | None:
        run = (await case.describe()).run_id
        return run if run != first_run else None

    await wait_for(continued, timeout=SETTLE, what="a continue-as-new")
    phases("continued as new")
    old = await case.history(run_id=first_run)
    assert event_types(old)[-1] == "WORKFLOW_EXECUTION_CONTINUED_AS_NEW"
    accepted = [
        e.workflow_execution_update_accepted_event_attributes.accepted_request.meta.update_id
        for e in old
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    ]
    assert accepted == [command_id]

    # The same command again, now on the new run (which Temporal's own update-id dedup
    # does not cover): the workflow's memory of applied commands answers it.
    again = await case.advance(command_id=command_id, expected_stage="intake")
    assert again.duplicate and again.seq == first.seq and again.events == [], again
    assert again.case.stage == "work"
    state = await case.state()
    assert (state.stage, state.seq, state.runs) == ("work", first.seq, 2)
    last = await _settled_projection(store, case)
    assert last == first.seq
    assert_projection_complete(store, case.case_id, last)
    entered = [
        p for _, k, p in store.events(case.case_id) if k == "stage_entered" and p.get("command_id") == command_id
    ]
    assert len(entered) == 1, entered
    assert (await case.describe()).run_id != first_run
