"""The API's conversation with case workflows: start, update, query, and what their
refusals mean in HTTP (409 illegal move, 422 unmet guard or bad value, 404 no such case)."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from pathway.api.errors import ApiError
from pathway.core.case import CaseView
from workflows import search_attributes as sa
from workflows.messages import CommandResult, GetStateInput, OpenCaseInput, workflow_id

_STATUS_BY_CODE = {"illegal_move": 409, "guard_unmet": 422, "invalid_command": 422}


def new_command_id() -> str:
    return uuid.uuid4().hex


def _unavailable(exc: RPCError) -> ApiError:
    return ApiError(
        503, "temporal_unavailable", "the workflow service did not answer; try again", grpc_status=exc.status.name
    )


class CaseGateway:
    def __init__(self, client: Client, task_queue: str) -> None:
        self.client = client
        self.task_queue = task_queue

    def handle(self, case_id: str) -> WorkflowHandle[Any, Any]:
        return self.client.get_workflow_handle(workflow_id(case_id))

    async def start(self, input: OpenCaseInput) -> bool:
        """Start the case's workflow. False when it already exists (a retried open)."""
        # Pairs, not ``key.value_set(...)``: those are updates (for upserts inside a
        # workflow), which a start request cannot encode (TypeError: a 500 on every open).
        attributes = TypedSearchAttributes(
            [
                SearchAttributePair(sa.PATHWAY_DEFINITION, input.definition.id),
                SearchAttributePair(sa.PATHWAY_STAGE, str(input.definition.content.get("initial", ""))),
                SearchAttributePair(sa.COORDINATOR_ID, input.coordinator_id),
                SearchAttributePair(sa.UNIT_ID, input.unit_id),
            ]
        )
        try:
            await self.client.start_workflow(
                "PathwayWorkflow",
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
            return await self.handle(case_id).query("state", GetStateInput(), result_type=CaseView)
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                raise ApiError(404, "case_not_found", f"no case '{case_id}'") from None
            raise _unavailable(exc) from None

    async def update(self, case_id: str, name: str, command: BaseModel) -> CommandResult:
        command_id = command.command_id
        try:
            return await self.handle(case_id).execute_update(name, command, id=command_id, result_type=CommandResult)
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            if isinstance(cause, ApplicationError) and cause.type in _STATUS_BY_CODE:
                details = dict(cause.details[0]) if cause.details and isinstance(cause.details[0], dict) else {}
                details.pop("code", None)
                message = str(details.pop("message", cause.message))
                raise ApiError(_STATUS_BY_CODE[cause.type], cause.type, message, **details) from None
            raise ApiError(409, "command_refused", str(cause or exc)) from None
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                # The case exists in the store (callers check first): its workflow has ended.
                raise ApiError(
                    409, "case_closed", f"case '{case_id}' is closed; nothing more can be done on it"
                ) from None
            raise _unavailable(exc) from None
