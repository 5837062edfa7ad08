"""PostgreSQL least privilege: what the intake's and the admin app's database roles may do.

The intake role writes rows for two cases only, and the database refuses any other:

* the case it creates in the current transaction: its INSERT on ``cases`` is allowed once per
  transaction, for a reference no case has, and that claim (``reprisal_claim_new_case``, migration
  0011) is what ``reprisal_new_case()`` names to the policies of the case's other tables;
* the case whose lookup tag the transaction names (``reprisal_intake.db.scope_to_submitter``): the
  tag comes from the codename the person typed, which the server never stores.

Stanzas, lookup tags and mechanisms go only to the new case; items and consents also to the named
one (follow-ups, consent changes). It reads back only the named case, and of that case only the items
the submitter may read. It can never read a report or an access stanza. Of the browsers' pending
uploads it sees only those whose ids the transaction names (``reprisal_intake.db.scope_to_uploads``);
it counts the others only through ``reprisal_pending_uploads()``, which takes no argument.

What a compromised intake can still do (docs/design.md, "Database roles"): create new cases with any
content and consent; add items and consents to the cases of the people who type their codename while
it is compromised (it then knows their tags); read those people's replies, as the person could.
It cannot add a row to a case whose codename it never saw, nor read or change one.

The admin role may do everything except write the audit tables: it appends entries only through
``reprisal_audit_append()`` (``admin.audit.log``). Migrations run as the owner.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, inspect

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# Tables whose rows belong to one case: row-level security on each.
CASE_SCOPED = (
    "cases",
    "case_mechanisms",
    "consents",
    "submitter_tags",
    "access_stanzas",
    "item_access",
    "items",
    "envelope_chunks",
    "case_shares",
)
INTAKE_INSERTS = (
    "cases",
    "case_mechanisms",
    "access_stanzas",
    "item_access",
    "items",
    "envelope_chunks",
    "submitter_tags",
    "consents",
)
INTAKE_READS_OWN_CASE = (
    "cases",
    "case_mechanisms",
    "item_access",
    "consents",
    "submitter_tags",
    "items",
    "envelope_chunks",
    "case_shares",
)
INTAKE_READS = ("mechanisms", "reviewer_mechanisms", "reader_revocations")
INTAKE_REVIEWER_COLUMNS = ("id", "public_key", "active", "escrow", "record")
INTAKE_UPLOADS = ("uploads", "upload_parts")
# The admin role writes these only through reprisal_audit_append() (migration 0012), which appends
# right after the head and never edits: it may read them, never write them itself.
AUDIT_TABLES = ("audit_log", "audit_head", "audit_inbox")
AUDIT_FUNCTIONS = (
    "reprisal_audit_head()",
    "reprisal_audit_append(integer, timestamp, text, text, text, text, text, text, text)",
)
# Only the owner's SECURITY DEFINER functions touch these (migration 0012).
OWNER_ONLY = ("reprisal_case_claims",)

OWN_CASE = "(SELECT t.case_ref FROM submitter_tags t WHERE t.tag = reprisal_lookup_tag())"
NEW_CASE = "reprisal_new_case()"
NEW_OR_OWN_CASE = f"(case_ref = {NEW_CASE} OR case_ref IN {OWN_CASE})"
# What the intake role may insert into each case-scoped table.
INSERT_CHECKS = {
    "cases": "reprisal_claim_new_case(ref)",
    "case_mechanisms": f"case_ref = {NEW_CASE}",
    "submitter_tags": f"case_ref = {NEW_CASE}",
    "access_stanzas": f"case_ref = {NEW_CASE}",
    # The identity item's key, sealed to the chosen mechanism's readers when the case is made.
    "item_access": f"case_ref = {NEW_CASE}",
    "consents": NEW_OR_OWN_CASE,
    "items": NEW_OR_OWN_CASE,
    "envelope_chunks": "reprisal_chunk_writable(item_id)",
    # Never: only the admin app shares a case (the intake has no INSERT grant on it either).
    "case_shares": "false",
}
INTAKE_FUNCTIONS = (
    "reprisal_lookup_tag()",
    "reprisal_upload_ids()",
    "reprisal_claim_new_case(text)",
    "reprisal_new_case()",
    "reprisal_chunk_writable(text)",
    "reprisal_pending_uploads()",
)
# The uploads a transaction names (an upload id is a capability only the uploading browser knows).
NAMED_UPLOADS = {
    "uploads": "id = ANY (reprisal_upload_ids())",
    "upload_parts": "upload_id = ANY (reprisal_upload_ids())",
}


def grant_statements(connection: Connection, intake_role: str, admin_role: str) -> list[str]:
    """The SQL that (re)applies both roles' privileges and policies; idempotent."""
    for role in (intake_role, admin_role):
        if not ROLE_NAME.match(role):
            raise ValueError(f"not a plain role name: {role!r}")
    tables = set(inspect(connection).get_table_names())
    reviewer_columns = {c["name"] for c in inspect(connection).get_columns("reviewers")}
    intake, admin = f'"{intake_role}"', f'"{admin_role}"'
    sql = [
        "CREATE OR REPLACE FUNCTION reprisal_lookup_tag() RETURNS bytea LANGUAGE sql STABLE AS "
        "$$ SELECT decode(NULLIF(current_setting('reprisal.lookup_tag', true), ''), 'hex') $$",
        "CREATE OR REPLACE FUNCTION reprisal_upload_ids() RETURNS text[] LANGUAGE sql STABLE AS "
        "$$ SELECT string_to_array(NULLIF(current_setting('reprisal.upload_ids', true), ''), ',') $$",
        f"GRANT USAGE ON SCHEMA public TO {intake}, {admin}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {intake}",
        f"GRANT SELECT ON {', '.join(INTAKE_READS)} TO {intake}",
        f"GRANT SELECT ({', '.join(c for c in INTAKE_REVIEWER_COLUMNS if c in reviewer_columns)}) "
        f"ON reviewers TO {intake}",
        f"GRANT INSERT ON {', '.join(INTAKE_INSERTS)} TO {intake}",
        f"GRANT SELECT ON {', '.join(INTAKE_READS_OWN_CASE)} TO {intake}",
        f"GRANT UPDATE (item_count) ON cases TO {intake}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(INTAKE_UPLOADS)} TO {intake}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {intake}",
        f"GRANT EXECUTE ON FUNCTION {', '.join(INTAKE_FUNCTIONS)} TO {intake}",
        f"GRANT EXECUTE ON FUNCTION reprisal_lookup_tag(), reprisal_upload_ids() TO {admin}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {admin}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {admin}",
    ]
    sql += [
        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {t} FROM {admin}"
        for t in AUDIT_TABLES
        if t in tables
    ]
    sql.append(f"GRANT EXECUTE ON FUNCTION {', '.join(AUDIT_FUNCTIONS)} TO {admin}")
    # The intake leaves content-free events for the case its lookup tag names, nothing else.
    sql += [
        f"GRANT INSERT ON audit_inbox TO {intake}",
        "ALTER TABLE audit_inbox ENABLE ROW LEVEL SECURITY",
        "DROP POLICY IF EXISTS intake_insert ON audit_inbox",
        "DROP POLICY IF EXISTS admin_read ON audit_inbox",
        f"CREATE POLICY intake_insert ON audit_inbox FOR INSERT TO {intake} "
        f"WITH CHECK (case_ref IN {OWN_CASE})",
        f"CREATE POLICY admin_read ON audit_inbox FOR SELECT TO {admin} USING (true)",
    ]
    sql += [f"REVOKE ALL ON {t} FROM {admin}" for t in OWNER_ONLY if t in tables]
    for table in CASE_SCOPED:
        sql.append(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        for policy in ("intake_insert", "intake_read", "intake_update", "admin_all"):
            sql.append(f"DROP POLICY IF EXISTS {policy} ON {table}")
        sql.append(
            f"CREATE POLICY intake_insert ON {table} FOR INSERT TO {intake} "
            f"WITH CHECK ({INSERT_CHECKS[table]})"
        )
        sql.append(
            f"CREATE POLICY admin_all ON {table} FOR ALL TO {admin} USING (true) WITH CHECK (true)"
        )
    reads = {
        "cases": f"ref IN {OWN_CASE}",
        "case_mechanisms": f"case_ref IN {OWN_CASE}",
        "consents": f"case_ref IN {OWN_CASE}",
        # Who holds the identity of their own case, for the follow-up page (no key opens here).
        "item_access": f"case_ref IN {OWN_CASE}",
        "submitter_tags": "tag = reprisal_lookup_tag()",
        # Who the case was shared with and what part of it, for the follow-up page.
        "case_shares": f"case_ref IN {OWN_CASE}",
        "items": f"submitter_readable AND case_ref IN {OWN_CASE}",
        # Row-level security applies inside the subquery too: only the readable items above.
        "envelope_chunks": "item_id IN (SELECT i.id FROM items i)",
    }
    for table, condition in reads.items():
        sql.append(
            f"CREATE POLICY intake_read ON {table} FOR SELECT TO {intake} USING ({condition})"
        )
    sql.append(
        f"CREATE POLICY intake_update ON cases FOR UPDATE TO {intake} "
        f"USING (ref IN {OWN_CASE}) WITH CHECK (ref IN {OWN_CASE})"
    )
    for table, named in NAMED_UPLOADS.items():
        sql.append(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        for policy in ("intake_named_uploads", "admin_all"):
            sql.append(f"DROP POLICY IF EXISTS {policy} ON {table}")
        sql.append(
            f"CREATE POLICY intake_named_uploads ON {table} FOR ALL TO {intake} "
            f"USING ({named}) WITH CHECK ({named})"
        )
        sql.append(
            f"CREATE POLICY admin_all ON {table} FOR ALL TO {admin} USING (true) WITH CHECK (true)"
        )
    return sql


def apply_grants(connection: Connection, intake_role: str, admin_role: str) -> int:
    statements = grant_statements(connection, intake_role, admin_role)
    for statement in statements:
        connection.exec_driver_sql(statement)
    return len(statements)
