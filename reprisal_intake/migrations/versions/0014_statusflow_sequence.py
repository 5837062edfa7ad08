"""Stable ordering (issue 17): measures, State replies and status changes carry their creation sequence within the case,
so same-day rows are listed in the order they were recorded, never by their random ids. Existing rows
are numbered by date, then id (their creation order is not known).

Revision ID: 0014_statusflow_sequence
Revises: 0013_inbox_due_and_links
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_statusflow_sequence"
down_revision: str | None = "0013_inbox_due_and_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, the date rows are listed by)
SEQUENCED = (
    ("measures", "planned_on"),
    ("state_replies", "received_on"),
    ("status_changes", "changed_at"),
)


def upgrade() -> None:
    for table, day in SEQUENCED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("seq", sa.Integer(), nullable=False, server_default="0"))
        op.execute(
            f"UPDATE {table} SET seq = (SELECT COUNT(*) FROM {table} AS earlier"
            f" WHERE earlier.case_ref = {table}.case_ref"
            f" AND (earlier.{day} < {table}.{day}"
            f" OR (earlier.{day} = {table}.{day} AND earlier.id <= {table}.id)))"
        )


def downgrade() -> None:
    for table, _day in SEQUENCED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("seq")
