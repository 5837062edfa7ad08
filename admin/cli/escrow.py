"""``reprisal-admin escrow add``: an offline recovery key sealed to every new case."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from admin.audit import log as audit_log
from crypto.errors import FormatError
from crypto.keys import reader_public_key_from_base64
from reprisal_intake.db import get_db
from reprisal_intake.models import Reviewer, today
from reprisal_intake.reader_records import RecordRejected, check_reader_record, is_revoked

from .reviewers import RECORD_HELP, org_keys, read_record


@click.group()
def escrow() -> None:
    """Offline escrow keys: recovery when a reviewer loses their passphrase."""


@escrow.command("add")
@click.argument("name")
@click.option(
    "--public-key",
    required=True,
    metavar="BASE64",
    help="From `reprisal-decrypt keygen` (an X-Wing or an X25519 public key).",
)
@click.option(
    "--record",
    "record_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help=RECORD_HELP + " Sign it with --role escrow.",
)
def escrow_add(name: str, public_key: str, record_file: Path | None) -> None:
    """Register an offline escrow key: every new case gets one more access stanza for it.

    Keep its key file offline (a safe, two people). To recover cases, export their bundles and open
    them with `reprisal-decrypt open --key ESCROW.key`.
    """
    try:
        key = reader_public_key_from_base64(public_key)
    except FormatError as error:
        raise click.BadParameter(f"not a public key: {error}", param_hint="--public-key") from error
    record_text = read_record(record_file, "--record") if record_file else None
    with get_db().session() as session:
        if record_text is not None:
            try:
                check_reader_record(
                    record_text, org_keys(), today(), public_key=bytes(key), escrow=True
                )
            except RecordRejected as error:
                raise click.BadParameter(f"{error}", param_hint="--record") from None
            if is_revoked(session, bytes(key), org_keys()):
                raise click.BadParameter("this key was revoked", param_hint="--record")
        if session.scalar(select(Reviewer).where(Reviewer.name == name)) is not None:
            raise click.UsageError(f"a reviewer named {name!r} exists already")
        session.add(
            Reviewer(
                name=name, public_key=bytes(key), mechanisms=[], escrow=True, record=record_text
            )
        )
        audit_log.record(
            session,
            "reprisal-admin",
            "escrow_key_added",
            detail={"reviewer": name, "certified": record_text is not None},
        )
    if record_text is None:
        click.echo(
            f"Stored the escrow key {name}. It is NOT sealed to until the organisation signs its "
            "record (`reprisal-decrypt sign-reader --role escrow`, then `reprisal-admin reviewer "
            "certify RECORD_FILE`)."
        )
        return
    click.echo(f"Added escrow key {name}. New cases are sealed to it too; earlier cases are not.")
