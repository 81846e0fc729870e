"""The household of a case: its members (besides the client) added, changed, erased, listed.

Who a member is (name, school, contacts) is sealed in the store under the member's own key,
so one person can be erased alone; the case's workflow learns only their ids (it checks who
was present at a visit against them, and whether every member was met). The role must be
one the case's pathway allows (``pathway.core.household.allowed_roles``, read from the
pathway's current definition, as consent rules are). A member using violence is never a
recipient of anything (``recipient_member_ids``; partners at their contacts are blocked like
those at the perpetrator's contacts). Every change is in the audit trail, ids and codes only."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, field_validator

from pathway.app.access import visible_case
from pathway.app.command_keys import one_command_per_key, reused
from pathway.app.context import Context
from pathway.app.errors import AppError, not_found
from pathway.app.schemas import ID_PATTERN, BirthYear, Page, _Body
from pathway.app.sending import send
from pathway.core.household import (
    MAX_MEMBERS,
    SCHOOL_ROLES,
    age_in,
    allowed_roles,
    birth_year_problem,
    may_receive,
)
from pathway.security.policy import Action
from pathway.store import household as members_store
from pathway.store.household import MemberIdentity, OpenedMember
from pathway.store.models import Case, HouseholdMember, utcnow
from workflows.messages import ChangeHouseholdInput
from workflows.pathway import PathwayWorkflow

_MEMBER_KEY_NAMESPACE = uuid.UUID("9a3e1c2b-6f4d-4e8a-b1c7-2d5f8e0a9b34")
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")]  # not blank
Role = Annotated[str, Field(min_length=1, max_length=32, pattern=ID_PATTERN)]
School = Annotated[str, Field(max_length=200)]
Contacts = Annotated[list[Annotated[str, Field(min_length=3, max_length=254)]], Field(max_length=10)]


def _name(value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise ValueError("a member needs a name")
    return None if value is None else value.strip()


class MemberIn(_Body):
    role: Role
    name: Name
    birth_year: BirthYear
    # A child's school or kindergarten.
    school: School | None = None
    # E-mail addresses / phone numbers. Of a member using violence: nothing is ever sent there.
    contacts: Contacts = Field(default_factory=list)

    _name_not_blank = field_validator("name")(_name)


class MemberChange(_Body):
    """What changes (an absent field stays as it is; an empty school or list clears it)."""

    role: Role | None = None
    name: Name | None = None
    birth_year: BirthYear | None = None
    school: School | None = None
    contacts: Contacts | None = None

    _name_not_blank = field_validator("name")(_name)


class MemberOut(BaseModel):
    id: str
    case_id: str
    role: str
    name: str
    birth_year: int
    # The age reached this year (only the birth year is known).
    age: int
    school: str | None = None
    contacts: list[str] = Field(default_factory=list)
    # False for a member using violence: never told anything.
    may_receive: bool
    erased: bool = False
    created_at: datetime
    updated_at: datetime | None = None


class MemberErased(BaseModel):
    id: str
    case_id: str
    erased: bool = True
    # False when the member had been erased before: nothing more was destroyed now.
    key_destroyed: bool


# ---------------------------------------------------------------- checks
def this_year(case: Case, ctx: Context) -> int:
    entry = ctx.services.catalog.get(case.definition_id)
    zone = entry.definition.timezone if entry else "Europe/Warsaw"
    return utcnow().astimezone(ZoneInfo(zone)).year


def roles_of(ctx: Context, case: Case) -> tuple[str, ...]:
    """The roles the case's pathway allows (its current definition)."""
    entry = ctx.services.catalog.get(case.definition_id)
    return allowed_roles(entry.definition) if entry else ()


def _check(ctx: Context, case: Case, role: str | None, birth_year: int | None, school: str | None = None) -> None:
    if role is not None and role not in (allowed := roles_of(ctx, case)):
        raise AppError(
            422,
            "role_not_allowed",
            f"the role '{role}' is not one this pathway allows; roles: {', '.join(allowed)}",
            field="role",
            allowed=list(allowed),
        )
    if birth_year is not None and (problem := birth_year_problem(birth_year, this_year(case, ctx))):
        raise AppError(422, "invalid_birth_year", problem, field="birth_year")
    if school and role is not None and role not in SCHOOL_ROLES:
        raise AppError(422, "school_not_for_role", "a school or kindergarten is recorded for a child", field="school")


def _out(case: Case, ctx: Context, m: OpenedMember) -> MemberOut:
    return MemberOut(
        id=m.id,
        case_id=m.case_id,
        role=m.role,
        name=m.name,
        birth_year=m.birth_year,
        age=age_in(m.birth_year, this_year(case, ctx)),
        school=m.school,
        contacts=m.contacts,
        may_receive=may_receive(m.role),
        erased=m.erased,
        created_at=m.created_at,
        updated_at=m.updated_at,
    )


def _member(ctx: Context, case: Case, member_id: str) -> HouseholdMember:
    row = members_store.get_member(ctx.session, case_id=case.id, member_id=member_id)
    if row is None:
        raise not_found("member", member_id)
    return row


# ---------------------------------------------------------------- reading
def list_members(ctx: Context, case_id: str) -> Page[MemberOut]:
    case = visible_case(ctx, case_id)
    rows = members_store.member_rows(ctx.session, case_id=case_id)
    opened = members_store.open_members(ctx.vault, rows)
    return Page(items=[_out(case, ctx, m) for m in opened], count=len(opened))


