"""Reads and writes of the SQL store: plain functions, keyword-only arguments.

Write functions commit, so a caller's session never holds a half-done write (and a row the
workflow depends on, like the case row, is visible before the workflow starts).
Audit-sized reads select columns with SQLAlchemy Core instead of loading ORM objects: over
100k cases that is ~5x faster (DESIGN.md).
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, delete, exists, func, or_, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from pathway.store.models import (
    Case,
    Client,
    ClientCreate,
    ClientPublic,
    Note,
    NotePublic,
    Partner,
    PartnerCreate,
    utcnow,
)
from pathway.store.sealing import ERASED, Sealer
from pathway.store.tables import table_of

OPENING = "opening"
_CASE_KEY_NAMESPACE = uuid.UUID("5f0c2a4e-8d1b-4c55-9a57-3c1f3f6f2b10")


def new_id() -> str:
    return uuid.uuid4().hex


def case_id_for_key(*, actor: str, key: str, unit_id: str) -> str:
    """The case id an "open case" request with this idempotency key gets, every time it is
    retried; keys of different people (or of one person in two units) never collide."""
    return uuid.uuid5(_CASE_KEY_NAMESPACE, f"{unit_id}\x00{actor}\x00{key}").hex


def _aware(value: datetime, name: str) -> datetime:
    if value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value


# ---------------------------------------------------------------- cases and clients
def get_case(session: Session, *, case_id: str) -> Case | None:
    return session.get(Case, case_id)


def get_client(session: Session, *, vault: Sealer, client_id: str) -> ClientPublic | None:
    """The client's identity, opened. For people's screens only (record the read in the
    audit trail; never log it). An erased client comes back with ``erased`` set and
    ``ERASED`` in place of every field that had a value."""
    row = session.get(Client, client_id)
    return opened_client(vault, row) if row is not None else None


def opened_client(vault: Sealer, row: Any) -> ClientPublic:
    """A client's row (the ORM's or a Core row of the same columns), its identity opened."""
    fields = (
        ("name", row.name_sealed),
        ("address", row.address_sealed),
        ("phone", row.phone_sealed),
        ("perpetrator_name", row.perpetrator_name_sealed),
        ("perpetrator_contacts", row.perpetrator_contacts_sealed),
    )
    sealed = [(f, v) for f, v in fields if v is not None]
    opened = vault.open_many([(row.id, f"client.{f}", v) for f, v in sealed])
    erased = any(v is None for v in opened)
    plain: dict[str, Any] = {"address": None, "phone": None}
    plain.update({f: ERASED if erased else v for (f, _), v in zip(sealed, opened, strict=True)})
    contacts = plain.pop("perpetrator_contacts", None)
    plain["perpetrator_contacts"] = [] if contacts is None else [ERASED] if erased else json.loads(contacts)
    return ClientPublic(id=row.id, unit_id=row.unit_id, created_at=row.created_at, erased=erased, **plain)


def client_names(session: Session, *, vault: Sealer, client_ids: Iterable[str]) -> dict[str, str]:
    """Names for a page of cases, in one query to each database. For people's screens only:
    never log them. An erased client's name is ``ERASED``."""
    ids = sorted(set(client_ids))
    if not ids:
        return {}
    rows = list(
        session.connection().execute(
            core_select(col(Client.id), col(Client.name_sealed)).where(col(Client.id).in_(ids))
        )
    )
    names = vault.open_many([(client_id, "client.name", sealed) for client_id, sealed in rows])
    return {client_id: ERASED if name is None else name for (client_id, _), name in zip(rows, names, strict=True)}


def list_cases(
    session: Session,
    *,
    unit_id: str | None = None,
    coordinator_id: str | None = None,
    status: str | None = None,
    definition_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Case], int]:
    """A page of cases, newest first, and the number of all that match."""
    where: list[ColumnElement[bool]] = []
    if unit_id is not None:
        where.append(col(Case.unit_id) == unit_id)
    if coordinator_id is not None:
        where.append(col(Case.coordinator_id) == coordinator_id)
    if status is not None:
        where.append(col(Case.status) == status)
    if definition_id is not None:
        where.append(col(Case.definition_id) == definition_id)
    total = session.exec(select(func.count()).select_from(Case).where(*where)).one()
    page = session.exec(
        select(Case).where(*where).order_by(col(Case.opened_at).desc(), col(Case.id)).limit(limit).offset(offset)
    ).all()
    return list(page), int(total)


