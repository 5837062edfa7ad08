"""``reprisal-admin init``: create or migrate the schema; ``reprisal-admin db grant``: apply the PostgreSQL
roles' privileges (run after every migration)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from admin.audit import log as audit_log
from admin.auth import totp
from admin.database_roles import grant_statements
from reprisal_intake import schema
from reprisal_intake.db import get_db

# The migration from which audit entries are MACed (admin.audit.log) and TOTP secrets encrypted
# (admin.auth.totp), with keys the database does not hold: only this command, not the migration,
# has them, so it converts what was there, once, right after that migration.
KEYS_OUTSIDE_DATABASE_REVISION = "0012_audit_and_secrets"


@click.command()
def init() -> None:
    """Create or migrate the database schema (idempotent)."""
    engine = get_db().bind
    before = schema.current_revision(engine)
    schema.upgrade(engine)
    if schema.runs_revision(before, KEYS_OUTSIDE_DATABASE_REVISION):
        _move_secrets_to_keys_outside_the_database()
    click.echo(f"Database schema is at revision {schema.current_revision(engine)}.")


@click.group()
def db() -> None:
    """Database administration."""


@db.command("grant")
@click.option("--intake-role", required=True, help="The role the intake connects as.")
@click.option("--admin-role", required=True, help="The role the admin app connects as.")
@click.option("--print", "print_only", is_flag=True, help="Print the SQL instead of running it.")
def grant(intake_role: str, admin_role: str, print_only: bool) -> None:
    """Give the intake role insert-only access (plus its own case, by lookup tag) and the admin role
    everything but editing the audit log. Both roles must exist; run as the tables' owner."""
    bind = get_db().bind
    if bind.dialect.name != "postgresql":
        raise click.UsageError("database roles apply to PostgreSQL only")
    # One transaction: the statements are read from the schema and applied all, or none.
    with _transaction(bind) as connection:
        try:
            statements = grant_statements(connection, intake_role, admin_role)
        except ValueError as error:
            raise click.BadParameter(str(error)) from error
        if print_only:
            click.echo(";\n".join(statements) + ";")
            return
        for statement in statements:
            connection.exec_driver_sql(statement)
        count = len(statements)
        with Session(connection, join_transaction_mode="create_savepoint") as session:
            audit_log.record(
                session,
                "reprisal-admin",
                "database_roles_granted",
                detail={"intake_role": intake_role, "admin_role": admin_role},
            )
    click.echo(
        f"Applied {count} statements for roles {intake_role} (intake) and {admin_role} (admin)."
    )


@contextmanager
def _transaction(bind: Engine | Connection) -> Iterator[Connection]:
    if isinstance(bind, Engine):
        with bind.begin() as connection:
            yield connection
    else:  # tests: a connection whose outer transaction is rolled back
        with bind.begin_nested():
            yield bind


def _move_secrets_to_keys_outside_the_database() -> None:
    with get_db().session() as session:
        sealed = totp.seal_plain_secrets(session)
    click.echo(f"Encrypted {sealed} TOTP secrets with the admin app's key.")
    with get_db().session() as session:
        check = audit_log.authenticate_legacy_chain(session)
    if not check.ok:
        raise click.ClickException(
            f"the audit log was already broken at entry {check.first_bad_seq} "
            f"({check.problem}); it was left unauthenticated, and `audit verify` will fail"
        )
    click.echo(f"Authenticated the {check.entries} audit entries with the audit key.")
