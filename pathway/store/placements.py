"""Internship places at employers: the ``placements`` projection, read and written.

A placement is a case's partner fact naming an employer. The projection opens a row when
such a fact is set and closes it when the fact is cleared or changed or the case closes;
an employer's places in use are its open rows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, func, select, update
from sqlmodel import Session, col

from pathway.core.events import CaseClosed, Event, FactSet
from pathway.store.db import conflict_insert
from pathway.store.models import Placement
from pathway.store.tables import table_of

EMPLOYER = "employer"
_PLACEMENTS: Table = table_of(Placement)


def places_in_use(session: Session, *, partner_ids: Iterable[str], except_case: str | None = None) -> dict[str, int]:
    """Open placements per employer (every id asked for is in the answer)."""
    ids = sorted(set(partner_ids))
    counts = dict.fromkeys(ids, 0)
    if not ids:
        return counts
    stmt = select(col(Placement.partner_id), func.count()).where(
        col(Placement.partner_id).in_(ids), col(Placement.ended_at).is_(None)
    )
    if except_case is not None:
        stmt = stmt.where(col(Placement.case_id) != except_case)
    for partner_id, n in session.connection().execute(stmt.group_by(Placement.partner_id)):
        counts[partner_id] = int(n)
    return counts


def active_placements(session: Session, *, case_id: str) -> list[Placement]:
    stmt = (
        select(Placement)
        .where(col(Placement.case_id) == case_id, col(Placement.ended_at).is_(None))
        .order_by(col(Placement.seq))
    )
    return list(session.execute(stmt).scalars().all())


def _employer_of(value: Any) -> str | None:
    if isinstance(value, dict) and value.get("partner_kind") == EMPLOYER and isinstance(value.get("partner_id"), str):
        return str(value["partner_id"])
    return None


def _end(conn: Connection, case_id: str, seq: int, at: datetime, fact: str | None = None) -> None:
    p = _PLACEMENTS.c
    where = [p.case_id == case_id, p.ended_at.is_(None), p.seq < seq]
    if fact is not None:
        where.append(p.fact == fact)
    conn.execute(update(_PLACEMENTS).where(*where).values(ended_at=at, ended_seq=seq))


def project_placements(conn: Connection, case_id: str, events: Iterable[Event]) -> None:
    """Apply a batch of a case's events (in seq order) to its placements. Idempotent: a row
    is keyed by its event's seq and only rows older than the ending event are ended."""
    for event in sorted(events, key=lambda e: e.seq):
        if isinstance(event, FactSet):
            employer = _employer_of(event.value)
            p = _PLACEMENTS.c
            current = conn.execute(
                select(p.seq, p.partner_id).where(
                    p.case_id == case_id, p.fact == event.name, p.ended_at.is_(None), p.seq != event.seq
                )
            ).first()
            if current is not None and current.seq < event.seq and current.partner_id == employer:
                continue  # the same employer named again: the same place
            _end(conn, case_id, event.seq, event.at, event.name)
            if employer is not None:
                stmt = (
                    conflict_insert(conn, _PLACEMENTS)
                    .values(case_id=case_id, seq=event.seq, fact=event.name, partner_id=employer, started_at=event.at)
                    .on_conflict_do_nothing(index_elements=["case_id", "seq"])
                )
                conn.execute(stmt)
        elif isinstance(event, CaseClosed):
            _end(conn, case_id, event.seq, event.at)
