"""A person's inbox in the store: the reminders addressed to them (or to a role they hold),
what they have read, how they want to be told, and the e-mails already sent."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, and_, func, select
from sqlalchemy.sql import Subquery

from pathway.store.db import conflict_insert
from pathway.store.models import Case, InboxRead, Reminder, StaffDigest, StaffMail, StaffNotice, User, utcnow
from pathway.store.tables import table_of

_REMINDERS = table_of(Reminder)
_READS = table_of(InboxRead)
_NOTICES = table_of(StaffNotice)
_MAILS = table_of(StaffMail)
_CASES = table_of(Case)
_USERS = table_of(User)
_DIGESTS = table_of(StaffDigest)


def supervisors_of(unit_id: str) -> str:
    """The inbox of a unit's supervisors (a role, not a person): the recipient of its escalations."""
    return f"supervisors:{unit_id}"


@dataclass(frozen=True, slots=True)
class InboxRow:
    id: int
    case_id: str
    kind: str
    watch: str | None
    stage: str | None  # the case's stage now
    definition_id: str | None
    n: int
    due_at: datetime | None
    at: datetime
    read_at: datetime | None


def _read_of(user_id: str) -> Subquery:
    return select(_READS.c.reminder_id, _READS.c.read_at).where(_READS.c.user_id == user_id).subquery("mine")


def items(
    conn: Connection,
    *,
    user_id: str,
    recipients: Sequence[str],
    unread_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[InboxRow], int, int]:
    """The page of items (newest first), how many there are, and how many are unread."""
    mine = _read_of(user_id)
    base = (
        select(_REMINDERS, mine.c.read_at, _CASES.c.stage, _CASES.c.definition_id)
        .select_from(
            _REMINDERS.outerjoin(mine, mine.c.reminder_id == _REMINDERS.c.id).outerjoin(
                _CASES, _CASES.c.id == _REMINDERS.c.case_id
            )
        )
        .where(_REMINDERS.c.recipient.in_(list(recipients)))
    )
    unread = base.where(mine.c.read_at.is_(None))
    listed = unread if unread_only else base
    rows = conn.execute(
        listed.order_by(_REMINDERS.c.created_at.desc(), _REMINDERS.c.id.desc()).limit(limit).offset(offset)
    ).mappings()
    out = [
        InboxRow(
            id=r["id"],
            case_id=r["case_id"],
            kind=r["kind"],
            watch=r["watch"],
            stage=r["stage"],
            definition_id=r["definition_id"],
            n=r["n"],
            due_at=r["due_at"],
            at=r["at"],
            read_at=r["read_at"],
        )
        for r in rows
    ]
    count = conn.execute(select(func.count()).select_from(listed.subquery())).scalar_one()
    unread_count = conn.execute(select(func.count()).select_from(unread.subquery())).scalar_one()
    return out, int(count), int(unread_count)


def unread_count(conn: Connection, *, user_id: str, recipients: Sequence[str]) -> int:
    return items(conn, user_id=user_id, recipients=recipients, unread_only=True, limit=0)[2]


def addressed_to(conn: Connection, *, reminder_id: int, recipients: Sequence[str]) -> bool:
    stmt = select(_REMINDERS.c.id).where(
        and_(_REMINDERS.c.id == reminder_id, _REMINDERS.c.recipient.in_(list(recipients)))
    )
    return conn.execute(stmt).first() is not None


def mark_read(conn: Connection, *, user_id: str, reminder_ids: Iterable[int]) -> int:
    """Mark the reminders read for the person (again is a no-op); how many were newly read."""
    ids = sorted(set(reminder_ids))
    if not ids:
        return 0
    stmt = (
        conflict_insert(conn, _READS)
        .values([{"user_id": user_id, "reminder_id": i, "read_at": utcnow()} for i in ids])
        .on_conflict_do_nothing(index_elements=["user_id", "reminder_id"])
        .returning(_READS.c.reminder_id)
    )
    return len(conn.execute(stmt).all())


def unread_ids(conn: Connection, *, user_id: str, recipients: Sequence[str]) -> list[int]:
    mine = _read_of(user_id)
    stmt = (
        select(_REMINDERS.c.id)
        .select_from(_REMINDERS.outerjoin(mine, mine.c.reminder_id == _REMINDERS.c.id))
        .where(_REMINDERS.c.recipient.in_(list(recipients)), mine.c.read_at.is_(None))
    )
    return [int(i) for i in conn.execute(stmt).scalars()]


