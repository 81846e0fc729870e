"""A case's client profile and the outcomes funders ask for (issue 14, section 5).

The profile (sex, birth year, labour-market status, disability) and the employment statuses
at exit and after are personal data: stored only SEALED under the client's key, like the
identity (erasing the client erases them too), never in Temporal. In the clear: the dates and
the flags the daily follow-up reminder needs to find the cases it is about."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from pathway.store.models.columns import UTCDateTime, utcnow


class CaseProfile(SQLModel, table=True):
    __tablename__ = "case_profiles"
    __table_args__ = (Index("ix_case_profiles_follow_up_due_at", "follow_up_due_at"),)

    case_id: str = Field(primary_key=True, foreign_key="cases.id")
    client_id: str = Field(foreign_key="clients.id", index=True)
    # The profile at opening as JSON, sealed (field "profile.entry").
    entry_sealed: str | None = None
    # The employment status at exit, a code, sealed (field "profile.exit").
    exit_sealed: str | None = None
    exited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When the coordinator is to record the status after exit (the definition's
    # ``profile.follow_up_after``); None when the pathway asks for no follow-up.
    follow_up_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The status after exit, a code, sealed (field "profile.follow_up").
    follow_up_sealed: str | None = None
    follow_up_recorded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When the coordinator was reminded of the follow-up (at most once).
    follow_up_reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
