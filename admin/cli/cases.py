"""``reprisal-admin case ...``: list cases (routing data only) and export encrypted case bundles."""

from __future__ import annotations

import json
from pathlib import Path

import click

from admin.audit import log as audit_log
from admin.cases.bundles import case_summary, export_case, list_cases
from admin.cli.keyfiles import load_reader_key
from crypto.errors import RptenvError
from crypto.keys import open_case_key, public_key_from_bytes
from reprisal_intake.db import get_db
from reprisal_intake.models import Case


@click.group()
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
@click.option(
    "--key",
    "key_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A reader's key file: the bundle's manifest is then authenticated (bundle version 2).",
)
@click.option("--passphrase-file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
def case_export(
    ref: str, out: Path, force: bool, key_file: Path | None, passphrase_file: Path | None
) -> None:
    """Export a case as an encrypted bundle for offline decryption (spec §3). Without --key its
    manifest is not authenticated (version 1): this command holds no secret key by itself."""
    if out.exists() and not force:
        raise click.UsageError(f"{out} exists; choose another name or pass --force")
    if not out.parent.is_dir():
        raise click.UsageError(f"folder {out.parent} does not exist")
    with get_db().session() as session:
        found = session.get(Case, ref.strip().upper())
        if found is None:
            raise click.UsageError(f"no case {ref}")
        case_key = None
        if key_file is not None:
            reader_key = load_reader_key(key_file, passphrase_file)
            try:
                case_key = open_case_key(
                    [stanza.sealed_case_key for stanza in found.access],
                    reader_key,
                    case_public_key=public_key_from_bytes(found.public_key),
                )
            except RptenvError as error:
                raise click.UsageError(
                    f"this key does not open case {found.ref}: {error}"
                ) from None
        export_case(session, found, out, case_key)
        # A copy of the case now exists outside the database: who holds it is worth knowing.
        audit_log.record(session, "reprisal-admin", "case_exported", case_ref=found.ref)
        authenticated = "authenticated manifest" if case_key else "manifest NOT authenticated"
        click.echo(
            f"Wrote {out} ({len(found.items)} items, {len(found.access)} reviewers, "
            f"{authenticated})."
        )
