"""The resource map: partner institutions of the unit (and those shared by all units)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field
from sqlmodel import Session

from pathway.api.deps import ActorDep, AuditDep, SessionDep, authorize
from pathway.api.errors import ApiError, not_found
from pathway.api.schemas import MAX_OFFSET, Page
from pathway.security.policy import Action
from pathway.store import placements, queries
from pathway.store.models import Partner, PartnerCreate, PartnerPublic

router = APIRouter(prefix="/partners", tags=["partners"])


class PartnerIn(PartnerCreate):
    model_config = {"extra": "forbid"}

    # Unbounded, a huge number reached SQLite as an integer it cannot hold: a 500.
    internship_capacity: int = Field(default=0, ge=0, le=100_000)


class PartnerOut(PartnerPublic):
    """A partner as staff see it; for an employer, its internship places in use and free."""

    places_in_use: int | None = None
    places_free: int | None = None


class PartnerCreatedOut(PartnerOut):
    """The answer to adding a partner: the only time its webhook signing key is shown."""

    webhook_secret: str


def partner_out(rows: list[Partner], session: Session) -> list[PartnerOut]:
    used = placements.places_in_use(session, partner_ids=[r.id for r in rows if r.kind == placements.EMPLOYER])
    out = []
    for r in rows:
        item = PartnerOut.model_validate(r, from_attributes=True)
        if r.id in used:
            item.places_in_use, item.places_free = used[r.id], max(0, r.internship_capacity - used[r.id])
        out.append(item)
    return out


@router.get("", response_model=Page[PartnerOut])
def list_partners(
    session: SessionDep,
    actor: ActorDep,
    kind: str | None = None,
    sector: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Page[PartnerOut]:
    authorize(actor, Action.PARTNER_READ)
    rows, total = queries.list_partners(
        session, unit_id=actor.unit_id, kind=kind, sector=sector, limit=limit, offset=offset
    )
    return Page(items=partner_out(rows, session), count=total)


@router.post("", status_code=201, response_model=PartnerCreatedOut)
def create_partner(body: PartnerIn, session: SessionDep, actor: ActorDep, audit: AuditDep) -> PartnerCreatedOut:
    authorize(actor, Action.PARTNER_MANAGE)
    data = body.model_dump()
    if data.get("unit_id") not in (None, actor.unit_id):
        raise ApiError(
            422, "forbidden_field", "a partner can only be added to your own unit's resource map", field="unit_id"
        )
    data["unit_id"] = actor.unit_id
    secret = secrets.token_urlsafe(32)  # shown once, here; stored sealed
    row = queries.create_partner(session, partner=PartnerCreate(**data), webhook_secret=secret)
    audit.record("partner.add", partner_id=row.id, kind=row.kind, channel=row.channel, data_scope=row.data_scope)
    [public] = partner_out([row], session)
    return PartnerCreatedOut(**public.model_dump(), webhook_secret=secret)


@router.get("/{partner_id}", response_model=PartnerOut)
def get_partner(partner_id: str, session: SessionDep, actor: ActorDep) -> PartnerOut:
    authorize(actor, Action.PARTNER_READ)
    row = queries.get_partner(session, partner_id=partner_id)
    if row is None or (row.unit_id is not None and row.unit_id != actor.unit_id):
        raise not_found("partner", partner_id)
    return partner_out([row], session)[0]
