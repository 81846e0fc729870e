"""The embedded Temporal dev server: search attributes registered, and a restart on the
same home keeps running workflows (the SQLite file under the home dir)."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import pytest
    from helpers import make_settings, venv_binary
    from temporalio.api.enums.v1 import EventType
    from temporalio.client import Client, WorkflowExecutionStatus
    from temporalio.worker import Worker

    from pathway.runtime.devserver import DevServer, DevServerError
    from pathway.temporal import SEARCH_ATTRIBUTES
    from workflows.search_attributes import PATHWAY_STAGE

pytestmark = pytest.mark.integration


@workflow.defn
class WaitADayWorkflow:
    """Marks itself with a search attribute, then waits on a one-day timer."""

    @workflow.run
    async def run(self) -> str:
        workflow.upsert_search_attributes([PATHWAY_STAGE.value_set("diagnosis")])
        await workflow.sleep(timedelta(days=1))
        return "woke up"


async def temporal_cli(*args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        str(venv_binary("temporal")),
        *args,
        "--disable-config-file",
        "--disable-config-env",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def wait_for_timer_started(client: Client, workflow_id: str) -> None:
    handle = client.get_workflow_handle(workflow_id)
    for _ in range(200):
        events = [e.event_type async for e in handle.fetch_history_events()]
        if EventType.EVENT_TYPE_TIMER_STARTED in events:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the timer of {workflow_id} never started: {events}")


async def test_search_attributes_registered_and_restart_keeps_workflows(tmp_path, task_queue) -> None:
    settings = make_settings(tmp_path)
    workflow_id = f"wait-a-day-{uuid.uuid4()}"

    async with DevServer(settings, binary=venv_binary("temporal")) as server:
        assert server.db_path == tmp_path / "temporal.db"
        listed = json.loads(
            await temporal_cli("operator", "search-attribute", "list", "--address", server.address, "-o", "json")
        )
        custom = listed["customAttributes"]
        for name in ("PathwayDefinition", "PathwayStage", "CoordinatorId", "UnitId", "StageDueAt", "NextVisitDueAt"):
            assert name in custom, f"{name} not registered: {custom}"
        assert custom == {
            name: f"INDEXED_VALUE_TYPE_{'DATETIME' if name.endswith('At') else 'KEYWORD'}" for name in SEARCH_ATTRIBUTES
        }

        async with Worker(server.client, task_queue=task_queue, workflows=[WaitADayWorkflow]):
            await server.client.start_workflow(WaitADayWorkflow.run, id=workflow_id, task_queue=task_queue)
            await wait_for_timer_started(server.client, workflow_id)
    assert not server.running
    assert (tmp_path / "temporal.db").is_file()

    # A new server on the same home, as a second `pathway up` would start it.
    async with DevServer(settings, binary=venv_binary("temporal")) as restarted:
        description = await restarted.client.get_workflow_handle(workflow_id).describe()
        assert description.status == WorkflowExecutionStatus.RUNNING
        assert description.typed_search_attributes[PATHWAY_STAGE] == "diagnosis"
        events = [e.event_type async for e in restarted.client.get_workflow_handle(workflow_id).fetch_history_events()]
        assert EventType.EVENT_TYPE_TIMER_STARTED in events
        assert EventType.EVENT_TYPE_TIMER_FIRED not in events


async def test_port_in_use_is_a_clear_error(tmp_path, dev_server: DevServer) -> None:
    """A second server on the ports of a running one fails at once, naming the port."""
    clash = make_settings(tmp_path, temporal_port=dev_server.port)
    with pytest.raises(DevServerError, match=rf"port {dev_server.port}"):
        await DevServer(clash, binary=venv_binary("temporal")).start()
    assert not (tmp_path / "temporal.db").exists()


async def test_dev_server_fixture_is_usable(dev_server: DevServer, task_queue: str) -> None:
    async with Worker(dev_server.client, task_queue=task_queue, workflows=[WaitADayWorkflow]):
        handle = await dev_server.client.start_workflow(
            WaitADayWorkflow.run, id=f"fixture-{uuid.uuid4()}", task_queue=task_queue
        )
        await wait_for_timer_started(dev_server.client, handle.id)
        await handle.terminate("test done")
