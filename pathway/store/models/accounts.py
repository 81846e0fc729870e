"""Staff accounts and their sign-in sessions (the rules are ``pathway.security.accounts``)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import JSON, Field, SQLModel

from pathway.store.models.columns import UTCDateTime, utcnow


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: str = Field(primary_key=True)  # also the username: an id staff type, never a client's data
    display_name: str
    unit_id: str = Field(index=True)
    roles: list[str] = Field(default_factory=list, sa_type=JSON)
    password_hash: str
    disabled: bool = False
    # No longer written (the attempts are counted per account and address by the sign-in
    # limits); the columns stay while a previous release may still run on this schema.
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AuthSession(SQLModel, table=True):
    __tablename__ = "auth_sessions"

    token_hash: str = Field(primary_key=True)
    user_id: str = Field(foreign_key="users.id", index=True)
    kind: str = "api"  # api (bearer) | web (cookie)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
