"""The resource map: partner institutions of the unit (thin; see ``pathway.app.partners``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from pathway.api.deps import ContextDep
from pathway.app import partners
from pathway.app.partners import PartnerCreatedOut, PartnerIn, PartnerOut
from pathway.app.schemas import MAX_OFFSET, Page

router = APIRouter(prefix="/partners", tags=["partners"])


@router.get("", response_model=Page[PartnerOut])
def list_partners(
    ctx: ContextDep,
    kind: str | None = None,
    sector: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Page[PartnerOut]:
    return partners.list_partners(ctx, kind=kind, sector=sector, limit=limit, offset=offset)


@router.post("", status_code=201, response_model=PartnerCreatedOut)
async def create_partner(body: PartnerIn, ctx: ContextDep) -> PartnerCreatedOut:
    return await partners.add_partner(ctx, body)


@router.get("/{partner_id}", response_model=PartnerOut)
def get_partner(partner_id: str, ctx: ContextDep) -> PartnerOut:
    return partners.get_partner(ctx, partner_id)