def create_client_and_case(
    session: Session,
    *,
    vault: Sealer,
    client: ClientCreate,
    definition_id: str,
    definition_version: int,
    coordinator_id: str,
    initial_stage: str,
    opened_at: datetime | None = None,
    case_id: str | None = None,
    client_id: str | None = None,
) -> tuple[ClientPublic, Case]:
    """Create the client's key, store their identity sealed under it and a placeholder
    ``cases`` row, then commit. Returns the identity as given (opened) and the case.

    Call it BEFORE starting the case's workflow: the projection only upserts the row it
    finds and never sets ``client_id``. The placeholder has status ``opening`` and
    ``last_seq`` 0, so the first projected summary overwrites every workflow-owned column.
    A row still ``opening`` after the start should have projected is a case whose workflow
    never started: find it with ``unstarted_cases`` and remove it with
    ``discard_unstarted_case``."""
    opened_at = _aware(opened_at or utcnow(), "opened_at")
    person_id = client_id or new_id()
    created_key = session.get(Client, person_id) is None  # a key of a client already stored is theirs
    given = {
        "name": client.name,
        "address": client.address,
        "phone": client.phone,
        "perpetrator_name": client.perpetrator_name,
        "perpetrator_contacts": json.dumps(client.perpetrator_contacts) if client.perpetrator_contacts else None,
    }
    sealed = vault.seal_new(person_id, {f"client.{k}": v for k, v in given.items() if v is not None})
    person = Client(
        id=person_id,
        unit_id=client.unit_id,
        created_at=opened_at,
        name_sealed=sealed["client.name"],
        address_sealed=sealed.get("client.address"),
        phone_sealed=sealed.get("client.phone"),
        perpetrator_name_sealed=sealed.get("client.perpetrator_name"),
        perpetrator_contacts_sealed=sealed.get("client.perpetrator_contacts"),
    )
    case = Case(
        id=case_id or new_id(),
        client_id=person.id,
        definition_id=definition_id,
        definition_version=definition_version,
        unit_id=client.unit_id,
        coordinator_id=coordinator_id,
        stage=initial_stage,
        status=OPENING,
        opened_at=opened_at,
        stage_entered_at=opened_at,
        last_activity_at=opened_at,
        last_seq=0,
    )
    try:
        # Core inserts in the session's transaction (the client row first: the case row
        # references it): every open does this, and the unit of work cost more than the rows.
        conn = session.connection()
        conn.execute(table_of(Client).insert(), _row(person))
        conn.execute(table_of(Case).insert(), _row(case))
        session.commit()
    except BaseException:
        session.rollback()
        if created_key:  # no identity was stored under it: do not leave the key behind
            vault.erase(person_id)
        raise
    public = ClientPublic(id=person_id, created_at=opened_at, **client.model_dump())
    return public, case


def _row(model: Client | Case) -> dict[str, Any]:
    """The model's values by its table's columns (what an ORM insert of it writes)."""
    return {c.name: getattr(model, c.name) for c in table_of(type(model)).columns}


def unstarted_cases(session: Session, *, opened_before: datetime, limit: int = 100) -> list[Case]:
    """Cases still ``opening`` (no summary ever projected) that were opened before the cut-off."""
    stmt = (
        select(Case)
        .where(col(Case.status) == OPENING, col(Case.opened_at) < _aware(opened_before, "opened_before"))
        .order_by(col(Case.opened_at))
        .limit(limit)
    )
    return list(session.exec(stmt).all())


