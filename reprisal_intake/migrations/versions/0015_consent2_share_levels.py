"""Share levels (issue 15, point 4 and 5): what part of a case a mechanism received (a summary, the
full case without the person's identity, or with it), whether the internal record (notes, risk
narratives) went with it, and the do-no-harm steps of the sharing (its own risk, a second person's
approval). A share is proposed, approved when the rule asks for it, then shared.

Revision ID: 0015_consent2_share_levels
Revises: 0014_statusflow_sequence
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_consent2_share_levels"
down_revision: str | None = "0014_statusflow_sequence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_shares", schema=None) as batch_op:
        # Shares made before levels existed sealed the case key: the full case (the identity went
        # only with its own stanzas, which the focal point chose): set after the columns exist.
        batch_op.add_column(
            sa.Column("part", sa.String(length=24), server_default="without_identity", nullable=False)
        )
        batch_op.add_column(
            sa.Column("internal_record", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), server_default="shared", nullable=False)
        )
        batch_op.add_column(sa.Column("action_risk", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("proposed_by", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("approved_by", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("approved_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("summary_item_id", sa.String(length=32), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_case_shares_proposed_by_users"),
            "users",
            ["proposed_by"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_case_shares_approved_by_users"),
            "users",
            ["approved_by"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_case_shares_summary_item_id_items"),
            "items",
            ["summary_item_id"],
            ["id"],
            ondelete="SET NULL",
        )
    # Say truthfully what earlier shares gave: the case key opened every note and risk narrative
    # then (all were sealed to it), and the identity went where its own stanzas went.
    op.execute("UPDATE case_shares SET internal_record = TRUE")
    op.execute(
        """
        UPDATE case_shares SET part = 'with_identity'
        WHERE EXISTS (
            SELECT 1 FROM item_access
            JOIN items ON items.id = item_access.item_id
            JOIN reviewer_mechanisms
                ON reviewer_mechanisms.reviewer_id = item_access.reviewer_id
            WHERE items.case_ref = case_shares.case_ref
                AND items.kind = 'identity'
                AND reviewer_mechanisms.mechanism_code = case_shares.mechanism_code
        )
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("case_shares", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_case_shares_summary_item_id_items"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_case_shares_approved_by_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_case_shares_proposed_by_users"), type_="foreignkey")
        for column in (
            "summary_item_id",
            "approved_on",
            "approved_by",
            "proposed_by",
            "action_risk",
            "status",
            "internal_record",
            "part",
        ):
            batch_op.drop_column(column)
