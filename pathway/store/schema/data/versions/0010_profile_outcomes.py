"""the client's profile and the outcomes at exit and after (issue 14, section 5)

Revision ID: 0010_profile_outcomes
Revises: 0009_appointments
Create Date: 2026-12-06 18:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_profile_outcomes"
down_revision: str | Sequence[str] | None = "0009_appointments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_profiles",
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("entry_sealed", sa.String(), nullable=True),
        sa.Column("exit_sealed", sa.String(), nullable=True),
        sa.Column("exited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("follow_up_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("follow_up_sealed", sa.String(), nullable=True),
        sa.Column("follow_up_recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("follow_up_reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"]),
        sa.PrimaryKeyConstraint("case_id"),
    )
    with op.batch_alter_table("case_profiles", schema=None) as batch_op:
        batch_op.create_index("ix_case_profiles_follow_up_due_at", ["follow_up_due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_profiles_client_id"), ["client_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_profiles_client_id"))
        batch_op.drop_index("ix_case_profiles_follow_up_due_at")
    op.drop_table("case_profiles")
