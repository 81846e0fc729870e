"""Clients: erasing a client's identity (GDPR, the right to erasure).

Erasure destroys the client's key in the key store (``pathway.security.identity``): their
name, address, phone and every note of their cases become unreadable in the data database
and in every backup of it. Their cases go on as pseudonymous pathways (stage, history,
visits, deadlines) and show the client as erased; the workflow and the audit trail are not
touched. Only a supervisor of the client's unit may erase; a client of another unit is
"not found". Erasing twice answers the same (idempotent)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel

from pathway.api.deps import ActorDep, AuditDep, SessionDep, authorize, vault_of
from pathway.api.errors import not_found
from pathway.security.policy import Action
from pathway.store import queries

router = APIRouter(prefix="/clients", tags=["clients"])

ClientId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


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


@router.post("/{client_id}/erase", response_model=ErasureOut)
def erase_client(client_id: ClientId, session: SessionDep, actor: ActorDep, audit: AuditDep) -> ErasureOut:
    authorize(actor, Action.CLIENT_ERASE)
    row = queries.get_client_row(session, client_id=client_id)
    if row is None or row.unit_id != actor.unit_id:
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
    cases = queries.client_cases(session, client_id=client_id)
    notes = queries.count_client_notes(session, client_id=client_id)
    erasure = vault_of(session).erasure(client_id)
    audit.record("client.erase", client_id=client_id, key_destroyed=erasure.key_destroyed, cases=cases)
    return ErasureOut(
        client_id=client_id,
        erased_at=erasure.erased_at,
        key_destroyed=erasure.key_destroyed,
        fields=fields,
        notes=notes,
        cases=cases,
    )
