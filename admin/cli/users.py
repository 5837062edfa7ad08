"""``reprisal-admin user ...``: invite accounts (the first administrator too) and list them."""

from __future__ import annotations

import datetime

import click
from flask import current_app
from sqlalchemy import select

from admin.audit import log as audit_log
from admin.users.invitations import InvitationError, invite
from reprisal_intake.db import get_db
from reprisal_intake.models import ROLES, User


@click.group()
def user() -> None:
    """Accounts of the admin app."""


@user.command("add")
@click.argument("username")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(ROLES),
    help="A role (repeatable).",
)
@click.option(
    "--mechanism",
    "mechanisms",
    multiple=True,
    metavar="CODE",
    help="A mechanism whose cases this focal point reads (repeatable).",
)
def user_add(username: str, roles: tuple[str, ...], mechanisms: tuple[str, ...]) -> None:
    """Invite USERNAME: prints a one-time link where they set their own password and enrol TOTP."""
    hours = current_app.config["ADMIN_INVITATION_HOURS"]
    with get_db().session() as session:
        try:
            added, token = invite(
                session, username, roles, mechanisms, datetime.timedelta(hours=hours)
            )
        except InvitationError as error:
            raise click.UsageError(str(error)) from error
        audit_log.record(
            session,
            "reprisal-admin",
            "invitation_created",
            detail={
                "user": added.username,
                "roles": sorted(added.role_set),
                "mechanisms": [m.code for m in added.assigned_mechanisms],
            },
        )
    base = current_app.config["ADMIN_BASE_URL"].rstrip("/")
    click.echo(f"Invited {username} ({', '.join(sorted(roles))}).")
    click.echo(f"Send this one-time link over a safe channel; it expires in {hours} hours:")
    click.echo(f"  {base}/invitation/{token}")


@user.command("list")
def user_list() -> None:
    """List accounts, their roles and state."""
    with get_db().session() as session:
        for row in session.scalars(select(User).order_by(User.username)):
            state = (
                "inactive"
                if not row.active
                else "invited"
                if row.password_hash is None
                else "active"
            )
            codes = ",".join(m.code for m in row.assigned_mechanisms) or "-"
            roles = ",".join(sorted(row.role_set))
            click.echo(f"{row.username}\t{roles}\t{codes}\t{state}")