def member_ids(ctx: Context, case_id: str) -> list[str]:
    """The ids of the case's household members (not erased), in the order they were added:
    what another use case (the plan's actions owned by a member) refers to."""
    visible_case(ctx, case_id)
    return [row.id for row in members_store.member_rows(ctx.session, case_id=case_id)]


def recipient_member_ids(ctx: Context, case_id: str) -> list[str]:
    """``member_ids`` without those who may never be told anything (using violence)."""
    visible_case(ctx, case_id)
    return [row.id for row in members_store.member_rows(ctx.session, case_id=case_id) if may_receive(row.role)]


def present_members(ctx: Context, case_id: str, ids: list[str]) -> list[str]:
    """The members present at a visit, checked against the household (422 naming the field)."""
    if not ids:
        return []
    known = {row.id for row in members_store.member_rows(ctx.session, case_id=case_id)}
    strangers = [i for i in ids if i not in known]
    if strangers:
        raise AppError(
            422,
            "unknown_member",
            "not a member of this case's household: " + ", ".join(strangers),
            field="present_member_ids",
            member_ids=strangers,
        )
    return list(dict.fromkeys(ids))


# ---------------------------------------------------------------- changing
async def add_member(ctx: Context, case_id: str, body: MemberIn, key: str | None) -> tuple[MemberOut, bool]:
    """A new member (and whether it is new: False for the same request retried with its key)."""
    case = visible_case(ctx, case_id, Action.CASE_ACT)
    _check(ctx, case, body.role, body.birth_year, body.school)
    who = MemberIdentity(name=body.name, school=body.school or None, contacts=tuple(body.contacts))
    # Personal data is never fingerprinted into the store: the name is compared where it is kept.
    codes = {"role": body.role, "birth_year": body.birth_year}
    async with one_command_per_key(ctx, key, command="member_add", case_id=case_id, body=codes):
        member_id = uuid.uuid5(_MEMBER_KEY_NAMESPACE, f"{case_id}\x00{ctx.actor.id}\x00{key}").hex if key else None
        row = ctx.session.get(HouseholdMember, member_id) if member_id else None
        created = row is None
        if row is not None:
            if members_store.open_members(ctx.vault, [row])[0].name not in (who.name,):
                raise reused("member_add")  # the same key, another person: another command
        else:
            if len(members_store.member_rows(ctx.session, case_id=case_id)) >= MAX_MEMBERS:
                raise AppError(409, "household_full", f"a household has at most {MAX_MEMBERS} members")
            row = members_store.add_member(
                ctx.session,
                vault=ctx.vault,
                member_id=member_id or uuid.uuid4().hex,
                case_id=case_id,
                role=body.role,
                birth_year=body.birth_year,
                who=who,
                actor=ctx.actor.id,
            )
        command = ChangeHouseholdInput(command_id=f"member-add:{row.id}", actor=ctx.actor.id, added=[row.id])
        try:
            await send(ctx, case, PathwayWorkflow.change_household, command)
        except AppError as refused:
            if created and refused.status < 500:  # refused (a closed case): nothing stays behind
                members_store.forget_member(ctx.session, vault=ctx.vault, member_id=row.id)
            raise
        if created:
            await ctx.record("member.add", case_id=case_id, member_id=row.id, role=row.role)
        opened = members_store.open_members(ctx.vault, [row])[0]
        return _out(case, ctx, opened), created


async def change_member(ctx: Context, case_id: str, member_id: str, body: MemberChange, key: str | None) -> MemberOut:
    case = visible_case(ctx, case_id, Action.CASE_ACT)
    row = _member(ctx, case, member_id)
    given = sorted(body.model_dump(exclude_unset=True))
    if not given:
        raise AppError(422, "nothing_to_change", "name at least one field to change", field="body")
    if row.erased_at is not None:
        raise AppError(409, "member_erased", "this member was erased: nothing of them can change", member_id=member_id)
    _check(ctx, case, body.role or row.role, body.birth_year, body.school)
    codes = {"fields": given, "role": body.role, "birth_year": body.birth_year}
    async with one_command_per_key(ctx, key, command=f"member_change:{member_id}", case_id=case_id, body=codes):
        row = members_store.change_member(
            ctx.session,
            vault=ctx.vault,
            row=row,
            role=body.role,
            birth_year=body.birth_year,
            name=body.name,
            school=body.school if "school" in given else None,
            contacts=body.contacts,
        )
        await ctx.record("member.change", case_id=case_id, member_id=member_id, fields=given, role=row.role)
        return _out(case, ctx, members_store.open_members(ctx.vault, [row])[0])


async def erase_member(ctx: Context, case_id: str, member_id: str, key: str | None) -> MemberErased:
    """Erase one person: their key is destroyed (name, school and contacts unreadable for
    good, in every backup), and they leave the household. Erasing twice answers the same."""
    case = visible_case(ctx, case_id, Action.CASE_ACT)
    row = _member(ctx, case, member_id)
    async with one_command_per_key(ctx, key, command=f"member_erase:{member_id}", case_id=case_id, body=None):
        destroyed = members_store.erase_member(ctx.session, vault=ctx.vault, row=row)
        if case.status != "closed":
            # The same command id every time: erasing again never removes them twice.
            command = ChangeHouseholdInput(
                command_id=f"member-erase:{member_id}", actor=ctx.actor.id, removed=[member_id]
            )
            try:
                await send(ctx, case, PathwayWorkflow.change_household, command)
            except AppError as refused:
                if refused.status >= 500:
                    raise  # retry: the person is erased already; the workflow still lists the id
        if destroyed:
            await ctx.record("member.erase", case_id=case_id, member_id=member_id)
        return MemberErased(id=member_id, case_id=case_id, key_destroyed=destroyed)
