"""The use cases' conversation with case workflows: start, update, query, and what their
refusals mean (409 illegal move, 422 unmet guard or bad value, 404 no such case, 503 no
worker answered in time).

Temporal by reference: the workflow, its updates and its query are named through
``PathwayWorkflow``'s methods, never by strings. A command waits for its workflow at most
``command_wait_seconds``: with no worker polling the task queue the update is not lost (the
server delivers it when a worker returns, and the same idempotency key — the update id —
then returns its outcome), but a person is told so instead of waiting forever."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Mapping
from typing import Any, TypeVar

from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.workflow import UpdateMethodMultiParam

from pathway.app.errors import AppError
from pathway.core.case import CaseView
from pathway.core.commands import Command
from workflows import search_attributes as sa
from workflows.messages import CommandResult, GetStateInput, OpenCaseInput, workflow_id
from workflows.pathway import PathwayWorkflow

_STATUS_BY_CODE = {"illegal_move": 409, "guard_unmet": 422, "invalid_command": 422}
T = TypeVar("T")
# An update handler of the workflow, named by reference: PathwayWorkflow.advance, ...
Update = UpdateMethodMultiParam[[PathwayWorkflow, Any], CommandResult]


def update_name(update: Update) -> str:
    """The name of a workflow update method: what the audit trail calls the command."""
    return str(update.__name__)  # type: ignore[attr-defined]  # a function, typed as its decorator's result


def new_command_id() -> str:
    return uuid.uuid4().hex


def _unavailable(exc: RPCError) -> AppError:
    return AppError(
        503, "temporal_unavailable", "the workflow service did not answer; try again", grpc_status=exc.status.name
    )


def worker_unavailable(waited: float) -> AppError:
    return AppError(
        503,
        "worker_unavailable",
        f"no worker answered within {waited:g} s; the command may still be applied when one returns. "
        "Sending it again with the same Idempotency-Key returns its outcome and never applies it twice / "
        "brak odpowiedzi procesu roboczego; polecenie może zostać wykonane później — ponowienie z tym samym "
        "kluczem Idempotency-Key zwróci jego wynik",
        retry_with_same_key=True,
        headers={"Retry-After": "5"},
    )


class CaseGateway:
    def __init__(self, client: Client, task_queue: str, wait_seconds: float = 15.0) -> None:
        self.client = client
        self.task_queue = task_queue
        self.wait_seconds = wait_seconds

    def handle(self, case_id: str) -> WorkflowHandle[PathwayWorkflow, Any]:
        return self.client.get_workflow_handle_for(PathwayWorkflow.run, workflow_id(case_id))

    async def _bounded(self, call: Awaitable[T]) -> T:
        try:
            return await asyncio.wait_for(call, timeout=self.wait_seconds)
        # An update cancelled by the wait (or timed out by its own RPC deadline) is the SDK's
        # WorkflowUpdateRPCTimeoutOrCancelledError; a query past its deadline, DEADLINE_EXCEEDED.
        except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
            raise worker_unavailable(self.wait_seconds) from None
        except RPCError as exc:
            if exc.status == RPCStatusCode.DEADLINE_EXCEEDED:
                raise worker_unavailable(self.wait_seconds) from None
            raise

    async def start(self, input: OpenCaseInput, shown: Mapping[str, sa.Value]) -> bool:
        """Start the case's workflow, its search attributes set to ``shown`` (what the case's
        first task will show: that task then upserts none). False when it already exists (a
        retried open)."""
        attributes = sa.start_pairs(shown)
        try:
            await self.client.start_workflow(
                PathwayWorkflow.run,
                input,
                id=workflow_id(input.case_id),
                task_queue=self.task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                search_attributes=attributes,
            )
        except WorkflowAlreadyStartedError:
            return False
        except RPCError as exc:
            raise _unavailable(exc) from None
        return True

    async def state(self, case_id: str) -> CaseView:
        try:
            return await self._bounded(self.handle(case_id).query(PathwayWorkflow.state, GetStateInput()))
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                raise AppError(404, "case_not_found", f"no case '{case_id}'") from None
            raise _unavailable(exc) from None

    async def update(self, case_id: str, update: Update, command: Command) -> CommandResult:
        """Send ``command`` through the workflow's ``update`` handler (a method reference);
        the command's idempotency key is the update id."""
        try:
            return await self._bounded(self.handle(case_id).execute_update(update, command, id=command.command_id))
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            if isinstance(cause, ApplicationError) and cause.type in _STATUS_BY_CODE:
                details = dict(cause.details[0]) if cause.details and isinstance(cause.details[0], dict) else {}
                details.pop("code", None)
                message = str(details.pop("message", cause.message))
                raise AppError(_STATUS_BY_CODE[cause.type], cause.type, message, **details) from None
            raise AppError(409, "command_refused", str(cause or exc)) from None
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                # The case exists in the store (callers check first): its workflow has ended.
                raise AppError(
                    409, "case_closed", f"case '{case_id}' is closed; nothing more can be done on it"
                ) from None
            raise _unavailable(exc) from None
