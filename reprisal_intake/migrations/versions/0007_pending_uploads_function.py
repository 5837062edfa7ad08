"""On PostgreSQL, a function that deletes abandoned browser uploads and counts the pending ones, so that
the intake's role needs no read access to other people's uploads (row-level security on ``uploads`` and
``upload_parts``, applied by ``reprisal-admin db grant``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SECURITY DEFINER: runs as the schema owner, whom row-level security does not restrict. It takes no
# id and returns only a number; search_path is pinned so that nobody can slip in their own tables.
PENDING_UPLOADS = """
CREATE OR REPLACE FUNCTION reprisal_pending_uploads(abandoned_before date) RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  DELETE FROM public.uploads WHERE created < abandoned_before;
  SELECT count(*) FROM public.uploads;
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PENDING_UPLOADS)
        op.execute("REVOKE ALL ON FUNCTION reprisal_pending_uploads(date) FROM PUBLIC")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS reprisal_pending_uploads(date)")
