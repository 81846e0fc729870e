"""The stalled audit's two plan rules as branches of its one statement
(``pathway.readmodels.stalled``): each gives the active cases late past the visit grace (when
the supervisor is told), each case once, with the first late instant as ``started``.

- ``action_overdue``: a planned action of the plan (``plan_actions.due_at``), since the earliest;
- ``review_overdue``: the plan's review (``plan_reviews.due_at``, ``pathway.core.plan.review_due_at``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, or_
from sqlalchemy import select as core_select
from sqlmodel import col

from pathway.readmodels.stalled_finish import columns
from pathway.store.models import Case, PlanActionRow, PlanReviewRow

Range = tuple[datetime | None, datetime]


def _within(due: Any, ranges: list[Range]) -> ColumnElement[bool]:
    return or_(*(due < hi if lo is None else and_(due >= lo, due < hi) for lo, hi in ranges))


def late_actions(number: int, weight: int, ranges: list[Range], where: list[ColumnElement[bool]], answers: Any) -> Any:
    """The active cases with a planned action due in ``ranges`` (past the grace): each case
    once, since its earliest late action (``plan_actions.due_at``, the first late instant),
    its days from that action's day (``plan_actions.due_on``).

    The late actions are found first (a range scan of ``ix_plan_actions_status_due_at``) and
    grouped by case, then their cases looked up by key: joined the other way round, the
    grouping by case made the database walk every case in key order."""
    due = col(PlanActionRow.due_at)
    # Grouped by an expression of the case id, not the column: grouped by the column, SQLite
    # reads all of plan_actions in its key order (case_id, action_id) to save a sort.
    case_id = (col(PlanActionRow.case_id) + literal("")).label("case_id")
    late = (
        core_select(case_id, func.min(due).label("first_due"), func.min(col(PlanActionRow.due_on)).label("first_day"))
        .where(col(PlanActionRow.status) == "planned", _within(due, ranges))
        .group_by(case_id)
        .subquery("late_actions")
    )
    days = None if answers is None else answers.days(late.c.first_day)
    return (
        core_select(*columns(number, "action_overdue", weight, late.c.first_due, late.c.first_due, days))
        .select_from(late)
        .join(Case, col(Case.id) == late.c.case_id)
        .where(col(Case.status) == "active", *where)
    )


def late_review(number: int, weight: int, ranges: list[Range], where: list[ColumnElement[bool]], answers: Any) -> Any:
    """The active cases whose plan's review fell due in ``ranges`` (past the grace), since the
    review's first late instant (``plan_reviews.due_at``: one row a case, the latest version's),
    its days from the review's last day on time (``plan_reviews.due_on``)."""
    due = col(PlanReviewRow.due_at)
    days = None if answers is None else answers.days(col(PlanReviewRow.due_on))
    return (
        core_select(*columns(number, "review_overdue", weight, due, due, days))
        .join(PlanReviewRow, col(PlanReviewRow.case_id) == col(Case.id))
        .where(col(Case.status) == "active", _within(due, ranges), *where)
    )


PLAN_RULES = {"action_overdue": late_actions, "review_overdue": late_review}
