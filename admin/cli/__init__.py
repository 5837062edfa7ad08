"""``reprisal-admin``: the management command line (the fixed interface is in the README). Each
command group lives in its own module of this package and is added to the group here."""

from __future__ import annotations

import sys

import click
from flask import Flask
from sqlalchemy.exc import NoSuchTableError, OperationalError, ProgrammingError

from admin import create_app
from admin.cli import alerts, audit, backup, cases, database, escrow, retention, reviewers, users


@click.group()
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Manage the reprisal intake: schema, reviewers and cases."""
    # Tests pass their app (bound to a rolled-back connection) as the context object.
    app = ctx.obj if isinstance(ctx.obj, Flask) else create_app()
    ctx.with_resource(app.app_context())


for command in (
    database.init,
    database.db,
    reviewers.reviewer,
    cases.case,
    users.user,
    escrow.escrow,
    retention.mechanism,
    retention.purge,
    audit.audit,
    alerts.alerts,
    backup.backup_command,
    backup.restore_command,
):
    cli.add_command(command)


NOT_INITIALISED = (
    "The database has no tables yet (or misses some): run `reprisal-admin init` to create or "
    "migrate them, then run this command again."
)


def database_problem(error: OperationalError | ProgrammingError) -> str:
    """A sentence for a database error a command cannot go on after: a table or a column that is
    not there (SQLite: "no such table/column"; PostgreSQL: SQLSTATE 42P01 UndefinedTable, 42703
    UndefinedColumn) means a database never initialised or not migrated; anything else is said in
    the database's own first line."""
    original = error.orig
    if getattr(original, "sqlstate", None) in ("42P01", "42703") or str(original).startswith(
        ("no such table", "no such column")
    ):
        return NOT_INITIALISED
    first_line = str(original).strip().splitlines()[0] if str(original).strip() else type(original)
    return f"The database refused the command: {first_line}"


def main() -> None:
    try:
        cli(prog_name="reprisal-admin")
    except (OperationalError, ProgrammingError) as error:
        click.echo(f"Error: {database_problem(error)}", err=True)
        sys.exit(1)
    except NoSuchTableError:  # looked up by name (reflection), not queried
        click.echo(f"Error: {NOT_INITIALISED}", err=True)
        sys.exit(1)
