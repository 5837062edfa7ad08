"""Items the submitter may read back, a per-case item counter, and browser uploads in parts.

The first two let the intake's database role work without reading other rows: it reads back only items
marked ``submitter_readable`` and takes the next item position from ``cases.item_count``. Uploads hold
the ciphertext a browser sends in parts before it commits a report (issue 3).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "uploads",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created", sa.Date(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("parts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uploads")),
    )
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_uploads_created"), ["created"], unique=False)
    op.create_table(
        "upload_parts",
        sa.Column("upload_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["upload_id"],
            ["uploads.id"],
            name=op.f("fk_upload_parts_upload_id_uploads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("upload_id", "seq", name=op.f("pk_upload_parts")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("item_count", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("submitter_readable", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    # Envelope pieces are written before their item's row, which is then inserted once, complete.
    with op.batch_alter_table("envelope_chunks", schema=None) as batch_op:
        batch_op.drop_constraint("fk_envelope_chunks_item_id_items", type_="foreignkey")
        batch_op.create_foreign_key(
            "fk_envelope_chunks_item_id_items",
            "items",
            ["item_id"],
            ["id"],
            ondelete="CASCADE",
            deferrable=True,
            initially="DEFERRED",
        )
    # Replies and follow-ups always carry a submitter stanza. (Files a submitter added in a follow-up
    # before this revision cannot be told apart from the report's files, so they stay unmarked.)
    op.execute("UPDATE items SET submitter_readable = TRUE WHERE kind IN ('reply', 'followup')")
    op.execute(
        "UPDATE cases SET item_count = "
        "(SELECT COALESCE(MAX(items.seq) + 1, 0) FROM items WHERE items.case_ref = cases.ref)"
    )


def downgrade() -> None:
    with op.batch_alter_table("envelope_chunks", schema=None) as batch_op:
        batch_op.drop_constraint("fk_envelope_chunks_item_id_items", type_="foreignkey")
        batch_op.create_foreign_key(
            "fk_envelope_chunks_item_id_items", "items", ["item_id"], ["id"], ondelete="CASCADE"
        )
    op.drop_table("upload_parts")
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_uploads_created"))
    op.drop_table("uploads")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_column("submitter_readable")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("item_count")
