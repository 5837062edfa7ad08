"""``reprisal-admin backup`` and ``restore`` (the format and its consistency: admin/backups.py)."""

from __future__ import annotations

from pathlib import Path

import click
from nacl.public import PrivateKey
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from admin.audit import log as audit_log
from admin.backups import prune_backups, restore_backup, write_backup
from crypto.errors import FormatError, RptenvError
from crypto.keyfile import is_unprotected_key_file, load_key_file
from crypto.keys import public_key_from_base64
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
@click.option(
    "--to",
    "recipient",
    envvar="REPRISAL_BACKUP_PUBLIC_KEY",
    metavar="BASE64",
    help="The offline backup key (`reprisal-decrypt keygen --suite 1`); default: "
    "REPRISAL_BACKUP_PUBLIC_KEY.",
)
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    help="Then delete all but the KEEP newest backups (*.rbak) in OUT's folder.",
)
def backup_command(out: Path, force: bool, recipient: str | None, keep: int | None) -> None:
    """Back up the database, envelopes included, consistently while the apps run, sealed to an
    offline public key: nothing on this server can open the file."""
    if not recipient:
        raise click.UsageError(
            "backups are sealed to an offline key: pass --to BASE64 or set "
            "REPRISAL_BACKUP_PUBLIC_KEY (make the key with `reprisal-decrypt keygen --suite 1`)"
        )
    try:
        key = public_key_from_base64(recipient)
    except FormatError as error:
        raise click.BadParameter(f"not a public key: {error}", param_hint="--to") from error
    if out.exists() and not force:
        raise click.UsageError(f"{out} exists; choose another name or pass --force")
    if not out.parent.is_dir():
        raise click.UsageError(f"folder {out.parent} does not exist")
    manifest = write_backup(_engine(), out, key)
    counts = {t["name"]: t["rows"] for t in manifest["tables"]}
    click.echo(
        f"Wrote {out}: revision {manifest['alembic_revision']}, {counts.get('cases', 0)} cases, "
        f"{counts.get('envelope_chunks', 0)} envelope pieces, {len(counts)} tables, sealed to "
        "the offline backup key."
    )
    if keep is not None:
        removed = prune_backups(out.resolve().parent, keep)
        click.echo(f"Kept the {keep} newest backups; deleted {len(removed)} older.")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the contents of a database that is not empty.")
@click.option(
    "--key",
    "key_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The offline backup key file (from `reprisal-decrypt keygen --suite 1`).",
)
@click.option(
    "--passphrase-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the key file's passphrase from the first line of this file instead of asking.",
)
def restore_command(
    source: Path, force: bool, key_file: Path, passphrase_file: Path | None
) -> None:
    """Restore a backup made by `reprisal-admin backup` (into an empty database unless --force)."""
    key = _backup_key(key_file, passphrase_file)
    engine = _engine()
    manifest = restore_backup(engine, source, key, force=force)
    counts = {t["name"]: t["rows"] for t in manifest["tables"]}
    # What is kept changed wholesale: the restored log says so (and its chain must still verify).
    with get_db().session() as session:
        audit_log.record(
            session,
            "reprisal-admin",
            "backup_restored",
            detail={"revision": manifest["alembic_revision"], "cases": counts.get("cases", 0)},
        )
    click.echo(
        f"Restored {source} into {_describe(engine)}: {counts.get('cases', 0)} cases, "
        f"{sum(counts.values())} rows in {len(counts)} tables, all counts verified; "
        f"schema now at revision {schema.current_revision(engine)}."
    )


def _backup_key(key_file: Path, passphrase_file: Path | None) -> PrivateKey:
    text = key_file.read_text()
    try:
        if is_unprotected_key_file(text):
            passphrase = None
        elif passphrase_file is not None:
            passphrase = passphrase_file.read_text().split("\n", 1)[0].removesuffix("\r")
        else:
            passphrase = click.prompt(f"Passphrase for {key_file}", hide_input=True)
        key = load_key_file(text, passphrase)
    except RptenvError as error:
        raise click.BadParameter(str(error), param_hint="--key") from error
    if not isinstance(key, PrivateKey):
        raise click.BadParameter("backups are sealed to a suite 1 (X25519) key", param_hint="--key")
    return key
