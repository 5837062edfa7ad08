"""Database roles that hold and an audit log no database writer can rewrite.

On PostgreSQL: the functions the row-level security policies of ``reprisal-admin db grant`` call to
know which case a transaction of the intake created (one per transaction), and the pending-uploads
function without its date parameter (the database decides what is abandoned, so a caller cannot
widen what it deletes).

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every function below is SECURITY DEFINER (runs as the schema owner, whom row-level security does
# not restrict) with a pinned search_path, so nobody can slip in their own tables or operators.
DEFINER = "SECURITY DEFINER SET search_path = pg_catalog, public"

# The case each open transaction created: one row per transaction (its top-level id), at most one
# per transaction. Rows of finished transactions are removed by the next claim, so the table holds
# only the transactions in progress and the last finished one.
CASE_CLAIMS = """
CREATE TABLE reprisal_case_claims (
    xact xid8 PRIMARY KEY,
    case_ref varchar(24) NOT NULL
)
"""

# Called by the intake role's INSERT policy on ``cases``: true once per transaction, for a reference
# no case has yet (so an INSERT ... ON CONFLICT DO NOTHING on an existing case claims nothing).
CLAIM_NEW_CASE = f"""
CREATE OR REPLACE FUNCTION reprisal_claim_new_case(new_ref text) RETURNS boolean
LANGUAGE plpgsql VOLATILE {DEFINER} AS $$
BEGIN
  DELETE FROM public.reprisal_case_claims
    WHERE xact <> pg_current_xact_id() AND pg_xact_status(xact) IS DISTINCT FROM 'in progress';
  IF EXISTS (SELECT 1 FROM public.reprisal_case_claims WHERE xact = pg_current_xact_id())
     OR EXISTS (SELECT 1 FROM public.cases WHERE ref = new_ref) THEN
    RETURN false;
  END IF;
  INSERT INTO public.reprisal_case_claims (xact, case_ref) VALUES (pg_current_xact_id(), new_ref);
  RETURN true;
END
$$
"""

NEW_CASE = f"""
CREATE OR REPLACE FUNCTION reprisal_new_case() RETURNS text
LANGUAGE sql STABLE {DEFINER} AS $$
  SELECT case_ref FROM public.reprisal_case_claims WHERE xact = pg_current_xact_id()
$$
"""

# Envelope pieces are written before their item's row (the foreign key is checked at commit): a
# piece may go to an item id no row has yet, or to an item of a case the transaction may write.
CHUNK_WRITABLE = f"""
CREATE OR REPLACE FUNCTION reprisal_chunk_writable(piece_item_id text) RETURNS boolean
LANGUAGE sql STABLE {DEFINER} AS $$
  SELECT NOT EXISTS (SELECT 1 FROM public.items WHERE id = piece_item_id)
      OR EXISTS (
        SELECT 1 FROM public.items i
        WHERE i.id = piece_item_id
          AND (i.case_ref = public.reprisal_new_case()
               OR i.case_ref IN (SELECT t.case_ref FROM public.submitter_tags t
                                 WHERE t.tag = decode(NULLIF(current_setting('reprisal.lookup_tag',
                                                                             true), ''), 'hex')))
      )
$$
"""

PENDING_UPLOADS = f"""
CREATE OR REPLACE FUNCTION reprisal_pending_uploads() RETURNS bigint
LANGUAGE sql VOLATILE {DEFINER} AS $$
  DELETE FROM public.uploads WHERE created < current_date - 1;
  SELECT count(*) FROM public.uploads;
$$
"""

OLD_PENDING_UPLOADS = """
CREATE OR REPLACE FUNCTION reprisal_pending_uploads(abandoned_before date) RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  DELETE FROM public.uploads WHERE created < abandoned_before;
  SELECT count(*) FROM public.uploads;
$$
"""

FUNCTIONS = (
    "reprisal_claim_new_case(text)",
    "reprisal_new_case()",
    "reprisal_chunk_writable(text)",
    "reprisal_pending_uploads()",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CASE_CLAIMS)
        for statement in (CLAIM_NEW_CASE, NEW_CASE, CHUNK_WRITABLE, PENDING_UPLOADS):
            op.execute(statement)
        op.execute("DROP FUNCTION IF EXISTS reprisal_pending_uploads(date)")
        for function in FUNCTIONS:
            op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
        op.execute("REVOKE ALL ON reprisal_case_claims FROM PUBLIC")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for function in FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
        op.execute("DROP TABLE IF EXISTS reprisal_case_claims")
        op.execute(OLD_PENDING_UPLOADS)
        op.execute("REVOKE ALL ON FUNCTION reprisal_pending_uploads(date) FROM PUBLIC")
