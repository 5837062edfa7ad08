"""``reprisal-admin reviewer ...``: register reviewers' public keys, import the organisation's signed
records that make them readers (docs/spec/reader-record-v1.md), revoke them, and list them.

A key stored without a valid record is never sealed to, on either path of the intake: adding a reader
takes the organisation key holder, a second person who signs the record offline.
"""

from __future__ import annotations

import base64
import shlex
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from admin.audit import log as audit_log
from crypto.errors import FormatError
from crypto.keys import reader_public_key_from_base64
from reprisal_intake.db import get_db
from reprisal_intake.models import Mechanism, Reviewer, today
from reprisal_intake.reader_records import (
    RecordRejected,
    certify,
    check_reader_record,
    is_revoked,
    reader_status,
    revoke,
)

RECORD_HELP = (
    "The reader record signed offline with the organisation key (`reprisal-decrypt sign-reader`). "
    "Without it the key is stored but never sealed to, until `reprisal-admin reviewer certify`."
)


def org_keys() -> tuple[bytes, ...]:
    keys: tuple[bytes, ...] = current_app.config["ORG_PUBLIC_KEYS"]
    return keys


def read_record(path: Path, option: str | None = None) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise click.BadParameter(f"cannot read {path}: {error}", param_hint=option) from None


@click.group()
def reviewer() -> None:
    """Focal points' public keys and the organisation's records that make them readers."""


@reviewer.command("add")
@click.argument("name")
@click.option(
    "--mechanism",
    "mechanisms",
    multiple=True,
    required=True,
    metavar="CODE",
    help="A mechanism whose new cases this reviewer reads (repeatable).",
)
@click.option(
    "--public-key",
    required=True,
    metavar="BASE64",
    help="The reviewer's public key as printed by `reprisal-decrypt keygen`: X-Wing (suite 2, "
    "1216 bytes) or X25519 (suite 1, 32 bytes).",
)
@click.option(
    "--record",
    "record_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help=RECORD_HELP,
)
def reviewer_add(
    name: str, mechanisms: tuple[str, ...], public_key: str, record_file: Path | None
) -> None:
    """Register an offline reviewer: only the public key reaches the server."""
    try:
        key = reader_public_key_from_base64(public_key)
    except FormatError as error:
        raise click.BadParameter(f"not a public key: {error}", param_hint="--public-key") from error
    codes = sorted({code.upper() for code in mechanisms})
    record_text = read_record(record_file, "--record") if record_file else None
    with get_db().session() as session:
        found = list(session.scalars(select(Mechanism).where(Mechanism.code.in_(codes))))
        missing = sorted(set(codes) - {m.code for m in found})
        if missing:
            known = ", ".join(session.scalars(select(Mechanism.code).order_by(Mechanism.position)))
            raise click.BadParameter(
                f"unknown mechanism {', '.join(missing)}; known: {known}", param_hint="--mechanism"
            )
        if record_text is not None:
            try:
                check_reader_record(
                    record_text, org_keys(), today(), public_key=bytes(key), escrow=False,
                    mechanisms=codes,
                )  # fmt: skip
            except RecordRejected as error:
                raise click.BadParameter(f"{error}", param_hint="--record") from None
            if is_revoked(session, bytes(key), org_keys()):
                raise click.BadParameter("this key was revoked", param_hint="--record")
        if session.scalar(select(Reviewer).where(Reviewer.name == name)) is not None:
            raise click.UsageError(f"a reviewer named {name!r} exists already")
        added = Reviewer(name=name, public_key=bytes(key), mechanisms=found, record=record_text)
        session.add(added)
        try:
            session.flush()
        except IntegrityError as error:
            raise click.UsageError(f"a reviewer named {name!r} exists already") from error
        audit_log.record(
            session, "reprisal-admin", "reader_added",
            detail={"reviewer": name, "mechanisms": codes, "certified": record_text is not None},
        )  # fmt: skip
        listed = ", ".join(m.code for m in added.mechanisms)
        if record_text is None:
            click.echo(
                f"Stored the key of {name} for {listed}. It is NOT encrypted to until the "
                "organisation signs its record: run `reprisal-admin reviewer list` for the "
                "command, then `reprisal-admin reviewer certify RECORD_FILE`."
            )
            return
        click.echo(
            f"Added reviewer {name} for {listed}, certified by the organisation. New reports to "
            "these mechanisms are encrypted to this key; earlier cases are not (route them to "
            "this reviewer from an account that can read them)."
        )


@reviewer.command("certify")
@click.argument("record_file", type=click.Path(dir_okay=False, path_type=Path))
def reviewer_certify(record_file: Path) -> None:
    """Import a record signed by the organisation key for a stored key (a key made in the admin
    app, one added without a record, or a renewal): from then on it is sealed to."""
    text = read_record(record_file)
    with get_db().session() as session:
        session.scalar(select(Reviewer.id).limit(1))  # a database never initialised says so first
        try:
            row, record = certify(session, text, org_keys(), today())
        except RecordRejected as error:
            raise click.UsageError(str(error)) from None
        audit_log.record(
            session, "reprisal-admin", "reader_certified",
            detail={"reviewer": row.name, "record": record.id, "role": record.role,
                    "mechanisms": list(record.mechanisms), "not_after": record.not_after.isoformat()},
        )  # fmt: skip
        click.echo(
            f"{row.name}: {reader_status(session, row, org_keys(), today())} "
            f"({record.role}, {', '.join(record.mechanisms) or 'every mechanism'})."
        )


@reviewer.command("revoke")
@click.argument("revocation_file", type=click.Path(dir_okay=False, path_type=Path))
def reviewer_revoke(revocation_file: Path) -> None:
    """Import a revocation signed by the organisation key: the key never receives a stanza again."""
    text = read_record(revocation_file)
    with get_db().session() as session:
        session.scalar(select(Reviewer.id).limit(1))  # a database never initialised says so first
        try:
            revocation, count = revoke(session, text, org_keys())
        except RecordRejected as error:
            raise click.UsageError(str(error)) from None
        audit_log.record(
            session, "reprisal-admin", "reader_revoked",
            detail={"revocation": revocation.id, "keys": count},
        )  # fmt: skip
        click.echo(f"Revoked: {count} stored key(s) will never be encrypted to again.")


@reviewer.command("list")
def reviewer_list() -> None:
    """List reviewers and escrow keys, their mechanisms, and whether the organisation certified them;
    for a key waiting, the command the organisation key holder runs offline."""
    day = today()
    with get_db().session() as session:
        for row in session.scalars(select(Reviewer).order_by(Reviewer.name)):
            state = "active" if row.active else "inactive"
            codes = ",".join(m.code for m in row.mechanisms) or ("every" if row.escrow else "-")
            status = reader_status(session, row, org_keys(), day)
            click.echo(f"{row.name}\t{codes}\t{state}\tsince {row.created.isoformat()}\t{status}")
            if row.record is None and row.active:
                role = "escrow" if row.escrow else "focal_point"
                # The holder is public (served with the record): a function, not a person's name.
                holder = row.name if row.escrow else f"{codes} reprisal focal point"
                command = [
                    "reprisal-decrypt", "sign-reader", "--public-key",
                    base64.b64encode(row.public_key).decode(), "--role", role,
                    *(part for m in row.mechanisms for part in ("--mechanism", m.code)),
                    "--holder", holder, "--org-key", "ORGANISATION.key", "--out", "RECORD_FILE",
                ]  # fmt: skip
                click.echo(f"\tto certify, offline: {shlex.join(command)}")
