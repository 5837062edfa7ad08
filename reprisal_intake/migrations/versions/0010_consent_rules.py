"""Consent as the person is told (issue 15): the wording version on each consent row, approval and
cancellation of measures, and item access stanzas (the person's identity sealed as its own item,
readable only by the reviewers its key is sealed to). The new scopes ("other_states_named", "other_states_anonymised") need no
schema change: scopes are codes, and every row recorded before stays valid as it was.

Revision ID: 0010_consent_rules
Revises: 0009_alerts_assessment
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_consent_rules"
down_revision: str | None = "0009_alerts_assessment"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "item_access",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_ref", sa.String(length=24), nullable=False),
        sa.Column("item_id", sa.String(length=32), nullable=False),
        sa.Column("reviewer_id", sa.String(length=32), nullable=False),
        sa.Column("sealed_item_key", sa.LargeBinary(length=80), nullable=False),
        sa.Column("created", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_ref"],
            ["cases.ref"],
            name=op.f("fk_item_access_case_ref_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_item_access_item_id_items"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["reviewers.id"], name=op.f("fk_item_access_reviewer_id_reviewers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_access")),
        sa.UniqueConstraint("item_id", "reviewer_id", name=op.f("uq_item_access_item_id")),
    )
    with op.batch_alter_table("item_access", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_access_case_ref"), ["case_ref"], unique=False)
        batch_op.create_index(batch_op.f("ix_item_access_item_id"), ["item_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_item_access_reviewer_id"), ["reviewer_id"], unique=False
        )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wording", sa.String(length=16), nullable=True))
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approved_by", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("approved_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("cancelled_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("cancel_reason", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("cancelled_by", sa.String(length=32), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_measures_approved_by_users"), "users", ["approved_by"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_measures_cancelled_by_users"), "users", ["cancelled_by"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_measures_cancelled_by_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_measures_approved_by_users"), type_="foreignkey")
        batch_op.drop_column("cancelled_by")
        batch_op.drop_column("cancel_reason")
        batch_op.drop_column("cancelled_on")
        batch_op.drop_column("approved_on")
        batch_op.drop_column("approved_by")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_column("wording")
    op.drop_table("item_access")
