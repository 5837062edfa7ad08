"""Alerts and ownership (issue 16): the on-call rota, content-free alerts about cases, each case's
owner and each account's alert address.

Revision ID: 0008_alerts_assessment
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0008_alerts_assessment"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "on_call",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("mechanism_code", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("starts", sa.Date(), nullable=False),
        sa.Column("ends", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mechanism_code"],
            ["mechanisms.code"],
            name=op.f("fk_on_call_mechanism_code_mechanisms"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_on_call_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_on_call")),
    )
    with op.batch_alter_table("on_call", schema=None) as batch_op:
        batch_op.create_index(
            "ix_on_call_mechanism_starts", ["mechanism_code", "starts"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_on_call_user_id"), ["user_id"], unique=False)

    op.create_table(
        "alerts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_ref", sa.String(length=24), nullable=False),
        sa.Column("mechanism_code", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("recipient_id", sa.String(length=32), nullable=True),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("escalate_after", sa.DateTime(), nullable=True),
        sa.Column("escalated_on", sa.Date(), nullable=True),
        sa.Column("acknowledged_on", sa.Date(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"],
            ["users.id"],
            name=op.f("fk_alerts_acknowledged_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["case_ref"], ["cases.ref"], name=op.f("fk_alerts_case_ref_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["mechanism_code"],
            ["mechanisms.code"],
            name=op.f("fk_alerts_mechanism_code_mechanisms"),
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["users.id"],
            name=op.f("fk_alerts_recipient_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_case_ref"), ["case_ref"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_alerts_escalate_after"), ["escalate_after"], unique=False
        )

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_id", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_cases_owner_id"), ["owner_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_owner_id_users"),
            "users",
            ["owner_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alert_address", sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("alert_address")

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_cases_owner_id_users"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_cases_owner_id"))
        batch_op.drop_column("owner_id")

    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_escalate_after"))
        batch_op.drop_index(batch_op.f("ix_alerts_case_ref"))

    op.drop_table("alerts")
    with op.batch_alter_table("on_call", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_on_call_user_id"))
        batch_op.drop_index("ix_on_call_mechanism_starts")

    op.drop_table("on_call")
