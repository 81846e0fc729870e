"""A client's identity opened for a command's answer, off the request's session.

Every command a person sends answers with the case and its client's name, opened while the
workflow works on the command (``pathway.app.sending``): on a connection of its own, with a
statement built once and no ORM object (``queries.get_client`` reads the same through a
session, for screens)."""

from __future__ import annotations

from sqlalchemy import Engine, bindparam, select

from pathway.store.models import Client, ClientPublic
from pathway.store.queries import opened_client
from pathway.store.sealing import Sealer
from pathway.store.tables import table_of

_CLIENTS = table_of(Client)
_CLIENT_ROW = select(
    *(
        _CLIENTS.c[name]
        for name in (
            "id",
            "unit_id",
            "created_at",
            "name_sealed",
            "address_sealed",
            "phone_sealed",
            "perpetrator_name_sealed",
            "perpetrator_contacts_sealed",
        )
    )
).where(_CLIENTS.c.id == bindparam("client_id"))


def read_client(engine: Engine, *, vault: Sealer, client_id: str) -> ClientPublic | None:
    """The client's identity, opened (as ``queries.get_client``); None for an unknown id."""
    with engine.connect() as conn:
        row = conn.execute(_CLIENT_ROW, {"client_id": client_id}).first()
    return opened_client(vault, row) if row is not None else None
