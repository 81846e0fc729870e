"""The forecast's starting point: the unit's open cases as the projection shows them (their
stage and the due moments of their clocks), read in one statement, no ORM objects."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session, col

from pathway.core.forecast import CaseStart
from pathway.store.models import Case


def open_cases(session: Session, *, unit_id: str, coordinator_id: str | None = None) -> list[CaseStart]:
    """The unit's active cases (a paused case's clocks stand: see ``paused_cases``)."""
    query = select(
        col(Case.id),
        col(Case.definition_id),
        col(Case.definition_version),
        col(Case.coordinator_id),
        col(Case.unit_id),
        col(Case.stage),
        col(Case.opened_at),
        col(Case.stage_entered_at),
        col(Case.last_activity_at),
        col(Case.stage_due_at),
        col(Case.duration_ends_at),
        col(Case.next_visit_due_at),
    ).where(col(Case.unit_id) == unit_id, col(Case.status) == "active")
    if coordinator_id is not None:
        query = query.where(col(Case.coordinator_id) == coordinator_id)
    return [CaseStart(*row) for row in session.execute(query.order_by(col(Case.id))).all()]


def paused_cases(session: Session, *, unit_id: str, coordinator_id: str | None = None) -> int:
    query = select(func.count()).select_from(Case).where(col(Case.unit_id) == unit_id, col(Case.status) == "paused")
    if coordinator_id is not None:
        query = query.where(col(Case.coordinator_id) == coordinator_id)
    return int(session.execute(query).scalar_one())
