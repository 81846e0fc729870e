"""The resource map: partner institutions of the unit (and those shared by all units)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from pathway.api.deps import ActorDep, SessionDep, authorize
from pathway.security.policy import Action
from pathway.api.errors import ApiError, not_found
from pathway.api.schemas import MAX_OFFSET, Page
from pathway.store import queries
from pathway.store.models import PartnerCreate, PartnerPublic

router = APIRouter(prefix="/partners", tags=["partners"])


class PartnerIn(PartnerCreate):
    model_config = {"extra": "forbid"}

    # Unbounded, a huge number reached SQLite as an integer it cannot hold: a 500.
    internship_capacity: int = Field(default=0, ge=0, le=100_000)


@router.get("", response_model=Page[PartnerPublic])
def list_partners(
    session: SessionDep, actor: ActorDep, kind: str | None = None, sector: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Page[PartnerPublic]:
    authorize(actor, Action.PARTNER_READ)
    rows, total = queries.list_partners(session, unit_id=actor.unit_id, kind=kind, sector=sector, limit=limit, offset=offset)
    return Page(items=[PartnerPublic.model_validate(r, from_attributes=True) for r in rows], count=total)


@router.post("", status_code=201, response_model=PartnerPublic)
def create_partner(body: PartnerIn, session: SessionDep, actor: ActorDep) -> PartnerPublic:
    authorize(actor, Action.PARTNER_MANAGE)
    data = body.model_dump()
    if data.get("unit_id") not in (None, actor.unit_id):
        raise ApiError(422, "forbidden_field", "a partner can only be added to your own unit's resource map", field="unit_id")
    data["unit_id"] = actor.unit_id
    row = queries.create_partner(session, partner=PartnerCreate(**data))
    return PartnerPublic.model_validate(row, from_attributes=True)


@router.get("/{partner_id}", response_model=PartnerPublic)
def get_partner(partner_id: str, session: SessionDep, actor: ActorDep) -> PartnerPublic:
    authorize(actor, Action.PARTNER_READ)
    row = queries.get_partner(session, partner_id=partner_id)
    if row is None or (row.unit_id is not None and row.unit_id != actor.unit_id):
        raise not_found("partner", partner_id)
    return PartnerPublic.model_validate(row, from_attributes=True)
