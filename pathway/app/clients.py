"""Clients: their identity opened for an answer, and erasing it (GDPR, the right to erasure).

Erasure destroys the client's key in the key store (``pathway.security.identity``): their
name, address, phone and every note of their cases become unreadable in the data database
and in every backup of it; so do the household members of their cases (each member's own key
is destroyed too). Their cases go on as pseudonymous pathways (stage, history,
visits, deadlines) and show the client as erased; the workflow and the audit trail are not
touched. Only a supervisor of the client's unit may erase; a client of another unit is
"not found". Erasing twice answers the same (idempotent)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session

from pathway.app.access import authorize
from pathway.app.context import Context
from pathway.app.errors import not_found
from pathway.app.schemas import ClientOut
from pathway.security.identity import IdentityVault
from pathway.security.policy import Action
from pathway.store import household, queries
from pathway.store.client_reads import read_client
from pathway.store.models import ClientPublic


def client_of(session: Session, vault: IdentityVault, client_id: str | None) -> ClientOut | None:
    """The client's identity for an answer, opened."""
    return _out(queries.get_client(session, vault=vault, client_id=client_id) if client_id else None)


def read_client_apart(engine: Engine, vault: IdentityVault, client_id: str | None) -> ClientOut | None:
    """``client_of`` on a connection of its own: it runs in a thread while the request's
    session is in use (the identity is opened while the workflow works on a command)."""
    return _out(read_client(engine, vault=vault, client_id=client_id) if client_id else None)


def _out(client: ClientPublic | None) -> ClientOut | None:
    return ClientOut(**client.model_dump()) if client else None


class ErasureOut(BaseModel):
    client_id: str
    erased: bool = True
    erased_at: datetime
    # False when the client had been erased before: nothing more was destroyed now.
    key_destroyed: bool
    # What is unreadable from now on: the identity fields that were stored, how many notes.
    fields: list[str]
    notes: int
    # The client's cases: they go on, pseudonymous.
    cases: list[str]
    # How many household members of those cases were erased with the client.
    members: int = 0


async def erase_client(ctx: Context, client_id: str) -> ErasureOut:
    authorize(ctx.actor, Action.CLIENT_ERASE)
    row = queries.get_client_row(ctx.session, client_id=client_id)
    if row is None or row.unit_id != ctx.unit_id:
        raise not_found("client", client_id)
    fields = [
        f
        for f, v in (
            ("name", row.name_sealed),
            ("address", row.address_sealed),
            ("phone", row.phone_sealed),
            ("perpetrator_name", row.perpetrator_name_sealed),
            ("perpetrator_contacts", row.perpetrator_contacts_sealed),
        )
        if v is not None
    ]
    cases = queries.client_cases(ctx.session, client_id=client_id)
    notes = queries.count_client_notes(ctx.session, client_id=client_id)
    erasure = ctx.vault.erasure(client_id)
    # The household of the client's cases goes with them: each member's own key too.
    members = household.client_member_rows(ctx.session, client_id=client_id)
    for member in members:
        household.erase_member(ctx.session, vault=ctx.vault, row=member)
    await ctx.record(
        "client.erase",
        client_id=client_id,
        key_destroyed=erasure.key_destroyed,
        cases=cases,
        members=[m.id for m in members],
    )
    return ErasureOut(
        client_id=client_id,
        erased_at=erasure.erased_at,
        key_destroyed=erasure.key_destroyed,
        fields=fields,
        notes=notes,
        cases=cases,
        members=len(members),
    )
