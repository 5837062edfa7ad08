"""Reader records (issue 14): each reviewer key's record signed by the organisation key, and signed
revocations (docs/spec/reader-record-v1.md). A key without a valid record is never sealed to.

Revision ID: 0008_reader_records
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_reader_records"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reviewers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("record", sa.Text(), nullable=True))
    op.create_table(
        "reader_revocations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("created", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reader_revocations")),
    )
    with op.batch_alter_table("reader_revocations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reader_revocations_public_key"), ["public_key"], unique=False
        )


def downgrade() -> None:
    op.drop_table("reader_revocations")
    with op.batch_alter_table("reviewers", schema=None) as batch_op:
        batch_op.drop_column("record")
