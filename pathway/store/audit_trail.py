"""The tamper-evident audit trail: who did what, when, on which case, from where.

Entries form one hash chain per unit: each entry's hash covers its own fields and the
previous entry's hash, so editing, deleting or reordering a row breaks the chain at that
row. The chain's head (last seq and hash) is kept in a separate table, so cutting the tail
is caught too. Appends are serialised per unit (on PostgreSQL the head's row lock, ``SELECT ..
FOR UPDATE``, in two round trips: ``audit_append_pg``; on SQLite the write lock taken first,
``pathway.store.locks``), so writers queue instead of racing;
the rare loser of a race the lock cannot cover (the unit's very first entry, a database
that answered "busy") retries on the new head, at most ``APPEND_ATTEMPTS`` times with a
short random backoff (tenacity), then fails loudly: concurrent writers never fork the chain.

``append`` is blocking (it is a transaction); callers on an event loop run it in a thread.

Entries hold ids, codes and addresses of staff machines; never a client's name or notes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, UniqueConstraint, bindparam, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import JSON, Field, Session, SQLModel, col
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from pathway.store import audit_append_pg, locks
from pathway.store.models import UTCDateTime, utcnow
from pathway.store.tables import table_of

GENESIS = "0" * 64
# A race the lock does not cover is rare: a few attempts, a few milliseconds apart.
APPEND_ATTEMPTS = 8


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entries"
    __table_args__ = (UniqueConstraint("unit_id", "seq", name="uq_audit_entries_unit_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: str = Field(index=True)
    seq: int
    at: datetime = Field(sa_type=UTCDateTime)
    actor: str
    action: str  # e.g. case.advance, case.open, client.read, reminder.sent
    case_id: str | None = Field(default=None, index=True)
    address: str | None = None  # the staff machine's IP address, for commands from people
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    prev_hash: str
    hash: str
    # An automatic action retried by Temporal is recorded once: its key is unique when set.
    dedupe_key: str | None = Field(default=None, unique=True)


class AuditHead(SQLModel, table=True):
    """The last entry of each unit's chain: the anchor that makes a cut tail visible."""

    __tablename__ = "audit_heads"

    unit_id: str = Field(primary_key=True)
    seq: int
    hash: str


