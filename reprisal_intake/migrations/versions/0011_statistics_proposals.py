"""Statistics coding proposed from the report (issue 16): a coding is stored when a focal point opens
the case, as unconfirmed until a focal point confirms it. Existing codings were confirmed by hand.

Revision ID: 0011_statistics_proposals
Revises: 0010_consent_rules
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_statistics_proposals"
down_revision: str | None = "0010_consent_rules"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_statistics") as batch:
        batch.add_column(
            sa.Column("confirmed", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("case_statistics") as batch:
        batch.drop_column("confirmed")
