"""Cases: open, read, list, and every command a coordinator gives a case (thin: parse, call
``pathway.app``, answer)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from pathway.api.deps import ContextDep, IdempotencyKeyDep
from pathway.app import cases, commands
from pathway.app.caseloads import assign as assign_case
from pathway.app.schemas import (
    ID_PATTERN,
    MAX_OFFSET,
    AssignRequest,
    CaseListItem,
    CaseOut,
    CloseRequest,
    FactRequest,
    OpenCaseRequest,
    Page,
    PauseRequest,
    TransitionRequest,
    VisitOut,
    VisitRequest,
)
from pathway.store.models import NotificationPublic

router = APIRouter(prefix="/cases", tags=["cases"])
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]


@router.post(
    "",
    status_code=201,
    response_model=CaseOut,
    responses={200: {"model": CaseOut, "description": "The same open, retried with its Idempotency-Key: its case"}},
)
async def open_case(body: OpenCaseRequest, ctx: ContextDep, key: IdempotencyKeyDep, response: Response) -> CaseOut:
    case, created = await cases.open_case(ctx, body, key)
    if not created:
        response.status_code = 200  # the same open, retried
    return case


@router.get("", response_model=Page[CaseListItem])
async def list_cases(
    ctx: ContextDep,
    coordinator: str | None = None,
    status: str | None = None,
    definition: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[CaseListItem]:
    return await cases.list_cases(
        ctx, coordinator=coordinator, status=status, definition=definition, limit=limit, offset=offset
    )


@router.get("/{case_id}", response_model=CaseOut)
async def get_case(case_id: str, ctx: ContextDep) -> CaseOut:
    return await cases.read_case(ctx, case_id)


@router.post("/{case_id}/transitions", response_model=CaseOut)
async def transition(case_id: str, body: TransitionRequest, ctx: ContextDep, key: IdempotencyKeyDep) -> CaseOut:
    return await commands.advance(ctx, case_id, body, key)


@router.post("/{case_id}/visits", status_code=201, response_model=VisitOut)
async def record_visit(case_id: str, body: VisitRequest, ctx: ContextDep, key: IdempotencyKeyDep) -> VisitOut:
    return await commands.record_visit(ctx, case_id, body, key)


@router.put("/{case_id}/facts/{name}", response_model=CaseOut)
async def set_fact(
    case_id: str,
    name: Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)],
    body: FactRequest,
    ctx: ContextDep,
    key: IdempotencyKeyDep,
) -> CaseOut:
    return await commands.set_fact(ctx, case_id, name, body, key)


@router.post("/{case_id}/pause", response_model=CaseOut)
async def pause(case_id: str, body: PauseRequest, ctx: ContextDep, key: IdempotencyKeyDep) -> CaseOut:
    return await commands.pause(ctx, case_id, body, key)


@router.post("/{case_id}/resume", response_model=CaseOut)
async def resume(case_id: str, ctx: ContextDep, key: IdempotencyKeyDep) -> CaseOut:
    return await commands.resume(ctx, case_id, key)


@router.post("/{case_id}/close", response_model=CaseOut)
async def close(case_id: str, body: CloseRequest, ctx: ContextDep, key: IdempotencyKeyDep) -> CaseOut:
    return await commands.close(ctx, case_id, body, key)


@router.put("/{case_id}/coordinator", response_model=CaseOut)
async def assign(case_id: str, body: AssignRequest, ctx: ContextDep, key: IdempotencyKeyDep) -> CaseOut:
    return await assign_case(ctx, case_id, body, key)


@router.get("/{case_id}/notifications", response_model=Page[NotificationPublic])
def notifications(case_id: str, ctx: ContextDep, limit: Limit = 100, offset: Offset = 0) -> Page[NotificationPublic]:
    return cases.notifications(ctx, case_id, limit=limit, offset=offset)
