"""Routing to further mechanisms, two-way contact and retention of closed cases (issue 5).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mechanisms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retention_days", sa.Integer(), nullable=True))

    op.create_table(
        "case_shares",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_ref", sa.String(length=24), nullable=False),
        sa.Column("mechanism_code", sa.String(length=16), nullable=False),
        sa.Column("shared_on", sa.Date(), nullable=False),
        sa.Column("shared_by", sa.String(length=32), nullable=True),
        sa.Column("unshared_on", sa.Date(), nullable=True),
        sa.Column("unshared_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_ref"],
            ["cases.ref"],
            name=op.f("fk_case_shares_case_ref_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mechanism_code"],
            ["mechanisms.code"],
            name=op.f("fk_case_shares_mechanism_code_mechanisms"),
        ),
        sa.ForeignKeyConstraint(
            ["shared_by"],
            ["users.id"],
            name=op.f("fk_case_shares_shared_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unshared_by"],
            ["users.id"],
            name=op.f("fk_case_shares_unshared_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_shares")),
    )
    with op.batch_alter_table("case_shares", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_shares_case_ref"), ["case_ref"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_shares", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_shares_case_ref"))
    op.drop_table("case_shares")

    with op.batch_alter_table("mechanisms", schema=None) as batch_op:
        batch_op.drop_column("retention_days")