def notice_of(conn: Connection, *, user_id: str) -> StaffNotice:
    row = conn.execute(select(_NOTICES).where(_NOTICES.c.user_id == user_id)).mappings().first()
    return StaffNotice(**row) if row else StaffNotice(user_id=user_id)


def set_notice(conn: Connection, *, user_id: str, channel: str, email: str | None) -> StaffNotice:
    notice = StaffNotice(user_id=user_id, channel=channel, email=email, updated_at=utcnow())
    changes = {"channel": channel, "email": email, "updated_at": notice.updated_at}
    stmt = (
        conflict_insert(conn, _NOTICES)
        .values(user_id=user_id, **changes)
        .on_conflict_do_update(index_elements=["user_id"], set_=changes)
    )
    conn.execute(stmt)
    return notice


def mail_recipients(conn: Connection, *, user_ids: Sequence[str]) -> list[tuple[str, str]]:
    """(user id, address) of the people among ``user_ids`` who are told by e-mail too."""
    stmt = select(_NOTICES.c.user_id, _NOTICES.c.email).where(
        _NOTICES.c.user_id.in_(list(user_ids)), _NOTICES.c.channel == "inbox_and_email", _NOTICES.c.email.is_not(None)
    )
    return [(u, e) for u, e in conn.execute(stmt).all()]


def claim_mail(conn: Connection, *, reminder_id: int, user_id: str) -> bool:
    """Take the right to send the one e-mail about ``reminder_id`` to ``user_id``; False if
    it was taken (sent) before."""
    stmt = (
        conflict_insert(conn, _MAILS)
        .values(reminder_id=reminder_id, user_id=user_id, sent_at=utcnow())
        .on_conflict_do_nothing(index_elements=["reminder_id", "user_id"])
        .returning(_MAILS.c.reminder_id)
    )
    return conn.execute(stmt).first() is not None


def release_mail(conn: Connection, *, reminder_id: int, user_id: str) -> None:
    """The e-mail could not be sent: let a retry try again."""
    conn.execute(_MAILS.delete().where(_MAILS.c.reminder_id == reminder_id, _MAILS.c.user_id == user_id))


def reminder_id_of(conn: Connection, *, case_id: str, seq: int) -> int | None:
    stmt = select(_REMINDERS.c.id).where(_REMINDERS.c.case_id == case_id, _REMINDERS.c.seq == seq)
    found = conn.execute(stmt).scalar()
    return int(found) if found is not None else None


def supervisors_in(conn: Connection, *, unit_id: str) -> list[str]:
    """The ids of the unit's active supervisors (the people behind ``supervisors_of``)."""
    stmt = select(_USERS.c.id, _USERS.c.roles).where(_USERS.c.unit_id == unit_id, _USERS.c.disabled.is_(False))
    return sorted(user_id for user_id, roles in conn.execute(stmt).all() if "supervisor" in (roles or []))


def people_told_by_mail(conn: Connection) -> list[tuple[str, str, str, list[str]]]:
    """(user id, address, unit id, roles) of every active person who chose e-mail."""
    stmt = (
        select(_USERS.c.id, _NOTICES.c.email, _USERS.c.unit_id, _USERS.c.roles)
        .join(_NOTICES, _NOTICES.c.user_id == _USERS.c.id)
        .where(_NOTICES.c.channel == "inbox_and_email", _NOTICES.c.email.is_not(None), _USERS.c.disabled.is_(False))
        .order_by(_USERS.c.id)
    )
    return [(u, e, unit, list(roles or [])) for u, e, unit, roles in conn.execute(stmt).all()]


def coordinators_in(conn: Connection, *, unit_id: str) -> list[str]:
    stmt = select(_USERS.c.id, _USERS.c.roles).where(_USERS.c.unit_id == unit_id, _USERS.c.disabled.is_(False))
    return sorted(user_id for user_id, roles in conn.execute(stmt).all() if "coordinator" in (roles or []))


def claim_digest(conn: Connection, *, user_id: str, day: date, items: int) -> bool:
    """Take the right to send ``user_id`` the digest of ``day``; False if it was sent before."""
    stmt = (
        conflict_insert(conn, _DIGESTS)
        .values(user_id=user_id, day=day, items=items, sent_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id", "day"])
        .returning(_DIGESTS.c.user_id)
    )
    return conn.execute(stmt).first() is not None


def release_digest(conn: Connection, *, user_id: str, day: date) -> None:
    conn.execute(_DIGESTS.delete().where(_DIGESTS.c.user_id == user_id, _DIGESTS.c.day == day))
