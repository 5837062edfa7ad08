"""Statistics coding of cases, and each account's preferred language (issue 7).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_statistics",
        sa.Column("case_ref", sa.String(length=24), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=True),
        sa.Column("victim_type", sa.String(length=16), nullable=True),
        sa.Column("individuals", sa.Integer(), nullable=False),
        sa.Column("organisations", sa.Integer(), nullable=False),
        sa.Column("women_girls", sa.Integer(), nullable=False),
        sa.Column("gender", sa.String(length=16), nullable=True),
        sa.Column("age_band", sa.String(length=16), nullable=True),
        sa.Column(
            "anonymity_requested", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
        sa.Column("setting", sa.String(length=8), nullable=True),
        sa.Column("acts", sa.String(length=512), nullable=False),
        sa.Column("perpetrators", sa.String(length=256), nullable=False),
        sa.Column("coded_by", sa.String(length=32), nullable=True),
        sa.Column("coded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_ref"],
            ["cases.ref"],
            name=op.f("fk_case_statistics_case_ref_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["coded_by"],
            ["users.id"],
            name=op.f("fk_case_statistics_coded_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("case_ref", name=op.f("pk_case_statistics")),
    )
    with op.batch_alter_table("case_statistics", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_statistics_state"), ["state"], unique=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("language")
    with op.batch_alter_table("case_statistics", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_statistics_state"))
    op.drop_table("case_statistics")
