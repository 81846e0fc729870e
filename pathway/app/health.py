"""Readiness: the database answers, Temporal answers, and a worker polls the task queue.

Without a worker nothing a person asks of a case can happen (every command waits for its
workflow), so a process with no worker behind it is not ready: a load balancer sends people
elsewhere, and an operator sees why. A worker long-polls the task queue for up to a minute
at a time, so "polls" means "was seen within ``WORKER_SEEN_SECONDS``"."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import text
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

from pathway.app.services import Services

WORKER_SEEN_SECONDS = 120
CHECK_TIMEOUT_SECONDS = 5


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, str] = Field(default_factory=dict)


async def _database(services: Services) -> None:
    def ping() -> None:
        with services.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    await asyncio.to_thread(ping)


async def _temporal(services: Services) -> None:
    await services.client.service_client.check_health()


async def _worker(services: Services) -> None:
    answer = await services.client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=services.client.namespace,
            task_queue=TaskQueue(name=services.settings.task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
    )
    since = datetime.now(UTC) - timedelta(seconds=WORKER_SEEN_SECONDS)
    if not any(p.last_access_time.ToDatetime(tzinfo=UTC) >= since for p in answer.pollers):
        raise LookupError(
            f"no worker has polled task queue '{services.settings.task_queue}' for {WORKER_SEEN_SECONDS} s"
        )


async def readiness(services: Services) -> Health:
    checks: dict[str, str] = {}
    for name, check in (("database", _database), ("temporal", _temporal), ("worker", _worker)):
        try:
            await asyncio.wait_for(check(services), timeout=CHECK_TIMEOUT_SECONDS)
            checks[name] = "ok"
        except Exception as exc:  # any failure means "not ready"; the reason is reported
            detail = str(exc) if isinstance(exc, LookupError) else type(exc).__name__
            checks[name] = f"unavailable: {detail}"
    ok = all(v == "ok" for v in checks.values())
    return Health(status="ok" if ok else "unavailable", checks=checks)