def entry_hash(
    *,
    unit_id: str,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    case_id: str | None,
    address: str | None,
    details: dict[str, Any],
    prev_hash: str,
) -> str:
    canonical = json.dumps(
        {
            "unit_id": unit_id,
            "seq": seq,
            "at": at.isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "case_id": case_id,
            "address": address,
            "details": details,
            "prev_hash": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# The append's statements, built once: every command a person sends appends, and building a
# statement (its comparisons, then its cache key) anew each time cost a quarter of an append.
_ENTRIES, _HEADS = table_of(AuditEntry), table_of(AuditHead)
_DEDUPED = select(_ENTRIES.c.unit_id, _ENTRIES.c.seq, _ENTRIES.c.hash).where(
    _ENTRIES.c.dedupe_key == bindparam("dedupe_key")
)
_HEAD = select(_HEADS.c.seq, _HEADS.c.hash).where(_HEADS.c.unit_id == bindparam("unit_id"))
# PostgreSQL without a pipeline (a libpq older than 14): the head read under its row lock,
# which serialises the unit's appends, in five round trips.
_HEAD_LOCKED = _HEAD.with_for_update()
_INSERT_ENTRY = _ENTRIES.insert()
_INSERT_HEAD = _HEADS.insert()
# Moved only from the head that was read: a head another writer moved meanwhile is a race.
_MOVE_HEAD = (
    update(_HEADS)
    .where(_HEADS.c.unit_id == bindparam("head_unit"), _HEADS.c.seq == bindparam("head_seq"))
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)


class _Raced(Exception):
    """The head moved between reading and writing it."""


@dataclass(frozen=True)
class Appended:
    unit_id: str
    seq: int
    hash: str


def append(
    engine: Engine,
    *,
    unit_id: str,
    actor: str,
    action: str,
    case_id: str | None = None,
    address: str | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
    dedupe_key: str | None = None,
    attempts: int = APPEND_ATTEMPTS,
) -> Appended:
    """Append one entry to the unit's chain, in its own transaction. With ``dedupe_key``,
    an entry already appended under that key is returned instead of a second one."""
    details = json.loads(json.dumps(details or {}, default=str))  # what is stored is what is hashed
    at = (at or utcnow()).astimezone(UTC)
    retrying = Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait_random_exponential(multiplier=0.002, max=0.05),
        retry=retry_if_exception_type((IntegrityError, OperationalError, _Raced)),
        reraise=True,
    )
    return retrying(
        _append_once,
        engine,
        unit_id=unit_id,
        actor=actor,
        action=action,
        case_id=case_id,
        address=address,
        details=details,
        at=at,
        dedupe_key=dedupe_key,
    )


def _append_once(
    engine: Engine,
    *,
    unit_id: str,
    actor: str,
    action: str,
    case_id: str | None,
    address: str | None,
    details: dict[str, Any],
    at: datetime,
    dedupe_key: str | None,
) -> Appended:
    def entry_for(seq: int, prev: str) -> dict[str, Any]:
        """The entry's row on a head of ``seq - 1`` with hash ``prev``."""
        fields: dict[str, Any] = dict(
            unit_id=unit_id,
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            case_id=case_id,
            address=address,
            details=details,
            prev_hash=prev,
        )
        return {**fields, "hash": entry_hash(**fields), "dedupe_key": dedupe_key}

    postgresql = engine.dialect.name == "postgresql"
    if postgresql and audit_append_pg.supported():
        try:
            return Appended(
                *audit_append_pg.append_once(
                    engine, unit_id=unit_id, dedupe_key=dedupe_key, entry_for=entry_for, genesis=GENESIS
                )
            )
        except audit_append_pg.Raced:
            raise _Raced() from None
    # SQLite (and PostgreSQL without a pipeline): Core statements in one transaction, under
    # SQLite's write lock taken first, or PostgreSQL's row lock on the head.
    with engine.begin() as conn:
        if postgresql:
            head = conn.execute(_HEAD_LOCKED, {"unit_id": unit_id}).first()
        else:
            locks.hold(conn, f"audit:{unit_id}")
            head = conn.execute(_HEAD, {"unit_id": unit_id}).first()
        if dedupe_key is not None:
            done = conn.execute(_DEDUPED, {"dedupe_key": dedupe_key}).first()
            if done is not None:
                return Appended(done.unit_id, done.seq, done.hash)
        row = entry_for(head.seq + 1, head.hash) if head else entry_for(1, GENESIS)
        conn.execute(_INSERT_ENTRY, row)
        if head is None:
            conn.execute(_INSERT_HEAD, {"unit_id": unit_id, "seq": row["seq"], "hash": row["hash"]})
        elif (
            conn.execute(
                _MOVE_HEAD, {"head_unit": unit_id, "head_seq": head.seq, "new_seq": row["seq"], "new_hash": row["hash"]}
            ).rowcount
            != 1
        ):
            raise _Raced()
    return Appended(unit_id, row["seq"], row["hash"])


@dataclass(frozen=True)
class VerifyResult:
    unit_id: str
    entries: int
    ok: bool
    broken_seq: int | None = None
    broken_id: int | None = None
    problem: str | None = None


def verify(engine: Engine, *, unit_id: str) -> VerifyResult:
    """Walk the unit's chain from the start; name the first entry that does not hold."""
    with Session(engine) as session:
        entries = list(
            session.execute(
                select(AuditEntry).where(col(AuditEntry.unit_id) == unit_id).order_by(col(AuditEntry.id))
            ).scalars()
        )
        head = session.get(AuditHead, unit_id)
    present = {e.seq for e in entries}
    prev, expected_seq = GENESIS, 1
    for e in entries:

        def broken(problem: str, e: AuditEntry = e) -> VerifyResult:
            return VerifyResult(unit_id, len(entries), False, e.seq, e.id, problem)

        if e.seq != expected_seq:
            what = "out of order" if expected_seq in present else "missing"
            return broken(f"entry {expected_seq} is {what}: found seq {e.seq} in its place")
        if e.prev_hash != prev:
            return broken("it does not follow the entry before it (prev_hash differs)")
        digest = entry_hash(
            unit_id=e.unit_id,
            seq=e.seq,
            at=e.at,
            actor=e.actor,
            action=e.action,
            case_id=e.case_id,
            address=e.address,
            details=e.details,
            prev_hash=e.prev_hash,
        )
        if digest != e.hash:
            return broken("its content was changed after it was written (hash differs)")
        prev, expected_seq = e.hash, expected_seq + 1
    last_seq = expected_seq - 1
    if head is None:
        if entries:
            return VerifyResult(unit_id, len(entries), False, None, None, "the chain's head record is missing")
        return VerifyResult(unit_id, 0, True)
    if head.seq != last_seq or head.hash != prev:
        return VerifyResult(
            unit_id,
            len(entries),
            False,
            last_seq + 1,
            None,
            f"the chain ends at entry {last_seq} but its head says {head.seq}: entries were cut from the end",
        )
    return VerifyResult(unit_id, len(entries), True)


def units(engine: Engine) -> list[str]:
    with Session(engine) as session:
        heads = set(session.execute(select(col(AuditHead.unit_id))).scalars())
        tails = set(session.execute(select(col(AuditEntry.unit_id)).distinct()).scalars())
    return sorted(heads | tails)
