"""The supervisors' view: which pathways have stalled, and why (thin; see
``pathway.app.audits``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from pathway.api.csv_export import CSV_ANSWER, csv_response
from pathway.api.deps import ContextDep
from pathway.app import audits
from pathway.app.audits import VerifyOut
from pathway.app.schemas import ID_PATTERN, Page, StalledItem

router = APIRouter(prefix="/audit", tags=["audit"])

CSV_COLUMNS = ["case_id", "rule", "since", "coordinator", "stage", "days_overdue", "severity", "unit", "definition"]
IdParam = Annotated[str | None, Query(min_length=1, max_length=128, pattern=ID_PATTERN)]


@router.get("/stalled", response_model=Page[StalledItem], responses=CSV_ANSWER)
async def stalled(
    ctx: ContextDep,
    unit: IdParam = None,
    coordinator: IdParam = None,
    definition: IdParam = None,
    rule: str | None = None,
    inactive_days: Annotated[int | None, Query(ge=1, le=3650)] = None,
    source: Literal["store", "temporal"] = "store",
    format: Literal["json", "csv"] = "json",
) -> Response | Page[StalledItem]:
    """Stalled pathways of your unit, most severe first: which rule fired, since when, for
    whom. ``source=temporal`` answers ``stage_overdue`` from Temporal's visibility."""
    page = await audits.stalled(
        ctx,
        unit=unit,
        coordinator=coordinator,
        definition=definition,
        rule=rule,
        inactive_days=inactive_days,
        source=source,
    )
    if format == "csv":
        return csv_response((i.model_dump() for i in page.items), CSV_COLUMNS, "stalled.csv")
    return page


@router.get("/verify", response_model=VerifyOut)
async def verify(ctx: ContextDep) -> VerifyOut:
    """Walk the unit's tamper-evident audit trail; name the first entry that does not hold."""
    return await audits.verify_trail(ctx)
