"""Reads and writes of a case's profile and outcomes (``case_profiles``): sealed under the
client's key on the way in, opened for people's screens and the reports on the way out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from pathway.store.models import Case, CaseProfile
from pathway.store.sealing import Sealer

ENTRY, EXIT, FOLLOW_UP = "profile.entry", "profile.exit", "profile.follow_up"


@dataclass(frozen=True)
class OpenedProfile:
    """A case's profile opened: the entry as JSON text, the statuses as codes. ``erased``: the
    client's key is gone and nothing could be opened."""

    entry: str | None
    exit_status: str | None
    exited_at: datetime | None
    follow_up_due_at: datetime | None
    follow_up_status: str | None
    follow_up_recorded_at: datetime | None
    erased: bool = False


def keep_entry(session: Session, *, vault: Sealer, case_id: str, client_id: str, entry: str) -> None:
    """The profile recorded at opening (once: a retried opening keeps the first)."""
    if session.get(CaseProfile, case_id) is not None:
        return
    sealed = vault.seal(client_id, ENTRY, entry)
    session.add(CaseProfile(case_id=case_id, client_id=client_id, entry_sealed=sealed))
    session.commit()


def _row(session: Session, *, case_id: str, client_id: str) -> CaseProfile:
    row = session.get(CaseProfile, case_id)
    if row is None:  # a case opened before profiles were recorded
        row = CaseProfile(case_id=case_id, client_id=client_id)
        session.add(row)
    return row


def record_exit(
    session: Session,
    *,
    vault: Sealer,
    case_id: str,
    client_id: str,
    status: str,
    at: datetime,
    follow_up_due_at: datetime | None,
) -> None:
    """The employment status at exit; the moment of the exit is the first one recorded (a
    retried ending does not move it)."""
    row = _row(session, case_id=case_id, client_id=client_id)
    row.exit_sealed = vault.seal(client_id, EXIT, status)
    if row.exited_at is None:
        row.exited_at, row.follow_up_due_at = at, follow_up_due_at
    session.commit()


def exit_recorded(session: Session, *, case_id: str) -> bool:
    """Whether the case's end was recorded (the projection of its close may still be on its way)."""
    row = session.get(CaseProfile, case_id)
    return row is not None and row.exited_at is not None


def record_follow_up(
    session: Session, *, vault: Sealer, case_id: str, client_id: str, status: str, at: datetime
) -> None:
    row = _row(session, case_id=case_id, client_id=client_id)
    row.follow_up_sealed = vault.seal(client_id, FOLLOW_UP, status)
    row.follow_up_recorded_at = at
    session.commit()


def _sealed(row: CaseProfile) -> list[tuple[str, str | None]]:
    return [(ENTRY, row.entry_sealed), (EXIT, row.exit_sealed), (FOLLOW_UP, row.follow_up_sealed)]


def opened_many(vault: Sealer, rows: Sequence[CaseProfile]) -> list[OpenedProfile]:
    """The rows opened, with one call to the vault for all of them."""
    values = iter(vault.open_many([(r.client_id, f, v) for r in rows for f, v in _sealed(r) if v is not None]))
    out = []
    for row in rows:
        texts = [None if v is None else next(values) for _, v in _sealed(row)]
        erased = any(t is None and v is not None for t, (_, v) in zip(texts, _sealed(row), strict=True))
        entry, exit_status, follow_up = (None, None, None) if erased else texts
        out.append(
            OpenedProfile(
                entry=entry,
                exit_status=exit_status,
                exited_at=row.exited_at,
                follow_up_due_at=row.follow_up_due_at,
                follow_up_status=follow_up,
                follow_up_recorded_at=row.follow_up_recorded_at,
                erased=erased,
            )
        )
    return out


def read(session: Session, *, vault: Sealer, case_id: str) -> OpenedProfile | None:
    row = session.get(CaseProfile, case_id)
    return None if row is None else opened_many(vault, [row])[0]


def of_cases(session: Session, *, vault: Sealer, case_ids: Sequence[str]) -> dict[str, OpenedProfile]:
    """The opened profiles of these cases (those that have one)."""
    rows: list[CaseProfile] = []
    for start in range(0, len(case_ids), 500):
        chunk = case_ids[start : start + 500]
        rows += session.exec(select(CaseProfile).where(col(CaseProfile.case_id).in_(chunk))).all()
    return {row.case_id: p for row, p in zip(rows, opened_many(vault, rows), strict=True)}


@dataclass(frozen=True)
class FollowUpDue:
    case_id: str
    unit_id: str
    coordinator_id: str
    stage: str
    due_at: datetime


def follow_ups_due(conn: Connection, *, now: datetime, limit: int = 500) -> list[FollowUpDue]:
    """Ended cases whose status after exit is due, not recorded, and not reminded of yet."""
    rows = conn.execute(
        core_select(
            col(CaseProfile.case_id),
            col(Case.unit_id),
            col(Case.coordinator_id),
            col(Case.stage),
            col(CaseProfile.follow_up_due_at),
        )
        .join(Case, col(Case.id) == col(CaseProfile.case_id))
        .where(
            col(CaseProfile.follow_up_due_at) <= now,
            col(CaseProfile.follow_up_recorded_at).is_(None),
            col(CaseProfile.follow_up_reminded_at).is_(None),
        )
        .order_by(col(CaseProfile.follow_up_due_at), col(CaseProfile.case_id))
        .limit(limit)
    )
    return [
        FollowUpDue(case_id, unit, coordinator, stage, due) for case_id, unit, coordinator, stage, due in rows if due
    ]


def mark_reminded(conn: Connection, *, case_id: str, at: datetime) -> None:
    conn.execute(
        update(CaseProfile)
        .where(col(CaseProfile.case_id) == case_id, col(CaseProfile.follow_up_reminded_at).is_(None))
        .values(follow_up_reminded_at=at)
    )
