"""The shared ``time_skipping_env`` fixture: our converter, search attributes registered,
a month of timers skipped in a moment."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from pydantic import BaseModel
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from temporalio.testing import WorkflowEnvironment
    from temporalio.worker import Worker

    from workflows.search_attributes import PATHWAY_STAGE, STAGE_DUE_AT


class WaitInput(BaseModel):
    stage: str
    days: int


class WaitResult(BaseModel):
    stage: str
    woke_at: datetime


@workflow.defn
class WaitDaysWorkflow:
    @workflow.run
    async def run(self, data: WaitInput) -> WaitResult:
        due = workflow.now() + timedelta(days=data.days)
        workflow.upsert_search_attributes([PATHWAY_STAGE.value_set(data.stage), STAGE_DUE_AT.value_set(due)])
        await workflow.sleep(timedelta(days=data.days))
        return WaitResult(stage=data.stage, woke_at=workflow.now())


async def test_time_skipping_env_runs_pydantic_workflows_with_search_attributes(
    time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    client = time_skipping_env.client
    async with Worker(client, task_queue=task_queue, workflows=[WaitDaysWorkflow]):
        started = await time_skipping_env.get_current_time()
        handle = await client.start_workflow(
            WaitDaysWorkflow.run, WaitInput(stage="therapy", days=30), id=f"wait-{uuid.uuid4()}", task_queue=task_queue
        )
        result = await handle.result()
    assert isinstance(result, WaitResult)  # pydantic_data_converter round-trips models
    assert result.stage == "therapy"
    assert result.woke_at - started >= timedelta(days=30)
    description = await handle.describe()
    assert description.typed_search_attributes[PATHWAY_STAGE] == "therapy"
