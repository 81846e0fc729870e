"""A case's history as the projection wrote it, read back: its events, its stays in each
stage, its visits and the notifications sent about it."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from pathway.store.models import CaseEvent, Notification, StagePeriod, Visit


def case_events(session: Session, *, case_id: str) -> list[CaseEvent]:
    stmt = select(CaseEvent).where(col(CaseEvent.case_id) == case_id).order_by(col(CaseEvent.seq))
    return list(session.exec(stmt).all())


def stage_periods(session: Session, *, case_id: str) -> list[StagePeriod]:
    stmt = select(StagePeriod).where(col(StagePeriod.case_id) == case_id).order_by(col(StagePeriod.seq))
    return list(session.exec(stmt).all())


def get_visit(session: Session, *, case_id: str, seq: int) -> Visit | None:
    return session.exec(select(Visit).where(col(Visit.case_id) == case_id, col(Visit.seq) == seq)).first()


def list_visits(session: Session, *, case_id: str) -> list[Visit]:
    stmt = select(Visit).where(col(Visit.case_id) == case_id).order_by(col(Visit.occurred_at), col(Visit.seq))
    return list(session.exec(stmt).all())


def list_notifications(
    session: Session,
    *,
    case_id: str | None = None,
    recipient: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Notification]:
    """A case's notifications, or a recipient's inbox (a partner id, a coordinator id or
    ``supervisors:<unit_id>``), oldest first."""
    stmt = select(Notification).where(*_notification_filters(case_id, recipient))
    stmt = stmt.order_by(col(Notification.created_at), col(Notification.id)).limit(limit).offset(offset)
    return list(session.exec(stmt).all())


def count_notifications(session: Session, *, case_id: str | None = None, recipient: str | None = None) -> int:
    """How many notifications ``list_notifications`` would page through."""
    stmt = select(func.count()).select_from(Notification).where(*_notification_filters(case_id, recipient))
    return int(session.exec(stmt).one())


def _notification_filters(case_id: str | None, recipient: str | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if case_id is not None:
        where.append(col(Notification.case_id) == case_id)
    if recipient is not None:
        where.append(col(Notification.partner_id) == recipient)
    return where
