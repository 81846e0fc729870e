"""Partners named in a case's facts, and the internship places at employers.

A partner fact names the partner by id; its kind comes from the resource map, so a placement
"with an employer" is one with a partner the map knows as an employer. An employer has a
number of internship places: taking one is decided under the employer's lock, with a hold
for the case while its command travels (``pathway.store.reservations``), so two coordinators
never both take the last place."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Connection, func, select

from pathway.app.context import Context
from pathway.app.errors import AppError
from pathway.app.partners import partner_of_unit
from pathway.core.events import Event
from pathway.store import placements, reservations
from pathway.store.models import INTERNSHIP_PLACE, Partner, Placement
from pathway.store.tables import table_of


def partner_named(ctx: Context, value: Any) -> Partner | None:
    """The partner a partner-fact value names (``{"partner_id": ...}``), from the unit's
    resource map; None for a value that is not a partner reference; 422 for an unknown one."""
    if not (isinstance(value, dict) and "partner_id" in value and set(value) <= {"partner_id", "partner_kind"}):
        return None
    return partner_of_unit(ctx, str(value["partner_id"]))


def partner_fact(partner: Partner) -> dict[str, str]:
    return {"partner_id": partner.id, "partner_kind": partner.kind}


def is_employer(partner: Partner) -> bool:
    return partner.kind == placements.EMPLOYER


class Place:
    """The internship place held for a case while its command travels."""

    def __init__(self, ctx: Context, partner: Partner, case_id: str) -> None:
        self.ctx, self.partner, self.case_id = ctx, partner, case_id
        self.events: list[Event] = []

    def taken(self, events: Iterable[Event]) -> None:
        """The workflow accepted the placement: its events, to show it in the store at once."""
        self.events = list(events)

    def settle(self, conn: Connection) -> None:
        """Show the accepted placement in the store (the projection's own, idempotent write)
        and give the hold up, in one transaction: the place counts throughout."""
        if self.events:
            placements.project_placements(conn, self.case_id, self.events)
        reservations.release(conn, kind=INTERNSHIP_PLACE, holder=self.partner.id, case_id=self.case_id)


def _places_taken(partner_id: str, case_id: str) -> Any:
    def count(conn: Connection) -> int:
        # The case's own place (the same employer named again) is not counted against it.
        p = table_of(Placement).c
        stmt = select(func.count()).where(p.partner_id == partner_id, p.ended_at.is_(None), p.case_id != case_id)
        return int(conn.execute(stmt).scalar_one())

    return count


def _full(partner: Partner, used: int) -> AppError:
    return AppError(
        409,
        "no_internship_capacity",
        f"{used} of {partner.internship_capacity} places in use at {partner.name} / "
        f"zajętych miejsc praktyk: {used} z {partner.internship_capacity} ({partner.name})",
        partner_id=partner.id,
        capacity=partner.internship_capacity,
        in_use=used,
    )


@asynccontextmanager
async def internship_place(ctx: Context, partner: Partner, *, case_id: str, command_id: str) -> AsyncIterator[Place]:
    """Hold one of the employer's places for the block (409 when none is free); afterwards the
    placement the workflow accepted is in the store and the hold is gone, or, refused, just
    the hold is gone."""
    engine = ctx.services.engine
    try:
        await ctx.apart(
            reservations.reserve,
            engine,
            kind=INTERNSHIP_PLACE,
            holder=partner.id,
            case_id=case_id,
            command_id=command_id,
            limit=partner.internship_capacity,
            taken_in_store=_places_taken(partner.id, case_id),
        )
    except reservations.Full as full:
        raise _full(partner, full.taken) from None
    place = Place(ctx, partner, case_id)

    def settle() -> None:
        with engine.begin() as conn:
            place.settle(conn)

    unanswered = False
    try:
        yield place
    except AppError as failed:
        # No answer in time is not a refusal: the command may still be applied, so the hold
        # stays until a retry settles it (or it expires).
        unanswered = failed.status >= 500
        raise
    finally:
        if not unanswered:
            await ctx.apart(settle)
