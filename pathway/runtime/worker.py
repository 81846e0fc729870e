"""Build the Temporal worker: PathwayWorkflow plus every activity, bound to their clients."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.worker import Worker

from activities import build_activities
from pathway.config import Settings
from pathway.core.definition import Definition
from pathway.security.identity import IdentityVault, keystore_engine
from pathway.temporal import key_ring
from workflows.digest import MorningDigestWorkflow
from workflows.follow_ups import FollowUpRemindersWorkflow
from workflows.pathway import PathwayWorkflow
from workflows.runner import workflow_runner


def build_worker(
    client: Client,
    settings: Settings,
    engine: Engine,
    *,
    task_queue: str | None = None,
    vault: IdentityVault | None = None,
    build_id: str | None = None,
    definitions: Sequence[Definition] | None = None,
) -> Worker:
    """``build_id`` names the code the worker runs; without one the SDK hashes the bytecode of
    every loaded module (a third of a second, once a process). ``definitions``: see
    ``build_activities``."""
    return Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        workflows=[PathwayWorkflow, MorningDigestWorkflow, FollowUpRemindersWorkflow],
        activities=build_activities(
            engine,
            settings=settings,
            vault=vault or IdentityVault(keystore_engine(settings), key_ring(settings)),
            definitions=definitions,
        ),
        build_id=build_id,
        workflow_runner=workflow_runner(sandboxed=settings.workflow_sandbox),
        # The cache must hold the whole open caseload: a case evicted from it is replayed
        # from history on its next update, which took seconds when measured (DESIGN.md).
        max_cached_workflows=settings.max_cached_workflows,
        activity_executor=ThreadPoolExecutor(max_workers=8),
    )
