"""Idempotency keys: which command each key was first given for.

A person's command carries an idempotency key; sent again with the same key it is the same
command (Temporal's update id, and the case's remembered commands, answer it with its first
outcome). The same key on another command or another body is a client's mistake (or worse):
this row, written before the command is sent, lets the use case refuse it by name. A row is
kept as long as the unit's audit trail is (it holds ids, codes and a digest; no free text)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from pathway.store.models.columns import UTCDateTime


class CommandKey(SQLModel, table=True):
    __tablename__ = "command_keys"

    unit_id: str = Field(primary_key=True)
    key: str = Field(primary_key=True, max_length=128)
    actor: str
    case_id: str | None = None
    command: str
    # SHA-256 of the command's body (its codes, ids, dates and numbers; a note's text is
    # compared where it is kept).
    fingerprint: str
    created_at: datetime = Field(sa_type=UTCDateTime)
