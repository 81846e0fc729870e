"""Commands people give a case. Each carries the acting user's id (``actor``) and an
idempotency key (``command_id``, also the Temporal update id). Values are ids, codes, dates
and numbers only: a note's text goes to the SQL store and only its id comes here."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pathway.core.definition import DefinitionSnapshot
from pathway.core.household import MAX_MEMBERS
from pathway.core.plan import PlanSkeleton

TOKEN = re.compile(r"^[A-Za-z0-9_.:@-]{1,128}$")


def _token(value: str, what: str) -> str:
    if not TOKEN.match(value):
        raise ValueError(f"{what} must be an id or code (letters, digits, _ . : @ -), at most 128 characters")
    return value


def _with_zone(value: datetime, what: str) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{what} needs a time zone (e.g. 2026-05-04T10:00:00+02:00)")
    return value


def _member_id_list(values: list[str]) -> list[str]:
    for value in values:
        _token(value, "a member id")
    if len(set(values)) != len(values):
        raise ValueError("a member is named twice")
    return values


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    command_id: str = Field(min_length=1, max_length=128)
    actor: str = Field(min_length=1, max_length=128)

    @field_validator("command_id", "actor")
    @classmethod
    def _ids(cls, value: str) -> str:
        return _token(value, "an id")


class Advance(Command):
    trigger: str = Field(min_length=1, max_length=64)
    note_id: str | None = None
    # The stage the person saw when they chose the move: two people moving the same case at
    # once must not both succeed (the second would silently make a move nobody chose).
    expected_stage: str | None = Field(default=None, max_length=64)


class RecordVisit(Command):
    occurred_at: datetime
    duration_minutes: int = Field(ge=1, le=24 * 60)
    kind: str = Field(default="home", min_length=1, max_length=32)
    visit_id: str | None = None
    # The household members who were present (ids only; the client always is).
    present_member_ids: list[str] = Field(default_factory=list, max_length=MAX_MEMBERS)

    @field_validator("present_member_ids")
    @classmethod
    def _member_ids(cls, value: list[str]) -> list[str]:
        return _member_id_list(value)

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return _with_zone(value, "occurred_at")


class ChangeHousehold(Command):
    """Members joined or left the case's household (ids only: who they are is sealed in the
    SQL store). A member who left is no longer expected at visits."""

    added: list[str] = Field(default_factory=list, max_length=MAX_MEMBERS)
    removed: list[str] = Field(default_factory=list, max_length=MAX_MEMBERS)

    @field_validator("added", "removed")
    @classmethod
    def _member_ids(cls, value: list[str]) -> list[str]:
        return _member_id_list(value)


class SetFact(Command):
    name: str = Field(min_length=1, max_length=64)
    value: Any


class AssignCoordinator(Command):
    coordinator_id: str = Field(min_length=1, max_length=128)
    override_reason: str | None = Field(default=None, max_length=64)


class Pause(Command):
    reason: str = Field(default="other", min_length=1, max_length=64)

    @field_validator("reason")
    @classmethod
    def _code(cls, value: str) -> str:
        return _token(value, "a pause reason")


class Resume(Command):
    pass


class Close(Command):
    outcome: str = Field(min_length=1, max_length=64)
    note_id: str | None = None


class MigrateDefinition(Command):
    """Move a running case onto a newer version of its definition (DESIGN.md, boundary 4).

    ``target`` is the snapshot the case will carry from now on (same definition id, higher
    version). ``stage_mapping`` says where each stage of the case's current definition goes
    (old stage -> new stage); a stage that is not mapped stays under its own name, which the
    target must then have. Only the case's current stage matters to one case; every stage the
    mapping names as a destination must exist in the target."""

    target: DefinitionSnapshot
    stage_mapping: dict[str, str] = Field(default_factory=dict)


class Refer(Command):
    """Refer the client to a partner for a service. The client's consent for that partner is
    checked where it is recorded (the SQL store) before the command is sent; its id comes
    along so the pathway history says on which consent the referral was made."""

    referral_id: str = Field(min_length=1, max_length=128)
    partner_id: str = Field(min_length=1, max_length=128)
    partner_kind: str = Field(min_length=1, max_length=32)
    service: str = Field(min_length=1, max_length=64)
    consent_id: str | None = Field(default=None, max_length=128)
    note_id: str | None = None

    @field_validator("referral_id", "partner_id", "partner_kind", "service")
    @classmethod
    def _codes(cls, value: str) -> str:
        return _token(value, "an id or code")


class AnswerReferral(Command):
    """The partner's answer to a referral (through its callback, or entered by the coordinator)."""

    referral_id: str = Field(min_length=1, max_length=128)
    answer: Literal["accepted", "rejected", "done"]
    reason: str | None = Field(default=None, max_length=64)
    note_id: str | None = None

    @field_validator("reason")
    @classmethod
    def _reason_code(cls, value: str | None) -> str | None:
        return None if value is None else _token(value, "a reason")


class RecordPlan(Command):
    """A new version of the case's plan: its skeleton (ids, dates, statuses), never its texts,
    which the store keeps sealed under the same version number."""

    plan: PlanSkeleton


class BookAppointment(Command):
    """Book a visit for a moment (``at``, with a time zone) of a kind; with ``rebook``, move
    the appointment already booked under this id (the same appointment, a new time)."""

    appointment_id: str = Field(min_length=1, max_length=128)
    at: datetime
    kind: str = Field(default="home", min_length=1, max_length=32)
    # Move an appointment already booked (refused if it is not booked); else a new one.
    rebook: bool = False

    @field_validator("appointment_id")
    @classmethod
    def _id(cls, value: str) -> str:
        return _token(value, "an appointment id")

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return _with_zone(value, "at")


class CancelAppointment(Command):
    appointment_id: str = Field(min_length=1, max_length=128)
