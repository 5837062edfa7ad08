"""``reprisal-admin audit verify`` and ``audit checkpoint``: check the authenticated chain of the audit
log, and print its head as a line to keep elsewhere."""

from __future__ import annotations

import sys
from typing import TextIO

import click

from admin.audit import log as audit_log
from reprisal_intake.db import get_db


@click.group()
def audit() -> None:
    """The append-only audit log."""


@audit.command("verify")
@click.option(
    "--checkpoints",
    type=click.File("r"),
    help="A file of lines printed by `audit checkpoint`: also check the log still reaches each.",
)
def audit_verify(checkpoints: TextIO | None) -> None:
    """Check every entry with the audit key; exit 1 and name the first bad entry if any was edited,
    inserted or deleted, or if entries before a checkpoint were rewritten or cut off."""
    lines = checkpoints.readlines() if checkpoints else []
    with get_db().session() as session:
        check = audit_log.verify(session, lines)
    if check.ok:
        against = f", reaching {len([x for x in lines if x.strip()])} checkpoints" if lines else ""
        click.echo(f"Audit log intact: {check.entries} entries{against}.")
        return
    if check.problem in audit_log.CHECKPOINT_PROBLEMS:
        where = f"checkpoint line {check.first_bad_seq}"
    else:
        where = f"entry {check.first_bad_seq}"
    click.echo(
        f"Audit log BROKEN at {where}: {check.problem} "
        f"({check.entries} entries before it are intact).",
        err=True,
    )
    sys.exit(1)


@audit.command("checkpoint")
def audit_checkpoint() -> None:
    """Print the head of the log as a MACed line. Keep it off this server (a printout, another
    machine): `audit verify --checkpoints FILE` then finds any entry before it rewritten or cut off,
    even by someone who can write the database."""
    with get_db().session() as session:
        checkpoint = audit_log.checkpoint(session)
    click.echo(checkpoint.line())
