"""Caseloads: open cases per coordinator with what is overdue, and moving one coordinator's
cases to others (thin; see ``pathway.app.caseloads``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from pathway.api.csv_export import CSV_ANSWER, csv_response
from pathway.api.deps import ContextDep, IdempotencyKeyDep
from pathway.app import caseloads
from pathway.app.caseload_shapes import CaseloadRow, ReassignRequest, ReassignResult
from pathway.app.schemas import ID_PATTERN, Page

router = APIRouter(prefix="/caseloads", tags=["caseloads"])

CSV_COLUMNS = ["coordinator", "open", "active", "paused", "stage_overdue", "visit_overdue", "stalled_cases"]


@router.get("", response_model=Page[CaseloadRow], responses=CSV_ANSWER)
def list_caseloads(
    ctx: ContextDep,
    coordinator: Annotated[str | None, Query(min_length=1, max_length=128, pattern=ID_PATTERN)] = None,
    definition: Annotated[str | None, Query(min_length=1, max_length=64, pattern=ID_PATTERN)] = None,
    format: Literal["json", "csv"] = "json",
) -> Response | Page[CaseloadRow]:
    """Open cases per coordinator of your unit, with overdue counts and each definition's
    limit (``definition``: that definition's cases only). A coordinator sees their own row only."""
    page = caseloads.list_caseloads(ctx, coordinator=coordinator, definition=definition)
    if format == "csv":
        return csv_response((r.model_dump() for r in page.items), CSV_COLUMNS, "caseloads.csv")
    return page


@router.post("/reassign", response_model=ReassignResult)
async def reassign(body: ReassignRequest, ctx: ContextDep, key: IdempotencyKeyDep) -> ReassignResult:
    """Move all (or the named) open cases of one coordinator to one or several others; each
    move is the case's own update, with its own idempotency key (a retried request moves
    nothing twice). The caseload limit holds unless overridden. Answers what moved and what
    was refused, and why."""
    return await caseloads.reassign(ctx, body, key)
