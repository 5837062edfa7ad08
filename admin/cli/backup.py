"""``reprisal-admin backup`` and ``restore`` (the format and its consistency: admin/backups.py)."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from admin.backups import restore_backup, write_backup
from reprisal_intake import schema
from reprisal_intake.db import get_db, make_engine


def _engine() -> Engine:
    bind = get_db().bind
    if isinstance(bind, Engine):
        return bind
    return make_engine(bind.engine.url.render_as_string(hide_password=False))


def _describe(engine: Engine) -> str:
    return make_url(engine.url).render_as_string(hide_password=True)


@click.command("backup")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The backup file to write (a ZIP file; mode 0600).",
)
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists.")
def backup_command(out: Path, force: bool) -> None:
    """Back up the database, envelopes included, consistently while the apps run."""
    if out.exists() and not force:
        raise click.UsageError(f"{out} exists; choose another name or pass --force")
    if not out.parent.is_dir():
        raise click.UsageError(f"folder {out.parent} does not exist")
    manifest = write_backup(_engine(), out)
    counts = {t["name"]: t["rows"] for t in manifest["tables"]}
    click.echo(
        f"Wrote {out}: revision {manifest['alembic_revision']}, {counts.get('cases', 0)} cases, "
        f"{counts.get('envelope_chunks', 0)} envelope pieces, {len(counts)} tables. "
        "It holds ciphertext and metadata: keep it as safe as the database."
    )


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the contents of a database that is not empty.")
def restore_command(source: Path, force: bool) -> None:
    """Restore a backup made by `reprisal-admin backup` (into an empty database unless --force)."""
    engine = _engine()
    manifest = restore_backup(engine, source, force=force)
    counts = {t["name"]: t["rows"] for t in manifest["tables"]}
    click.echo(
        f"Restored {source} into {_describe(engine)}: {counts.get('cases', 0)} cases, "
        f"{sum(counts.values())} rows in {len(counts)} tables, all counts verified; "
        f"schema now at revision {schema.current_revision(engine)}."
    )
