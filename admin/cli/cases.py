"""``reprisal-admin case ...``: list cases (routing data only) and export encrypted case bundles."""

from __future__ import annotations

import json
from pathlib import Path

import click

from admin.cases.bundles import case_summary, export_case, list_cases
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
