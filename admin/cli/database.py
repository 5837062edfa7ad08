"""``reprisal-admin init``: create or migrate the schema; ``reprisal-admin db grant``: apply the PostgreSQL
roles' privileges (run after every migration)."""

from __future__ import annotations

import click

from admin.database_roles import apply_grants, grant_statements
from reprisal_intake import schema
from reprisal_intake.db import get_db


@click.command()
def init() -> None:
    """Create or migrate the database schema (idempotent)."""
    engine = get_db().bind
    schema.upgrade(engine)
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
    engine = get_db().bind
    if engine.dialect.name != "postgresql":
        raise click.UsageError("database roles apply to PostgreSQL only")
    with engine.connect() as connection:  # type: ignore[union-attr]
        try:
            statements = grant_statements(connection, intake_role, admin_role)
        except ValueError as error:
            raise click.BadParameter(str(error)) from error
        if print_only:
            click.echo(";\n".join(statements) + ";")
            return
        with connection.begin():
            count = apply_grants(connection, intake_role, admin_role)
    click.echo(
        f"Applied {count} statements for roles {intake_role} (intake) and {admin_role} (admin)."
    )