def discard_unstarted_case(session: Session, *, case_id: str, vault: Sealer | None = None) -> bool:
    """Delete a case that never started (and its client, if no other case is theirs; with
    ``vault``, the removed client's key is erased too).

    Only a row still ``opening`` is deleted, so a projection that lands meanwhile wins:
    check first that the workflow does not exist. Returns whether a case was removed."""
    case = session.get(Case, case_id)
    if case is None or case.status != OPENING:
        return False
    client_id = case.client_id
    session.exec(delete(Note).where(col(Note.case_id) == case_id))
    removed = session.exec(delete(Case).where(col(Case.id) == case_id, col(Case.status) == OPENING))
    client_removed = 0
    if removed.rowcount and client_id is not None:
        still_used = core_select(col(Case.id)).where(col(Case.client_id) == client_id)
        client_removed = session.exec(delete(Client).where(col(Client.id) == client_id, ~exists(still_used))).rowcount
    session.commit()
    if client_removed and vault is not None and client_id is not None:
        vault.erase(client_id)
    return bool(removed.rowcount)


# ---------------------------------------------------------------- notes
def add_note(
    session: Session,
    *,
    vault: Sealer,
    case_id: str,
    author: str,
    text: str,
    seq: int | None = None,
    note_id: str | None = None,
    created_at: datetime | None = None,
) -> NotePublic:
    """Store free text, sealed under the key of the case's client; pass the returned ``id``
    to the workflow as ``note_id``. Raises ``ClientErased`` once the client is erased (no new
    personal data about them), ``ValueError`` for a case without a client."""
    client_id = client_of_case(session, case_id=case_id)
    if client_id is None:
        raise ValueError(f"case {case_id} has no client to seal its notes for")
    note_id = note_id or new_id()
    created_at = _aware(created_at or utcnow(), "created_at")
    note = Note(
        id=note_id,
        case_id=case_id,
        seq=seq,
        author=author,
        created_at=created_at,
        text_sealed=vault.seal(client_id, _note_field(note_id), text),
    )
    session.add(note)
    session.commit()
    return NotePublic(id=note_id, case_id=case_id, seq=seq, author=author, created_at=created_at, text=text)


def _note_field(note_id: str) -> str:
    return f"note:{note_id}"


def note_text(session: Session, *, vault: Sealer, note_id: str) -> str | None:
    """The text of one note, opened (None: no such note, or its client was erased)."""
    note = session.get(Note, note_id)
    client_id = client_of_case(session, case_id=note.case_id) if note is not None else None
    if note is None or client_id is None:
        return None
    return vault.open(client_id, _note_field(note_id), note.text_sealed)


def attach_note(session: Session, *, note_id: str, seq: int) -> None:
    """Tie a note to the first event of the command it was written with (once: a retried
    command finds its note already tied), so that reading it back can say what it was about."""
    session.exec(update(Note).where(col(Note.id) == note_id, col(Note.seq).is_(None)).values(seq=seq))
    session.commit()


def delete_note(session: Session, *, note_id: str) -> bool:
    """Remove a note whose command was refused, so a refused command leaves no trace."""
    removed = session.exec(delete(Note).where(col(Note.id) == note_id))
    session.commit()
    return bool(removed.rowcount)


def list_notes(session: Session, *, vault: Sealer, case_id: str, newest: int | None = None) -> list[NotePublic]:
    """A case's notes (with ``newest``: only the newest so many), opened, oldest first; once the
    client is erased each reads ``ERASED``."""
    stmt = (
        select(Note, Case.client_id)
        .join(Case, col(Case.id) == col(Note.case_id))
        .where(col(Note.case_id) == case_id)
        .order_by(col(Note.created_at).desc(), col(Note.id).desc())
        .limit(newest)
    )
    rows = list(reversed(session.exec(stmt).all()))
    # Every case has its client (the column is nullable only for the projection's upsert).
    texts = vault.open_many([(str(client_id), _note_field(n.id), n.text_sealed) for n, client_id in rows])
    return [
        NotePublic(
            id=n.id,
            case_id=n.case_id,
            seq=n.seq,
            author=n.author,
            created_at=n.created_at,
            text=ERASED if text is None else text,
            erased=text is None,
        )
        for (n, _), text in zip(rows, texts, strict=True)
    ]


