"""Database roles that hold and an audit log no database writer can rewrite.

Random consent ids (with a version per case). TOTP secret columns wide enough for encrypted secrets. The intake's content-free audit events (``audit_inbox``). On PostgreSQL: the functions through which
alone the admin role appends to the audit log (after the head, dated now); the functions the row-level security policies of ``reprisal-admin db grant`` call to
know which case a transaction of the intake created (one per transaction), and the pending-uploads
function without its date parameter (the database decides what is abandoned, so a caller cannot
widen what it deletes).

Revision ID: 0012_audit_and_secrets
Revises: 0011_statistics_proposals
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Random, as every other id (reprisal_intake.models.base.random_id).
def _random_id() -> str:
    import secrets

    return secrets.token_urlsafe(16)

revision: str = "0012_audit_and_secrets"
down_revision: str | None = "0011_statistics_proposals"
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
    xact bigint PRIMARY KEY,
    case_ref varchar(24) NOT NULL
)
"""

# The current top-level transaction's id (never a savepoint's), as a plain number.
XACT = f"""
CREATE OR REPLACE FUNCTION reprisal_xact() RETURNS bigint
LANGUAGE sql VOLATILE {DEFINER} AS $$ SELECT pg_current_xact_id()::text::bigint $$
"""

# Called by the intake role's INSERT policy on ``cases``: true once per transaction, for a reference
# no case has yet (so an INSERT ... ON CONFLICT DO NOTHING on an existing case claims nothing).
CLAIM_NEW_CASE = f"""
CREATE OR REPLACE FUNCTION reprisal_claim_new_case(new_ref text) RETURNS boolean
LANGUAGE plpgsql VOLATILE {DEFINER} AS $$
BEGIN
  DELETE FROM public.reprisal_case_claims
    WHERE xact <> public.reprisal_xact() AND pg_xact_status(xact::text::xid8) IS DISTINCT FROM 'in progress';
  IF EXISTS (SELECT 1 FROM public.reprisal_case_claims WHERE xact = public.reprisal_xact())
     OR EXISTS (SELECT 1 FROM public.cases WHERE ref = new_ref) THEN
    RETURN false;
  END IF;
  INSERT INTO public.reprisal_case_claims (xact, case_ref) VALUES (public.reprisal_xact(), new_ref);
  RETURN true;
END
$$
"""

NEW_CASE = f"""
CREATE OR REPLACE FUNCTION reprisal_new_case() RETURNS text
LANGUAGE sql STABLE {DEFINER} AS $$
  SELECT case_ref FROM public.reprisal_case_claims WHERE xact = public.reprisal_xact()
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

# The head, locked until the transaction ends: appends are serialized, numbered without gaps.
AUDIT_HEAD = f"""
CREATE OR REPLACE FUNCTION reprisal_audit_head(OUT seq integer, OUT hash text)
LANGUAGE plpgsql VOLATILE {DEFINER} AS $$
#variable_conflict use_column
BEGIN
  INSERT INTO public.audit_head (id, seq, hash) VALUES (1, 0, repeat('0', 64))
    ON CONFLICT (id) DO NOTHING;
  SELECT h.seq, h.hash INTO seq, hash FROM public.audit_head h WHERE h.id = 1 FOR UPDATE;
END
$$
"""

# The only way the admin role writes the log: one entry right after the head, dated now (or an
# intake event exactly as the intake left it, which it then removes from the inbox). It cannot
# check the MAC (the database has no key): an entry with a wrong one fails `audit verify`.
AUDIT_APPEND = f"""
CREATE OR REPLACE FUNCTION reprisal_audit_append(
  p_seq integer, p_at timestamp, p_actor text, p_action text, p_case_ref text, p_detail text,
  p_prev_hash text, p_hash text, p_inbox_id text
) RETURNS void
LANGUAGE plpgsql VOLATILE {DEFINER} AS $$
DECLARE
  head record;
  event record;
  now_utc timestamp := clock_timestamp() AT TIME ZONE 'UTC';
BEGIN
  SELECT h.seq, h.hash INTO head FROM public.audit_head h WHERE h.id = 1 FOR UPDATE;
  IF NOT FOUND OR p_seq <> head.seq + 1 OR p_prev_hash <> head.hash
     OR p_hash !~ '^[0-9a-f]{{64}}$' THEN
    RAISE EXCEPTION 'an audit entry is appended right after the head';
  END IF;
  IF p_inbox_id IS NULL THEN
    IF p_actor = 'submitter' THEN
      RAISE EXCEPTION 'only the intake''s events are the submitter''s';
    END IF;
    IF p_at NOT BETWEEN now_utc - interval '5 minutes' AND now_utc + interval '5 minutes' THEN
      RAISE EXCEPTION 'an audit entry is dated now';
    END IF;
  ELSE
    DELETE FROM public.audit_inbox i WHERE i.id = p_inbox_id
      RETURNING i.case_ref, i.action, i.recorded INTO event;
    IF NOT FOUND OR p_actor <> 'submitter' OR p_action <> event.action
       OR p_case_ref IS DISTINCT FROM event.case_ref OR p_at <> event.recorded::timestamp
       OR p_detail <> '{{}}' THEN
      RAISE EXCEPTION 'an intake event is chained as the intake left it';
    END IF;
  END IF;
  INSERT INTO public.audit_log (seq, at, actor, action, case_ref, detail, prev_hash, hash)
    VALUES (p_seq, p_at, p_actor, p_action, p_case_ref, p_detail, p_prev_hash, p_hash);
  UPDATE public.audit_head SET seq = p_seq, hash = p_hash WHERE id = 1;
