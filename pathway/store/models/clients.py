"""Clients and notes: stored only sealed (what must never enter Temporal)."""

from __future__ import annotations

from datetime import datetime

from pydantic import field_validator
from sqlmodel import Field, SQLModel

from pathway.store.models.columns import UTCDateTime, utcnow


# ---------------------------------------------------------------- clients and notes
# A client's identity (name, address, phone) and every note of their cases are stored only
# SEALED: AES-256-GCM under the client's own data key, which lives wrapped in the key store,
# a separate database (see pathway/security/identity.py and the key-store tables below).
# ``*_sealed`` columns hold ``IdentityVault.seal`` strings; the plain shapes below
# (``ClientCreate``, ``ClientPublic``, ``NotePublic``) exist only in memory.
class ClientBase(SQLModel):
    """A client's identity in plain text: what a person types and what staff are shown."""

    unit_id: str = Field(index=True)
    name: str
    address: str | None = None
    phone: str | None = None
    # The person the client is protected from, where recorded: never shown to partners, and
    # nothing is ever sent to one of these contacts (e-mail addresses, phone numbers).
    perpetrator_name: str | None = None
    perpetrator_contacts: list[str] = Field(default_factory=list)


class ClientCreate(ClientBase):
    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("a client needs a name")
        return v.strip()


class Client(SQLModel, table=True):
    """The only place a client's identity is kept (never in Temporal, never in logs), and
    only sealed under the client's key: erasing that key erases the identity everywhere."""

    __tablename__ = "clients"

    id: str = Field(primary_key=True)
    unit_id: str = Field(index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    name_sealed: str
    address_sealed: str | None = None
    phone_sealed: str | None = None
    perpetrator_name_sealed: str | None = None
    # A JSON list of contacts, sealed as one value.
    perpetrator_contacts_sealed: str | None = None


class ClientPublic(ClientBase):
    """A client opened for staff. ``erased``: the key is gone; the fields that had a value
    read ``pathway.store.sealing.ERASED``."""

    id: str
    created_at: datetime
    erased: bool = False


class NoteBase(SQLModel):
    case_id: str = Field(foreign_key="cases.id", index=True)
    seq: int | None = None
    author: str


class Note(NoteBase, table=True):
    """Free text a person wrote, sealed under the key of the case's client; an event refers
    to it by ``note_id`` only."""

    __tablename__ = "notes"

    id: str = Field(primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    text_sealed: str


class NotePublic(NoteBase):
    """A note opened for staff; ``text`` is ``ERASED`` once the client's key is erased."""

    id: str
    created_at: datetime
    text: str
    erased: bool = False
