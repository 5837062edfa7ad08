"""``reprisal-admin``: the management command line (the fixed interface is in the README). Each
command group lives in its own module of this package and is added to the group here."""

from __future__ import annotations

import click
from flask import Flask

from admin import create_app
from admin.cli import audit, backup, cases, database, escrow, retention, reviewers, users


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
    backup.backup_command,
    backup.restore_command,
):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="reprisal-admin")
