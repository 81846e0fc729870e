"""The case's plan in the store: its versions sealed whole (goals and actions are personal
data), and the clear index of the latest version's actions (ids, dates, statuses)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, delete, func, select

from pathway.store.models import PlanActionRow, PlanReviewRow, PlanVersion
from pathway.store.queries import client_of_case
from pathway.store.sealing import Sealer


def _field(case_id: str, version: int) -> str:
    return f"plan:{case_id}:{version}"


def latest_version(session: Session, *, case_id: str) -> int:
    found = session.exec(select(func.max(PlanVersion.version)).where(col(PlanVersion.case_id) == case_id)).one()
    return int(found or 0)


def version_of_command(session: Session, *, case_id: str, command_id: str) -> int | None:
    """The version a command (its Idempotency-Key) made, if it made one."""
    return session.exec(
        select(PlanVersion.version).where(
            col(PlanVersion.case_id) == case_id, col(PlanVersion.command_id) == command_id
        )
    ).first()


def read_version(
    session: Session, *, vault: Sealer, case_id: str, version: int | None = None
) -> tuple[PlanVersion, dict[str, Any] | None] | None:
    """A version of the plan (the latest without ``version``) and its body opened (None once
    the client was erased); None when the case has no such version."""
    stmt = select(PlanVersion).where(col(PlanVersion.case_id) == case_id)
    stmt = (
        stmt.where(col(PlanVersion.version) == version) if version else stmt.order_by(col(PlanVersion.version).desc())
    )
    row = session.exec(stmt.limit(1)).first()
    client_id = client_of_case(session, case_id=case_id)
    if row is None or client_id is None:
        return None
    opened = vault.open(client_id, _field(case_id, row.version), row.body_sealed)
    return row, (json.loads(opened) if opened is not None else None)


def add_version(
    session: Session,
    *,
    vault: Sealer,
    case_id: str,
    version: int,
    agreed_on: date | None,
    author: str,
    command_id: str,
    body: dict[str, Any],
    actions: list[dict[str, Any]],
    review_due: tuple[date, datetime] | None = None,
) -> PlanVersion:
    """Keep a new version (its body sealed) and make its actions the case's index of actions.
    ``actions``: one dict per action with PlanActionRow's fields (no words); ``review_due``:
    the next review's last day on time and first late instant (``pathway.core.plan.review_due_at``),
    None when none is due."""
    client_id = client_of_case(session, case_id=case_id)
    if client_id is None:
        raise ValueError(f"case {case_id} has no client to seal its plan for")
    sealed = vault.seal(client_id, _field(case_id, version), json.dumps(body, ensure_ascii=False, sort_keys=True))
    row = PlanVersion(
        case_id=case_id, version=version, agreed_on=agreed_on, author=author, command_id=command_id, body_sealed=sealed
    )
    session.add(row)
    session.exec(delete(PlanActionRow).where(col(PlanActionRow.case_id) == case_id))
    for a in actions:
        session.add(PlanActionRow(case_id=case_id, version=version, **a))
    session.exec(delete(PlanReviewRow).where(col(PlanReviewRow.case_id) == case_id))
    if review_due is not None and agreed_on is not None:
        due_on, due_at = review_due
        session.add(PlanReviewRow(case_id=case_id, version=version, agreed_on=agreed_on, due_on=due_on, due_at=due_at))
    session.commit()
    return row


def overdue_actions(session: Session, *, case_ids: list[str], now: datetime) -> list[PlanActionRow]:
    """Planned actions of these cases past their due moment at ``now``."""
    return list(
        session.exec(
            select(PlanActionRow).where(
                col(PlanActionRow.case_id).in_(case_ids),
                col(PlanActionRow.status) == "planned",
                col(PlanActionRow.due_at) <= now,
            )
        ).all()
    )
