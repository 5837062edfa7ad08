"""Alerts and ownership, assessment and the Secretary-General's report (issue 16): the on-call rota,
content-free alerts about cases, each case's owner and each account's alert address; assessments,
report inclusions and State replies (replies recorded on measures before are copied in).

Revision ID: 0009_alerts_assessment
Revises: 0008_reader_records
Create Date: 2026-12-02
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0009_alerts_assessment"
down_revision: str | None = "0008_reader_records"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Mechanisms the Secretary-General's reports deal with that the first list lacked (a frozen copy;
# existing codes are untouched). Positions follow the 23 of 0001.
NEW_MECHANISMS = [
    ("COI", "Commissions of inquiry, fact-finding and investigative mechanisms", "charter"),
    ("UNSC", "Security Council", "charter"),
    ("UNPFII", "Permanent Forum on Indigenous Issues", "charter"),
    ("EMRIP", "Expert Mechanism on the Rights of Indigenous Peoples", "charter"),
    ("CNGO", "ECOSOC Committee on Non-Governmental Organizations", "charter"),
    ("ILO", "International Labour Organization supervisory bodies", "agency"),
    ("UNESCO", "UNESCO procedure on human rights communications", "agency"),
    ("UNVFVT", "United Nations Voluntary Fund for Victims of Torture", "charter"),
    ("AFCHPR", "African Court on Human and Peoples' Rights", "regional"),
    ("ACERWC", "African Committee of Experts on the Rights and Welfare of the Child", "regional"),
    ("CPT", "European Committee for the Prevention of Torture (Council of Europe)", "regional"),
    ("ODIHR", "OSCE Office for Democratic Institutions and Human Rights", "regional"),
]
FIRST_NEW_POSITION = 23


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

    op.create_table(
        "assessments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_ref", sa.String(length=24), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("assessed_by", sa.String(length=32), nullable=True),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessed_by"],
            ["users.id"],
            name=op.f("fk_assessments_assessed_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["case_ref"],
            ["cases.ref"],
            name=op.f("fk_assessments_case_ref_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
        sa.UniqueConstraint("case_ref", "seq", name=op.f("uq_assessments_case_ref")),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessments_case_ref"), ["case_ref"], unique=False)

    op.create_table(
        "report_inclusions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_ref", sa.String(length=24), nullable=False),
        sa.Column("period", sa.String(length=9), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("document_symbol", sa.String(length=32), nullable=True),
        sa.Column("paragraph", sa.String(length=32), nullable=True),
        sa.Column("follows_up_id", sa.String(length=32), nullable=True),
        sa.Column("follows_up_reference", sa.String(length=64), nullable=True),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_ref"],
            ["cases.ref"],
            name=op.f("fk_report_inclusions_case_ref_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["users.id"],
            name=op.f("fk_report_inclusions_decided_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["follows_up_id"],
            ["report_inclusions.id"],
            name=op.f("fk_report_inclusions_follows_up_id_report_inclusions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_inclusions")),
        sa.UniqueConstraint("case_ref", "period", name=op.f("uq_report_inclusions_case_ref")),
    )
    with op.batch_alter_table("report_inclusions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_inclusions_case_ref"), ["case_ref"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_report_inclusions_period"), ["period"], unique=False)

    op.create_table(
        "state_replies",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_ref", sa.String(length=24), nullable=False),
        sa.Column("measure_id", sa.String(length=32), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("text_item_id", sa.String(length=32), nullable=True),
        sa.Column("file_item_id", sa.String(length=32), nullable=True),
        sa.Column("recorded_by", sa.String(length=32), nullable=True),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_ref"],
            ["cases.ref"],
            name=op.f("fk_state_replies_case_ref_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["file_item_id"],
            ["items.id"],
            name=op.f("fk_state_replies_file_item_id_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["measures.id"],
            name=op.f("fk_state_replies_measure_id_measures"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users.id"],
            name=op.f("fk_state_replies_recorded_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["text_item_id"],
            ["items.id"],
            name=op.f("fk_state_replies_text_item_id_items"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_state_replies")),
    )
    with op.batch_alter_table("state_replies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_state_replies_case_ref"), ["case_ref"], unique=False)

    mechanisms = sa.table(
        "mechanisms",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("group", sa.String),
        sa.column("position", sa.Integer),
        sa.column("accepts_reports", sa.Boolean),
    )
    op.bulk_insert(
        mechanisms,
        [
            {
                "code": code,
                "name": name,
                "group": group,
                "position": FIRST_NEW_POSITION + offset,
                "accepts_reports": True,
            }
            for offset, (code, name, group) in enumerate(NEW_MECHANISMS)
        ],
    )

    # State replies recorded before on measures sent to the State (grades A-C with a date) become
    # State replies of their case; the measure keeps its grade and date for the overdue list.
    connection = op.get_bind()
    replies = sa.table(
        "state_replies",
        sa.column("id", sa.String),
        sa.column("case_ref", sa.String),
        sa.column("measure_id", sa.String),
        sa.column("received_on", sa.Date),
        sa.column("grade", sa.String),
        sa.column("recorded_by", sa.String),
        sa.column("recorded_on", sa.Date),
    )
    measures = sa.table(
        "measures",
        sa.column("id", sa.String),
        sa.column("case_ref", sa.String),
        sa.column("reply_grade", sa.String),
        sa.column("reply_on", sa.Date),
    )
    rows = connection.execute(
        sa.select(
            measures.c.id, measures.c.case_ref, measures.c.reply_grade, measures.c.reply_on
        ).where(measures.c.reply_grade.is_not(None), measures.c.reply_on.is_not(None))
    ).all()
    if rows:
        op.bulk_insert(
            replies,
            [
                {
                    "id": secrets.token_urlsafe(16),
                    "case_ref": case_ref,
                    "measure_id": measure_id,
                    "received_on": reply_on,
                    "grade": grade,
                    "recorded_by": None,
                    "recorded_on": reply_on,
                }
                for measure_id, case_ref, grade, reply_on in rows
            ],
        )


def downgrade() -> None:
    # The added mechanisms go only if no case, reviewer or account names them.
    codes = ", ".join(f"'{code}'" for code, _name, _group in NEW_MECHANISMS)
    op.execute(
        f"DELETE FROM mechanisms WHERE code IN ({codes}) AND code NOT IN "
        "(SELECT mechanism_code FROM case_mechanisms UNION SELECT mechanism_code FROM "
        "reviewer_mechanisms UNION SELECT mechanism_code FROM user_mechanisms)"
    )
    with op.batch_alter_table("state_replies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_state_replies_case_ref"))

    op.drop_table("state_replies")
    with op.batch_alter_table("report_inclusions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_inclusions_period"))
        batch_op.drop_index(batch_op.f("ix_report_inclusions_case_ref"))

    op.drop_table("report_inclusions")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessments_case_ref"))

    op.drop_table("assessments")
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
