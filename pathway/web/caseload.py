"""What the case lists and the supervisor's dashboard compute from the store's rows.

Urgency (which case comes first) is ``pathway.readmodels.urgency``, shared with the CLI."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session, col

from pathway.readmodels.urgency import CaseRow, rows_by_urgency
from pathway.store.models import Case

__all__ = ["CaseRow", "open_cases_by_stage", "rows_by_urgency"]


def open_cases_by_stage(session: Session, *, unit_id: str) -> dict[str, dict[str, int]]:
    """definition id -> stage -> how many of the unit's cases are open in it."""
    stmt = (
        select(Case.definition_id, Case.stage, func.count())
        .where(col(Case.unit_id) == unit_id, col(Case.status).in_(("active", "paused")))
        .group_by(Case.definition_id, Case.stage)
    )
    out: dict[str, dict[str, int]] = {}
    for definition_id, stage, n in session.connection().execute(stmt):
        out.setdefault(definition_id, {})[stage] = int(n)
    return out
