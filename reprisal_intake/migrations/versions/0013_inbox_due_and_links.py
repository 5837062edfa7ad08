"""The case list as an inbox (issue 17): each case's next action due, kept in a column with its
reason so the list filters and orders on an index; indexes for the owner filters; and links between
cases (possible duplicates, and two cases linked as one matter, both kept).

Existing cases get their next action due computed from their stored dates (as
reprisal_intake/next_due.py did on 2026-12-02).

Revision ID: 0013_inbox_due_and_links
Revises: 0012_audit_and_secrets
Create Date: 2026-12-02
"""

import datetime
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_inbox_due_and_links"
down_revision: str | None = "0012_audit_and_secrets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIAGE_DAYS = {"immediate": 1, "urgent": 2}


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("next_due", sa.Date(), nullable=True))
        batch.add_column(sa.Column("next_due_reason", sa.String(16), nullable=True))
    op.create_index("ix_cases_owner_created_ref", "cases", ["owner_id", "created", "ref"])
    op.create_index("ix_cases_next_due_ref", "cases", ["next_due", "ref"])
    op.create_table(
        "case_links",
        sa.Column(
            "case_ref",
            sa.String(24),
            sa.ForeignKey("cases.ref", ondelete="CASCADE", name="fk_case_links_case_ref_cases"),
            primary_key=True,
        ),
        sa.Column(
            "other_ref",
            sa.String(24),
            sa.ForeignKey("cases.ref", ondelete="CASCADE", name="fk_case_links_other_ref_cases"),
            primary_key=True,
        ),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column(
            "linked_by",
            sa.String(32),
            sa.ForeignKey("users.id", ondelete="SET NULL", name="fk_case_links_linked_by_users"),
            nullable=True,
        ),
        sa.Column("linked_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("case_ref", "other_ref", "kind", name="pk_case_links"),
    )
    op.create_index("ix_case_links_other_ref", "case_links", ["other_ref"])
    _backfill(op.get_bind())


def _as_date(value: object) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def _after(day: object, days: int) -> datetime.date | None:
    start = _as_date(day)
    return None if start is None else start + datetime.timedelta(days=days)


def _backfill(bind: sa.Connection) -> None:
    replies: dict[str, object] = dict(
        bind.execute(
            sa.text(
                "SELECT case_ref, min(reply_due) FROM measures WHERE status = 'sent' "
                "AND reply_grade IS NULL AND reply_due IS NOT NULL GROUP BY case_ref"
            )
        ).all()
    )
    periods: dict[str, list[int | None]] = {}
    for ref, days in bind.execute(
        sa.text(
            "SELECT cm.case_ref, m.retention_days FROM case_mechanisms cm "
            "JOIN mechanisms m ON m.code = cm.mechanism_code"
        )
    ):
        periods.setdefault(ref, []).append(days)
    cases = bind.execute(
        sa.text("SELECT ref, status, urgency, created, next_review, closed_on FROM cases")
    ).all()
    for ref, status, urgency, created, next_review, closed_on in cases:
        candidates: list[tuple[datetime.date | None, int, str]]
        if status == "closed":
            kept = periods.get(ref, [])
            end = None
            if closed_on is not None and kept and all(d is not None for d in kept):
                longest = max(d for d in kept if d is not None)
                end = _after(closed_on, longest + (1 if longest else 0))
            candidates = [(end, 3, "retention")]
        else:
            triage = (
                _after(created, TRIAGE_DAYS[urgency])
                if status == "received" and urgency in TRIAGE_DAYS
                else None
            )
            candidates = [
                (triage, 0, "triage"),
                (_as_date(next_review), 1, "risk_review"),
                (_as_date(replies.get(ref)), 2, "state_reply"),
            ]
        dated = sorted((d, o, r) for d, o, r in candidates if d is not None)
        if dated:
            bind.execute(
                sa.text("UPDATE cases SET next_due = :day, next_due_reason = :reason WHERE ref = :ref"),
                {"day": dated[0][0], "reason": dated[0][2], "ref": ref},
            )


def downgrade() -> None:
    op.drop_index("ix_case_links_other_ref", table_name="case_links")
    op.drop_table("case_links")
    op.drop_index("ix_cases_next_due_ref", table_name="cases")
    op.drop_index("ix_cases_owner_created_ref", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("next_due_reason")
        batch.drop_column("next_due")
