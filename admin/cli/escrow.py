"""``reprisal-admin escrow add``: an offline recovery key sealed to every new case."""

from __future__ import annotations

import click
from sqlalchemy import select

from admin.audit import log as audit_log
from crypto.errors import FormatError
from crypto.keys import public_key_from_base64
from reprisal_intake.db import get_db
from reprisal_intake.models import Reviewer


@click.group()
def escrow() -> None:
    """Offline escrow keys: recovery when a reviewer loses their passphrase."""


@escrow.command("add")
@click.argument("name")
@click.option(
    "--public-key", required=True, metavar="BASE64", help="From `reprisal-decrypt keygen`."
)
def escrow_add(name: str, public_key: str) -> None:
    """Register an offline escrow key: every new case gets one more access stanza for it.

    Keep its key file offline (a safe, two people). To recover cases, export their bundles and open
    them with `reprisal-decrypt open --key ESCROW.key`.
    """
    try:
        key = public_key_from_base64(public_key)
    except FormatError as error:
        raise click.BadParameter(f"not a public key: {error}", param_hint="--public-key") from error
    with get_db().session() as session:
        if session.scalar(select(Reviewer).where(Reviewer.name == name)) is not None:
            raise click.UsageError(f"a reviewer named {name!r} exists already")
        session.add(Reviewer(name=name, public_key=bytes(key), mechanisms=[], escrow=True))
        audit_log.record(session, "reprisal-admin", "escrow_key_added", detail={"reviewer": name})
    click.echo(f"Added escrow key {name}. New cases are sealed to it too; earlier cases are not.")
