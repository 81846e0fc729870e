"""The household's members in the store: added, changed, erased and read back opened.

Each member's name, school and contacts are sealed under the member's own key (the vault's
key owner is the member's id), so erasing one person destroys their key alone; erasing the
client erases every member of the client's cases too (``pathway.app.clients``). Plain
functions with keyword-only arguments; writes commit."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from pathway.store.models import Case, HouseholdMember, utcnow
from pathway.store.sealing import ERASED, Sealer

# The vault's field labels of a member's sealed values.
NAME, SCHOOL, CONTACTS = "member.name", "member.school", "member.contacts"


@dataclass(frozen=True)
class MemberIdentity:
    """What a person types about a member (plain text, in memory only)."""

    name: str
    school: str | None = None
    contacts: tuple[str, ...] = ()


@dataclass(frozen=True)
class OpenedMember:
    """A member opened for staff; an erased one reads ``ERASED`` in every sealed field."""

    id: str
    case_id: str
    role: str
    birth_year: int
    name: str
    school: str | None
    contacts: list[str]
    created_at: datetime
    updated_at: datetime | None
    erased: bool


def add_member(
    session: Session,
    *,
    vault: Sealer,
    member_id: str,
    case_id: str,
    role: str,
    birth_year: int,
    who: MemberIdentity,
    actor: str,
) -> HouseholdMember:
    """A new member under a key of their own; the row as stored."""
    texts = {NAME: who.name}
    if who.school:
        texts[SCHOOL] = who.school
    if who.contacts:
        texts[CONTACTS] = json.dumps(list(who.contacts))
    sealed = vault.seal_new(member_id, texts)
    row = HouseholdMember(
        id=member_id,
        case_id=case_id,
        role=role,
        birth_year=birth_year,
        created_by=actor,
        name_sealed=sealed[NAME],
        school_sealed=sealed.get(SCHOOL),
        contacts_sealed=sealed.get(CONTACTS),
    )
    try:
        session.add(row)
        session.commit()
    except BaseException:
        session.rollback()
        vault.erase(member_id)  # nothing was stored under it
        raise
    session.refresh(row)
    return row


def forget_member(session: Session, *, vault: Sealer, member_id: str) -> None:
    """Undo ``add_member`` for a member the case's workflow refused: the row and the key go."""
    row = session.get(HouseholdMember, member_id)
    if row is not None:
        session.delete(row)
        session.commit()
    vault.erase(member_id)


def change_member(
    session: Session,
    *,
    vault: Sealer,
    row: HouseholdMember,
    role: str | None = None,
    birth_year: int | None = None,
    name: str | None = None,
    school: str | None = None,
    contacts: list[str] | None = None,
) -> HouseholdMember:
    """Change what is given (None: unchanged; an empty school or contact list clears it)."""
    if role is not None:
        row.role = role
    if birth_year is not None:
        row.birth_year = birth_year
    if name is not None:
        row.name_sealed = vault.seal(row.id, NAME, name)
    if school is not None:
        row.school_sealed = vault.seal(row.id, SCHOOL, school) if school else None
    if contacts is not None:
        row.contacts_sealed = vault.seal(row.id, CONTACTS, json.dumps(contacts)) if contacts else None
    row.updated_at = utcnow()
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def erase_member(session: Session, *, vault: Sealer, row: HouseholdMember) -> bool:
    """Destroy the member's key and mark the row erased; False if it was erased before."""
    vault.erase(row.id)
    if row.erased_at is not None:
        return False
    row.erased_at = utcnow()
    session.add(row)
    session.commit()
    return True


def get_member(session: Session, *, case_id: str, member_id: str) -> HouseholdMember | None:
    row = session.get(HouseholdMember, member_id)
    return row if row is not None and row.case_id == case_id else None


def member_rows(session: Session, *, case_id: str, include_erased: bool = False) -> list[HouseholdMember]:
    stmt = select(HouseholdMember).where(col(HouseholdMember.case_id) == case_id)
    if not include_erased:
        stmt = stmt.where(col(HouseholdMember.erased_at).is_(None))
    return list(session.exec(stmt.order_by(col(HouseholdMember.created_at), col(HouseholdMember.id))).all())


def client_member_rows(session: Session, *, client_id: str) -> list[HouseholdMember]:
    """Every member of every case of the client (erasing the client erases them too)."""
    stmt = (
        select(HouseholdMember)
        .join(Case, col(Case.id) == col(HouseholdMember.case_id))
        .where(col(Case.client_id) == client_id)
    )
    return list(session.exec(stmt).all())


def open_members(vault: Sealer, rows: list[HouseholdMember]) -> list[OpenedMember]:
    """The rows with their sealed fields opened (one key-store query for them all)."""
    wanted = [
        (row.id, label, sealed)
        for row in rows
        for label, sealed in ((NAME, row.name_sealed), (SCHOOL, row.school_sealed), (CONTACTS, row.contacts_sealed))
        if sealed is not None and row.erased_at is None
    ]
    opened = dict(zip(((m, label) for m, label, _ in wanted), vault.open_many(wanted), strict=True))
    out = []
    for row in rows:
        erased = row.erased_at is not None or opened.get((row.id, NAME), "") is None
        name = opened.get((row.id, NAME))
        school = opened.get((row.id, SCHOOL))
        contacts = opened.get((row.id, CONTACTS))
        out.append(
            OpenedMember(
                id=row.id,
                case_id=row.case_id,
                role=row.role,
                birth_year=row.birth_year,
                name=ERASED if erased or name is None else name,
                school=(ERASED if row.school_sealed else None) if erased else school,
                contacts=([ERASED] if row.contacts_sealed else []) if erased else json.loads(contacts or "[]"),
                created_at=row.created_at,
                updated_at=row.updated_at,
                erased=erased,
            )
        )
    return out


def sealed_contacts_of_roles(session: Session, *, case_id: str, roles: frozenset[str]) -> list[tuple[str, str]]:
    """(member id, sealed contacts) of the case's members of ``roles`` that have contacts."""
    stmt = select(col(HouseholdMember.id), col(HouseholdMember.contacts_sealed)).where(
        col(HouseholdMember.case_id) == case_id,
        col(HouseholdMember.role).in_(sorted(roles)),
        col(HouseholdMember.contacts_sealed).is_not(None),
        col(HouseholdMember.erased_at).is_(None),
    )
    return [(member_id, sealed) for member_id, sealed in session.exec(stmt).all() if sealed is not None]