def client_of_case(session: Session, *, case_id: str) -> str | None:
    return session.exec(select(Case.client_id).where(col(Case.id) == case_id)).first()


def client_cases(session: Session, *, client_id: str) -> list[str]:
    """The ids of a client's cases (pseudonymous: ids only)."""
    stmt = select(Case.id).where(col(Case.client_id) == client_id).order_by(col(Case.opened_at), col(Case.id))
    return list(session.exec(stmt).all())


def count_client_notes(session: Session, *, client_id: str) -> int:
    stmt = (
        select(func.count())
        .select_from(Note)
        .join(Case, col(Case.id) == col(Note.case_id))
        .where(col(Case.client_id) == client_id)
    )
    return int(session.exec(stmt).one())


def get_client_row(session: Session, *, client_id: str) -> Client | None:
    """The stored (sealed) row: ids, unit, dates. Opens nothing."""
    return session.get(Client, client_id)


# ---------------------------------------------------------------- partners
def get_partner(session: Session, *, partner_id: str) -> Partner | None:
    return session.get(Partner, partner_id)


def list_partners(
    session: Session,
    *,
    unit_id: str | None = None,
    kind: str | None = None,
    sector: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Partner], int]:
    """Partners by name. With ``unit_id``: that unit's partners and the shared ones."""
    where: list[ColumnElement[bool]] = []
    if unit_id is not None:
        where.append(or_(col(Partner.unit_id) == unit_id, col(Partner.unit_id).is_(None)))
    if kind is not None:
        where.append(col(Partner.kind) == kind)
    if sector is not None:
        where.append(col(Partner.sector) == sector)
    total = session.exec(select(func.count()).select_from(Partner).where(*where)).one()
    page = session.exec(
        select(Partner).where(*where).order_by(col(Partner.name), col(Partner.id)).limit(limit).offset(offset)
    ).all()
    return list(page), int(total)


def create_partner(
    session: Session,
    *,
    partner: PartnerCreate,
    partner_id: str | None = None,
    created_at: datetime | None = None,
    webhook_secret: str | None = None,
) -> Partner:
    """Add a partner. Every partner gets its own signing key, whatever its channel today
    (``webhook_secret``, or a new one); sealed when the session carries the identity vault."""
    from pathway.store.partner_secrets import seal_secret

    pid = partner_id or new_id()
    secret = webhook_secret or secrets.token_urlsafe(32)
    vault = session.info.get("vault")
    row = Partner(
        id=pid,
        created_at=_aware(created_at or utcnow(), "created_at"),
        webhook_secret=seal_secret(vault, pid, secret) if vault is not None else secret,
        **partner.model_dump(),
    )
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def assign_case_row(conn: Connection, *, case_id: str, coordinator_id: str, seq: int) -> None:
    """Show a reassignment the workflow accepted (its event ``seq``) in the case row at once,
    not a projection later: the new coordinator may act, and the old one may not, from the
    moment the answer is given. A row already showing ``seq`` or later is left as it is; the
    projection of ``seq`` then writes the whole summary."""
    table = table_of(Case)
    conn.execute(
        update(table)
        .where(table.c.id == case_id, table.c.last_seq < seq)
        .values(coordinator_id=coordinator_id, last_seq=seq)
    )


def cases_of(
    session: Session, *, unit_id: str, coordinator_id: str, statuses: Iterable[str], ids: list[str] | None = None
) -> dict[str, Case]:
    """The unit's cases of one coordinator in ``statuses`` (oldest first), or, with ``ids``,
    those cases whoever has them (the caller says which of them it may move)."""
    stmt = select(Case).where(col(Case.unit_id) == unit_id)
    if ids is not None:
        stmt = stmt.where(col(Case.id).in_(ids))
    else:
        stmt = stmt.where(col(Case.coordinator_id) == coordinator_id, col(Case.status).in_(list(statuses)))
    return {c.id: c for c in session.exec(stmt.order_by(col(Case.opened_at), col(Case.id))).all()}