END
$$
"""

FUNCTIONS = (
    "reprisal_xact()",
    "reprisal_audit_head()",
    "reprisal_audit_append(integer, timestamp, text, text, text, text, text, text, text)",
    "reprisal_claim_new_case(text)",
    "reprisal_new_case()",
    "reprisal_chunk_writable(text)",
    "reprisal_pending_uploads()",
)


def _random_consent_ids() -> None:
    """Consent ids were sequential across cases (they ordered every case of a day): random ids now,
    and a version that orders the rows of one case only."""
    bind = op.get_bind()
    with op.batch_alter_table("consents") as batch:
        batch.add_column(sa.Column("new_id", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=True))
    rows = bind.execute(sa.text("SELECT id, case_ref FROM consents ORDER BY case_ref, id")).all()
    versions: dict[str, int] = {}
    for old_id, case_ref in rows:
        version = versions.get(case_ref, 0)
        versions[case_ref] = version + 1
        bind.execute(
            sa.text("UPDATE consents SET new_id = :new_id, version = :version WHERE id = :id"),
            {"new_id": _random_id(), "version": version, "id": old_id},
        )
    with op.batch_alter_table("consents") as batch:
        if bind.dialect.name != "sqlite":  # SQLite's table copy has no named primary key
            batch.drop_constraint("pk_consents", type_="primary")
        batch.drop_column("id")
        batch.alter_column(
            "new_id", new_column_name="id", existing_type=sa.String(length=32), nullable=False
        )
        batch.alter_column("version", existing_type=sa.Integer(), nullable=False)
    # A second pass: SQLite's table copy knows the renamed column only now.
    with op.batch_alter_table("consents") as batch:
        batch.create_primary_key("pk_consents", ["id"])
        batch.create_unique_constraint("uq_consents_case_ref_version", ["case_ref", "version"])


def _sequential_consent_ids() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("consents") as batch:
        batch.add_column(sa.Column("old_id", sa.Integer(), nullable=True))
    rows = bind.execute(sa.text("SELECT id FROM consents ORDER BY case_ref, version")).all()
    for number, (new_id,) in enumerate(rows, start=1):
        bind.execute(
            sa.text("UPDATE consents SET old_id = :number WHERE id = :id"),
            {"number": number, "id": new_id},
        )
    with op.batch_alter_table("consents") as batch:
        batch.drop_constraint("uq_consents_case_ref_version", type_="unique")
        if bind.dialect.name != "sqlite":  # SQLite's table copy has no named primary key
            batch.drop_constraint("pk_consents", type_="primary")
        batch.drop_column("id")
        batch.drop_column("version")
        batch.alter_column("old_id", new_column_name="id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("consents") as batch:
        batch.create_primary_key("pk_consents", ["id"])
    if bind.dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE consents_id_seq OWNED BY consents.id")
        op.execute("SELECT setval('consents_id_seq', coalesce(max(id), 0) + 1, false) FROM consents")
        op.execute("ALTER TABLE consents ALTER COLUMN id SET DEFAULT nextval('consents_id_seq')")


def upgrade() -> None:
    _random_consent_ids()
    # TOTP secrets are stored encrypted from now on (admin.auth.totp); `reprisal-admin init`, which
    # holds the key, encrypts the ones already there right after this migration.
    for table, column in (("users", "totp_secret"), ("admin_sessions", "pending_totp_secret")):
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, existing_type=sa.String(64), type_=sa.String(160))
    op.create_table(
        "audit_inbox",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_ref", sa.String(length=24), nullable=False),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("recorded", sa.Date(), nullable=False),
        sa.CheckConstraint(
            "action IN ('consent_changed')", name=op.f("ck_audit_inbox_submitter_action")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_inbox")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CASE_CLAIMS)
        for statement in (
            XACT,
            CLAIM_NEW_CASE,
            NEW_CASE,
            CHUNK_WRITABLE,
            PENDING_UPLOADS,
            AUDIT_HEAD,
            AUDIT_APPEND,
        ):
            op.execute(statement)
        op.execute("DROP FUNCTION IF EXISTS reprisal_pending_uploads(date)")
        for function in FUNCTIONS:
            op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
        op.execute("REVOKE ALL ON reprisal_case_claims FROM PUBLIC")


def downgrade() -> None:
    _sequential_consent_ids()
    # The migration cannot decrypt (the key is not in the database): encrypted TOTP secrets are
    # dropped, and those accounts enrol TOTP again.
    for table, column in (("users", "totp_secret"), ("admin_sessions", "pending_totp_secret")):
        op.execute(f"UPDATE {table} SET {column} = NULL WHERE {column} LIKE 'v1:%'")
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, existing_type=sa.String(160), type_=sa.String(64))
    if op.get_bind().dialect.name == "postgresql":
        for function in FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
        op.execute("DROP TABLE IF EXISTS reprisal_case_claims")
        op.execute(OLD_PENDING_UPLOADS)
        op.execute("REVOKE ALL ON FUNCTION reprisal_pending_uploads(date) FROM PUBLIC")
    op.drop_table("audit_inbox")
