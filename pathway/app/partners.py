"""The resource map: partner institutions of the unit (and those shared by all units)."""

from __future__ import annotations

import secrets

from pydantic import Field
from sqlmodel import Session

from pathway.app.access import authorize
from pathway.app.context import Context
from pathway.app.errors import AppError, not_found
from pathway.app.schemas import Page, WholeNumber
from pathway.security.policy import Action
from pathway.store import placements, queries
from pathway.store.models import Partner, PartnerCreate, PartnerPublic


class PartnerIn(PartnerCreate):
    model_config = {"extra": "forbid"}

    # Unbounded, a huge number reached SQLite as an integer it cannot hold: a 500.
    internship_capacity: WholeNumber = Field(default=0, ge=0, le=100_000)


class PartnerOut(PartnerPublic):
    """A partner as staff see it; for an employer, its internship places in use and free."""

    places_in_use: int | None = None
    places_free: int | None = None


class PartnerCreatedOut(PartnerOut):
    """The answer to adding a partner: the only time its webhook signing key is shown."""

    webhook_secret: str


def partner_of_unit(ctx: Context, partner_id: str, *, field: str = "partner_id") -> Partner:
    """A partner of the unit's resource map (or one shared by all units); 422 naming the field
    for any other id."""
    partner = queries.get_partner(ctx.session, partner_id=partner_id)
    if partner is None or (partner.unit_id is not None and partner.unit_id != ctx.unit_id):
        raise AppError(422, "unknown_partner", f"no partner '{partner_id}' in the resource map", field=field)
    return partner


def partner_out(rows: list[Partner], session: Session) -> list[PartnerOut]:
    used = placements.places_in_use(session, partner_ids=[r.id for r in rows if r.kind == placements.EMPLOYER])
    out = []
    for r in rows:
        item = PartnerOut.model_validate(r, from_attributes=True)
        if r.id in used:
            item.places_in_use, item.places_free = used[r.id], max(0, r.internship_capacity - used[r.id])
        out.append(item)
    return out


def list_partners(
    ctx: Context, *, kind: str | None = None, sector: str | None = None, limit: int = 50, offset: int = 0
) -> Page[PartnerOut]:
    authorize(ctx.actor, Action.PARTNER_READ)
    rows, total = queries.list_partners(
        ctx.session, unit_id=ctx.unit_id, kind=kind, sector=sector, limit=limit, offset=offset
    )
    return Page(items=partner_out(rows, ctx.session), count=total)


async def add_partner(ctx: Context, body: PartnerIn) -> PartnerCreatedOut:
    authorize(ctx.actor, Action.PARTNER_MANAGE)
    data = body.model_dump()
    if data.get("unit_id") not in (None, ctx.unit_id):
        raise AppError(
            422, "forbidden_field", "a partner can only be added to your own unit's resource map", field="unit_id"
        )
    data["unit_id"] = ctx.unit_id
    secret = secrets.token_urlsafe(32)  # shown once, here; stored sealed
    row = queries.create_partner(ctx.session, partner=PartnerCreate(**data), webhook_secret=secret)
    await ctx.record("partner.add", partner_id=row.id, kind=row.kind, channel=row.channel, data_scope=row.data_scope)
    [public] = partner_out([row], ctx.session)
    return PartnerCreatedOut(**public.model_dump(), webhook_secret=secret)


def get_partner(ctx: Context, partner_id: str) -> PartnerOut:
    authorize(ctx.actor, Action.PARTNER_READ)
    row = queries.get_partner(ctx.session, partner_id=partner_id)
    if row is None or (row.unit_id is not None and row.unit_id != ctx.unit_id):
        raise not_found("partner", partner_id)
    return partner_out([row], ctx.session)[0]
