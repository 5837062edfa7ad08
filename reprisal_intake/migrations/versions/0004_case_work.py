"""Case work: lifecycle, triage, risk assessments, measures and State replies (issue 5).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("closed_reason", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("hold_reason", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("status_before_hold", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("next_review", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("immediate_since", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("last_action_at", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_cases_closed_on"), ["closed_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_next_review"), ["next_review"], unique=False)
        batch_op.create_index(
            "ix_cases_urgency_created_ref", ["urgency", "created", "ref"], unique=False
        )

    op.create_table(
        "status_changes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_ref", sa.String(length=24), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=False),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=True),
        sa.Column("actor_id", sa.String(length=32), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_status_changes_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_ref"],
            ["cases.ref"],
            name=op.f("fk_status_changes_case_ref_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_changes")),
    )
    with op.batch_alter_table("status_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_status_changes_case_ref"), ["case_ref"], unique=False)

    op.create_table(
        "risk_assessments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_ref", sa.String(length=24), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("likelihood", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("next_review", sa.Date(), nullable=False),
        sa.Column("narrative_item_id", sa.String(length=32), nullable=True),
        sa.Column("assessed_by", sa.String(length=32), nullable=True),
        sa.Column("assessed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessed_by"], ["users.id"], name=op.f("fk_risk_assessments_assessed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_ref"],
            ["cases.ref"],
            name=op.f("fk_risk_assessments_case_ref_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["narrative_item_id"],
            ["items.id"],
            name=op.f("fk_risk_assessments_narrative_item_id_items"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_assessments")),
        sa.UniqueConstraint("case_ref", "version", name=op.f("uq_risk_assessments_case_ref")),
    )
    with op.batch_alter_table("risk_assessments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_risk_assessments_case_ref"), ["case_ref"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_risk_assessments_next_review"), ["next_review"], unique=False
        )

    op.create_table(
        "measures",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_ref", sa.String(length=24), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("consent_scope", sa.String(length=32), nullable=False),
        sa.Column("mechanism_code", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("channel", sa.String(length=24), nullable=True),
        sa.Column("action_risk", sa.String(length=16), nullable=True),
        sa.Column("consent_confirmed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("reply_due", sa.Date(), nullable=True),
        sa.Column("reply_grade", sa.String(length=1), nullable=True),
        sa.Column("reply_on", sa.Date(), nullable=True),
        sa.Column("details_item_id", sa.String(length=32), nullable=True),
        sa.Column("risk_note_item_id", sa.String(length=32), nullable=True),
        sa.Column("recorded_by", sa.String(length=32), nullable=True),
        sa.Column("sent_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_ref"], ["cases.ref"], name=op.f("fk_measures_case_ref_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["details_item_id"],
            ["items.id"],
            name=op.f("fk_measures_details_item_id_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["mechanism_code"],
            ["mechanisms.code"],
            name=op.f("fk_measures_mechanism_code_mechanisms"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_measures_recorded_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["risk_note_item_id"],
            ["items.id"],
            name=op.f("fk_measures_risk_note_item_id_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["sent_by"], ["users.id"], name=op.f("fk_measures_sent_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measures")),
    )
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_measures_case_ref"), ["case_ref"], unique=False)
        batch_op.create_index(batch_op.f("ix_measures_reply_due"), ["reply_due"], unique=False)


def downgrade() -> None:
    op.drop_table("measures")
    op.drop_table("risk_assessments")
    op.drop_table("status_changes")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_urgency_created_ref")
        batch_op.drop_index(batch_op.f("ix_cases_next_review"))
        batch_op.drop_index(batch_op.f("ix_cases_closed_on"))
        batch_op.drop_column("last_action_at")
        batch_op.drop_column("immediate_since")
        batch_op.drop_column("next_review")
        batch_op.drop_column("status_before_hold")
        batch_op.drop_column("hold_reason")
        batch_op.drop_column("closed_reason")
        batch_op.drop_column("closed_on")
