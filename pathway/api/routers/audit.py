"""The supervisors' view: which pathways have stalled, and why."""

from __future__ import annotations

import csv
import io
from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel

from pathway.api.deps import coordinator_scope, ActorDep, ServicesDep, SessionDep, authorize
from pathway.security.policy import Action
from pathway.api.errors import ApiError
from pathway.api.schemas import Page, StalledItem
from pathway.store import audit_trail, queries
from pathway.store.models import utcnow

router = APIRouter(prefix="/audit", tags=["audit"])

CSV_COLUMNS = ["case_id", "rule", "since", "coordinator", "stage", "days_overdue", "unit", "definition"]


@router.get("/stalled", response_model=Page[StalledItem])
def stalled(
    services: ServicesDep,
    session: SessionDep,
    actor: ActorDep,
    coordinator: str | None = None,
    definition: str | None = None,
    rule: str | None = None,
    format: Literal["json", "csv"] = "json",
) -> Response | Page[StalledItem]:
    if rule is not None and rule not in queries.STALLED_RULES:
        raise ApiError(422, "unknown_rule", f"unknown rule '{rule}'", rules=list(queries.STALLED_RULES))
    authorize(actor, Action.AUDIT_READ)
    coordinator = coordinator_scope(actor, coordinator)
    rows = queries.stalled(session, now=utcnow(), unit_id=actor.unit_id, coordinator_id=coordinator, definition_id=definition, rule=rule)
    items = [
        StalledItem(case_id=r.case_id, rule=r.rule, since=r.since, coordinator=r.coordinator, stage=r.stage,
                    days_overdue=r.days_overdue, unit=r.unit_id, definition=r.definition_id)
        for r in rows
    ]
    if format == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for item in items:
            writer.writerow({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in item.model_dump().items()})
        return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="stalled.csv"'})
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
    return VerifyOut(unit=result.unit_id, entries=result.entries, ok=result.ok, broken_seq=result.broken_seq, problem=result.problem)
