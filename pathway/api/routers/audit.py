"""The supervisors' view: which pathways have stalled, and why."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from pathway.api.csv_export import csv_response
from pathway.api.deps import ActorDep, ServicesDep, SessionDep, authorize, coordinator_scope, own_unit
from pathway.api.errors import ApiError
from pathway.api.filters import KnownFilters
from pathway.api.schemas import ID_PATTERN, Page, StalledItem
from pathway.readmodels import stalled as stalled_audit
from pathway.security.policy import Action
from pathway.store import audit_trail
from pathway.store.models import utcnow

router = APIRouter(prefix="/audit", tags=["audit"])

CSV_COLUMNS = ["case_id", "rule", "since", "coordinator", "stage", "days_overdue", "severity", "unit", "definition"]
IdParam = Annotated[str | None, Query(min_length=1, max_length=128, pattern=ID_PATTERN)]


@router.get("/stalled", response_model=Page[StalledItem], dependencies=[KnownFilters])
async def stalled(
    services: ServicesDep,
    session: SessionDep,
    actor: ActorDep,
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
    if rule is not None and rule not in stalled_audit.RULES:
        raise ApiError(422, "unknown_rule", f"unknown rule '{rule}' / nieznana reguła", rules=list(stalled_audit.RULES))
    authorize(actor, Action.AUDIT_READ)
    unit_id = own_unit(actor, unit)
    coordinator = coordinator_scope(actor, coordinator)
    if source == "temporal":
        if rule not in (None, *stalled_audit.TEMPORAL_RULES) or inactive_days is not None:
            raise ApiError(
                422,
                "rule_not_in_temporal",
                "Temporal's visibility answers stage_overdue only / z Temporala tylko reguła stage_overdue",
                rules=list(stalled_audit.TEMPORAL_RULES),
            )
        rows = await stalled_audit.stalled_from_temporal(
            services.client,
            now=utcnow(),
            unit_id=unit_id,
            coordinator_id=coordinator,
            definition_id=definition,
            rule=rule,
        )
    else:
        rows = stalled_audit.stalled(
            session,
            now=utcnow(),
            definitions=services.catalog.definitions(),
            unit_id=unit_id,
            coordinator_id=coordinator,
            definition_id=definition,
            rule=rule,
            inactive_days=inactive_days,
        )
    items = [StalledItem(**row) for row in stalled_audit.rows_as_dicts(rows)]
    if format == "csv":
        return csv_response((i.model_dump() for i in items), CSV_COLUMNS, "stalled.csv")
    return Page(items=items, count=len(items))


class VerifyOut(BaseModel):
    unit: str
    entries: int
    ok: bool
    broken_seq: int | None = None
    problem: str | None = None


@router.get("/verify", response_model=VerifyOut)
def verify(services: ServicesDep, actor: ActorDep) -> VerifyOut:
    """Walk the unit's tamper-evident audit trail; name the first entry that does not hold."""
    authorize(actor, Action.AUDIT_VERIFY)
    result = audit_trail.verify(services.engine, unit_id=actor.unit_id)
    return VerifyOut(
        unit=result.unit_id, entries=result.entries, ok=result.ok, broken_seq=result.broken_seq, problem=result.problem
    )
