"""``reprisal-admin``: the management command line (the fixed interface is in the README)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crypto.errors import FormatError
from crypto.keys import public_key_from_base64
from reprisal_intake import schema
from reprisal_intake.db import get_db
from reprisal_intake.models import Case, Mechanism, Reviewer

from . import create_app
from .cases import case_summary, export_case, list_cases


@click.group()
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Manage the reprisal intake: schema, reviewers and cases."""
    # Tests pass their app (bound to a rolled-back connection) as the context object.
    app = ctx.obj if isinstance(ctx.obj, Flask) else create_app()
    ctx.with_resource(app.app_context())


@cli.command()
def init() -> None:
    """Create or migrate the database schema (idempotent)."""
    engine = get_db().bind
    schema.upgrade(engine)  # type: ignore[arg-type]
    click.echo(f"Database schema is at revision {schema.current_revision(engine)}.")  # type: ignore[arg-type]


@cli.group()
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


@cli.group()
def case() -> None:
    """Cases (routing data only; contents stay encrypted)."""


@case.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def case_list(as_json: bool) -> None:
    """List cases, newest first."""
    with get_db().session() as session:
        summaries = [case_summary(c) for c in list_cases(session)]
    if as_json:
        click.echo(json.dumps(summaries, indent=2))
        return
    if not summaries:
        click.echo("No cases.")
    for s in summaries:
        click.echo(
            f"{s['ref']}\t{','.join(s['mechanisms'])}\t{s['status']}\t{s['created']}\t"
            f"{s['urgency'] or '-'}\t{s['items']} items"
        )


@case.command("export")
@click.argument("ref")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the case bundle (a ZIP file).",
)
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists.")
def case_export(ref: str, out: Path, force: bool) -> None:
    """Export a case as an encrypted bundle for offline decryption (spec §3)."""
    if out.exists() and not force:
        raise click.UsageError(f"{out} exists; choose another name or pass --force")
    if not out.parent.is_dir():
        raise click.UsageError(f"folder {out.parent} does not exist")
    with get_db().session() as session:
        found = session.get(Case, ref.strip().upper())
        if found is None:
            raise click.UsageError(f"no case {ref}")
        export_case(session, found, out)
        click.echo(f"Wrote {out} ({len(found.items)} items, {len(found.access)} reviewers).")


from . import cli_backup  # noqa: E402, F401 - adds `backup` and `restore` to `cli`


def main() -> None:
    cli(prog_name="reprisal-admin")


# Command groups kept in their own modules; each registers itself on `cli` when imported.
from . import cli_audit, cli_db, cli_keys, cli_retention, cli_users  # noqa: E402, F401
