"""A staff member's inbox: which reminders they have read, and how they want to be told.

The items themselves are the ``reminders`` rows (to a coordinator, or to a unit's
supervisors); these tables hold what is per person about them."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from pathway.store.models.columns import UTCDateTime, utcnow

CHANNELS = ("inbox", "inbox_and_email")


class InboxRead(SQLModel, table=True):
    """One person read one reminder (an escalation to a unit's supervisors is read by each
    of them on their own)."""

    __tablename__ = "inbox_reads"

    user_id: str = Field(primary_key=True)
    reminder_id: int = Field(primary_key=True)
    read_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StaffNotice(SQLModel, table=True):
    """How a person is told: the inbox only, or the inbox and e-mail at ``email``."""

    __tablename__ = "staff_notices"

    user_id: str = Field(primary_key=True)
    channel: str = "inbox"  # one of CHANNELS
    email: str | None = None
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StaffMail(SQLModel, table=True):
    """An e-mail sent to a person about a reminder: at most one per (reminder, person), so a
    retried activity never sends twice."""

    __tablename__ = "staff_mails"

    reminder_id: int = Field(primary_key=True)
    user_id: str = Field(primary_key=True)
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StaffDigest(SQLModel, table=True):
    """The morning digest sent to a person for a day: at most one per (person, day)."""

    __tablename__ = "staff_digests"

    user_id: str = Field(primary_key=True)
    day: date = Field(primary_key=True)
    items: int = 0
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CalendarFeed(SQLModel, table=True):
    """A person's calendar feed: the hash of the secret in its URL (the URL itself is shown
    once). A new one replaces the old; revoking deletes it."""

    __tablename__ = "calendar_feeds"

    user_id: str = Field(primary_key=True)
    token_hash: str = Field(unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
