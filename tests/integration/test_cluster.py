"""Running as a cluster does: two worker processes on one Temporal server share the cases,
and losing one of them loses no case; ``pathway temporal setup`` prepares a namespace that
has never seen the engine, and running it again changes nothing.

The workers are real processes (``python -m pathway.cli worker``, tests/integration/
faults_support.py) with the Temporal address given as for a remote cluster."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from faults_support import (
    ROOT,
    CaseHandle,
    Store,
    WorkerProcess,
    assert_projection_complete,
    codec_env,
    open_case,
    wait_for,
)
from google.protobuf.duration_pb2 import Duration
from temporalio.api.enums.v1 import EventType
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.api.workflowservice.v1 import RegisterNamespaceRequest
from temporalio.service import RPCError
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_delay, wait_fixed

from pathway.runtime.devserver import DevServer
from pathway.temporal import SEARCH_ATTRIBUTES

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CASES = 40


@pytest.fixture
def two_workers(tmp_path: Path, dev_server: DevServer) -> Iterator[tuple[Store, list[WorkerProcess], str]]:
    store = Store(tmp_path / "store.db")
    task_queue = f"cluster-{uuid.uuid4()}"
    workers = [
        WorkerProcess(
            server=dev_server,
            home=tmp_path / "home",
            store=store,
            task_queue=task_queue,
            log_dir=tmp_path,
            name=f"worker{i}",
        )
        for i in (1, 2)
    ]
    try:
        yield store, workers, task_queue
    finally:
        for w in workers:
            w.kill()
        store.dispose()


def identities(history: list, event_type: int, attr: str) -> set[str]:
    return {getattr(e, attr).identity for e in history if e.event_type == event_type}


def in_task_projections(history: list) -> set[str]:
    """The identities of the workers whose workflow tasks projected a batch (a local activity's
    marker among the task's commands)."""
    out, completed_by = set(), None
    for e in history:
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
            completed_by = e.workflow_task_completed_event_attributes.identity
        elif (
            e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
            and e.marker_recorded_event_attributes.marker_name == "core_local_activity"
        ):
            out.add(completed_by)
    return out


async def settled(store: Store, case: CaseHandle) -> int:
    async def probe() -> int | None:
        seq = (await case.state()).seq
        row = store.case_row(case.case_id)
        return seq if row is not None and row["last_seq"] == seq and store.count_events(case.case_id) >= seq else None

    return await wait_for(probe, timeout=60, what=f"the projection of {case.case_id}")


async def test_two_workers_share_the_cases_and_one_killed_loses_none(
    dev_server: DevServer, two_workers: tuple[Store, list[WorkerProcess], str]
) -> None:
    store, (first, second), task_queue = two_workers
    await asyncio.gather(first.start(), second.start())
    client = dev_server.client

    cases = list(await asyncio.gather(*(open_case(client, task_queue) for _ in range(CASES))))
    await asyncio.gather(*(settled(store, c) for c in cases))

    # Both workers did the work: workflow tasks and activities, by the workers' identities.
    histories = await asyncio.gather(*(c.history() for c in cases))
    wf_ids = set().union(
        *(
            identities(h, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, "workflow_task_completed_event_attributes")
            for h in histories
        )
    )
    # An opening is projected in its first task (patch projection-in-task): by the worker that
    # completed that task, as a local activity.
    projected_by = set().union(*(in_task_projections(h) for h in histories))
    for w in (first, second):
        assert any(i.startswith(w.identity) for i in wf_ids), f"{w.name} completed no workflow task: {wf_ids}"
        assert any(i.startswith(w.identity) for i in projected_by), f"{w.name} projected nothing: {projected_by}"

    # Every case moves on; one worker dies (SIGKILL, no goodbye) once a few moves are done.
    # Cases cached on it wait for the sticky timeout and are then replayed by the other.
    moves = [asyncio.ensure_future(c.advance(command_id=f"adv-{c.case_id}")) for c in cases]
    done = 0
    for move in asyncio.as_completed(moves):
        await move
        done += 1
        if done == 5:
            first.kill()
    assert not first.alive and second.alive

    for case in cases:
        state = await case.state()
        assert state.stage == "work", f"{case.case_id} is in {state.stage}"
        last = await settled(store, case)
        assert_projection_complete(store, case.case_id, last)
        assert store.case_row(case.case_id)["stage"] == "work"


async def test_temporal_setup_registers_the_search_attributes_once(dev_server: DevServer, tmp_path: Path) -> None:
    namespace = f"ns-{uuid.uuid4().hex[:8]}"
    await dev_server.client.workflow_service.register_namespace(
        RegisterNamespaceRequest(namespace=namespace, workflow_execution_retention_period=Duration(seconds=86400))
    )

    async def present() -> set[str]:
        # A namespace just registered may refuse a call for a moment on a busy machine ("operation
        # was canceled"): asked again for a bounded while, as a client would.
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(RPCError), stop=stop_after_delay(20), wait=wait_fixed(0.25), reraise=True
        ):
            with attempt:
                listed = await dev_server.client.operator_service.list_search_attributes(
                    ListSearchAttributesRequest(namespace=namespace)
                )
        return set(listed.custom_attributes)

    # A new namespace: not registered (and the namespace may need a moment to be usable).
    assert not (await present()) & SEARCH_ATTRIBUTES.keys()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATHWAY_")}
    env.update(
        codec_env(dev_server.settings),
        PATHWAY_HOME=str(tmp_path),
        PATHWAY_TEMPORAL_ADDRESS=dev_server.address,
        PATHWAY_TEMPORAL_NAMESPACE=namespace,
        PATHWAY_LANG="en",  # the CLI speaks Polish by default; this test reads its English words
    )

    def setup() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pathway.cli", "temporal", "setup"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )

    first = await asyncio.to_thread(setup)
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.stdout.count("added") == len(SEARCH_ATTRIBUTES)

    async def registered() -> bool:
        return SEARCH_ATTRIBUTES.keys() <= await present()

    await wait_for(registered, timeout=30, what="the search attributes to be listed")
    again = await asyncio.to_thread(setup)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.count("present") == len(SEARCH_ATTRIBUTES) and "added" not in again.stdout
