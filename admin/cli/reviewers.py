"""``reprisal-admin reviewer ...``: register offline reviewers' public keys and list them."""

from __future__ import annotations

import click
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crypto.errors import FormatError
from crypto.keys import public_key_from_base64
from reprisal_intake.db import get_db
from reprisal_intake.models import Mechanism, Reviewer


@click.group()
def reviewer() -> None:
    """Focal points' public keys."""


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
    help="The reviewer's X25519 public key, as printed by `reprisal-decrypt keygen`.",
)
def reviewer_add(name: str, mechanisms: tuple[str, ...], public_key: str) -> None:
    """Register an offline reviewer: only the public key reaches the server."""
    try:
        key = public_key_from_base64(public_key)
    except FormatError as error:
        raise click.BadParameter(f"not a public key: {error}", param_hint="--public-key") from error
    with get_db().session() as session:
        codes = sorted({code.upper() for code in mechanisms})
        found = list(session.scalars(select(Mechanism).where(Mechanism.code.in_(codes))))
        missing = sorted(set(codes) - {m.code for m in found})
        if missing:
            known = ", ".join(session.scalars(select(Mechanism.code).order_by(Mechanism.position)))
            raise click.BadParameter(
                f"unknown mechanism {', '.join(missing)}; known: {known}", param_hint="--mechanism"
            )
        if session.scalar(select(Reviewer).where(Reviewer.name == name)) is not None:
            raise click.UsageError(f"a reviewer named {name!r} exists already")
        added = Reviewer(name=name, public_key=bytes(key), mechanisms=found)
        session.add(added)
        try:
            session.flush()
        except IntegrityError as error:
            raise click.UsageError(f"a reviewer named {name!r} exists already") from error
        click.echo(
            f"Added reviewer {name} for {', '.join(m.code for m in added.mechanisms)}. "
            "New reports to these mechanisms are encrypted to this key; earlier cases are not "
            "(route them to this reviewer from an account that can read them)."
        )


@reviewer.command("list")
def reviewer_list() -> None:
    """List reviewers and their mechanisms."""
    with get_db().session() as session:
        for row in session.scalars(select(Reviewer).order_by(Reviewer.name)):
            state = "active" if row.active else "inactive"
            codes = ",".join(m.code for m in row.mechanisms)
            click.echo(f"{row.name}\t{codes}\t{state}\tsince {row.created.isoformat()}")
