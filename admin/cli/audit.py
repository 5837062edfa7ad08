"""``reprisal-admin audit verify``: recompute the hash chain of the audit log."""

from __future__ import annotations

import sys

import click

from admin.audit import log as audit_log
from reprisal_intake.db import get_db


@click.group()
def audit() -> None:
    """The append-only audit log."""


@audit.command("verify")
def audit_verify() -> None:
    """Check every entry; exit 1 and name the first bad entry if any was edited or deleted."""
    with get_db().session() as session:
        check = audit_log.verify(session)
    if check.ok:
        click.echo(f"Audit log intact: {check.entries} entries.")
        return
    click.echo(
        f"Audit log BROKEN at entry {check.first_bad_seq}: {check.problem} "
        f"({check.entries} entries before it are intact).",
        err=True,
    )
    sys.exit(1)
