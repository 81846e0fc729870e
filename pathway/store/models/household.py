"""The household of a case: its members, each stored sealed under a key of their own."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from pathway.store.models.columns import UTCDateTime, utcnow


class HouseholdMember(SQLModel, table=True):
    """A person of the case's household besides the client. The role and birth year are
    codes and numbers; the name, the school and the contacts are sealed under the member's
    own key (``IdentityVault``, keyed by the member's id), so a member can be erased alone.
    An erased member keeps their row (the workflow's history names their id) with
    ``erased_at`` set, and is no longer part of the household."""

    __tablename__ = "household_members"

    id: str = Field(primary_key=True)
    case_id: str = Field(foreign_key="cases.id", index=True)
    role: str
    birth_year: int
    name_sealed: str
    school_sealed: str | None = None
    # A JSON list of e-mail addresses / phone numbers, sealed as one value.
    contacts_sealed: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
