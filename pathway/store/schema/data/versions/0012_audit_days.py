"""the stalled audit's answers stored with each case (local due days, when the inactivity
and pause limits end), so its rows come back from SQL finished; an index of the late
planned actions

Rows written before this revision have them empty: the audit computes those rows itself (the
same numbers, as before), and ``pathway db upgrade`` fills them from the catalog's
definitions (``pathway.app.audit_days.fill_audit_days``); the projection keeps them up to
date from then on.

Revision ID: 0012_audit_days
Revises: 0011_plan_review
Create Date: 2026-12-06 21:40:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0012_audit_days"
down_revision: str | Sequence[str] | None = "0011_plan_review"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS: list[tuple[str, Any]] = [
    ("due_zone", sa.String()),
    ("stage_due_on", sa.Date()),
    ("next_visit_due_on", sa.Date()),
    ("inactive_limit", sa.String()),
    ("inactive_since", sa.DateTime(timezone=True)),
    ("inactive_since_on", sa.Date()),
    ("pause_limit", sa.String()),
    ("pause_ends_at", sa.DateTime(timezone=True)),
    ("pause_ends_on", sa.Date()),
]


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for name, kind in _COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=True))
    # action_overdue: the late planned actions as a range scan (joined from the cases'
    # side, the audit walked every case).
    with op.batch_alter_table("plan_actions", schema=None) as batch_op:
        batch_op.create_index("ix_plan_actions_status_due_at", ["status", "due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("plan_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_actions_status_due_at")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for name, _kind in reversed(_COLUMNS):
            batch_op.drop_column(name)
