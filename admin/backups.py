"""Backups (``reprisal-admin backup`` and ``restore``): the whole database (cases, envelopes, reviewers, accounts,
audit log) in one portable file, taken consistently while both apps run.

Format (a ZIP file, stored uncompressed: envelopes are ciphertext and do not compress):

* ``tables/<name>.jsonl``: one JSON object per row; bytes in base64, dates and times in ISO 8601.
* ``manifest.json`` (written last): format and version, the Alembic revision, and for each table in
  foreign-key order its row count and the SHA-256 of its file.

Consistency: on PostgreSQL every table is read in one REPEATABLE READ, READ ONLY transaction (one
snapshot); on SQLite the online backup API first copies the database in one step, and the copy is read.
Envelopes live in the database (``envelope_chunks``), so this covers the envelope store too.

Sign-in sessions are left out. The file holds no readable report (ciphertext and public keys), but it
does hold metadata (dates, mechanisms, routing, the audit log) and account secrets (password hashes,
TOTP secrets, passphrase-wrapped reviewer keys): protect it like the database itself.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import hashlib
import json
import os
import sqlite3
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click
from sqlalchemy import Connection, Engine, MetaData, Table, create_engine, func, select, text

from reprisal_intake import schema

FORMAT = "reprisal-backup"
VERSION = 1
MANIFEST = "manifest.json"
SKIPPED_TABLES = {"alembic_version"}
# Sign-in sessions are not backed up: they are short-lived, hold sealed unlocked keys and pending 2FA
# secrets, and restoring them would revive sign-ins. A restore leaves them empty.
EPHEMERAL_TABLES = {"admin_sessions"}
# Rows are inserted in batches of at most this many bytes of JSON (envelope pieces are 1 MiB each).
BATCH_BYTES = 8 * 1024 * 1024
BATCH_ROWS = 1000


class BackupError(click.ClickException):
    pass


# --- values <-> JSON -------------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime.date | datetime.time):  # datetime is a date too
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def _decoder(table: Table) -> dict[str, Any]:
    """Per column, a function turning the JSON value back into what the column takes."""
    decoders: dict[str, Any] = {}
    for column in table.columns:
        try:
            python_type = column.type.python_type
        except NotImplementedError:
            python_type = object
        if python_type is bytes:
            decoders[column.name] = base64.b64decode
        elif python_type is datetime.datetime:
            decoders[column.name] = datetime.datetime.fromisoformat
        elif python_type is datetime.date:
            decoders[column.name] = datetime.date.fromisoformat
        elif python_type is datetime.time:
            decoders[column.name] = datetime.time.fromisoformat
        elif python_type is decimal.Decimal:
            decoders[column.name] = decimal.Decimal
        elif python_type is uuid.UUID:
            decoders[column.name] = uuid.UUID
    return decoders


def _decode_row(row: dict[str, Any], decoders: dict[str, Any]) -> dict[str, Any]:
    return {
        name: (decoders[name](value) if value is not None and name in decoders else value)
        for name, value in row.items()
    }


# --- reading a database ----------------------------------------------------------------------------


def _tables(connection: Connection) -> list[Table]:
    """The database's own tables (reflected, so tables added by later migrations are included), parents
    before children."""
    metadata = MetaData()
    metadata.reflect(connection)
    return [t for t in metadata.sorted_tables if t.name not in SKIPPED_TABLES]


def _primary_key_order(table: Table) -> list[Any]:
    return list(table.primary_key.columns) or list(table.columns)


def _export(connection: Connection, archive: zipfile.ZipFile) -> dict[str, Any]:
    revision = schema.current_revision(connection)
    if revision is None:
        raise BackupError("the database has no schema; run `reprisal-admin init` first")
    tables = []
    for table in _tables(connection):
        if table.name in EPHEMERAL_TABLES:
            continue
        digest = hashlib.sha256()
        count = 0
        name = f"tables/{table.name}.jsonl"
        with archive.open(name, "w", force_zip64=True) as member:
            rows = connection.execution_options(stream_results=True, yield_per=16).execute(
                select(table).order_by(*_primary_key_order(table))
            )
            for row in rows.mappings():
                line = json.dumps(
                    {key: _encode(value) for key, value in row.items()}, separators=(",", ":")
                ).encode()
                line += b"\n"
                member.write(line)
                digest.update(line)
                count += 1
        tables.append(
            {"name": table.name, "rows": count, "file": name, "sha256": digest.hexdigest()}
        )
    return {
        "format": FORMAT,
        "version": VERSION,
        "alembic_revision": revision,
        "dialect": connection.dialect.name,
        "created": datetime.datetime.now(datetime.UTC).date().isoformat(),
        "tables": tables,
    }


def _snapshot_export(engine: Engine, archive: zipfile.ZipFile, workdir: Path) -> dict[str, Any]:
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:":
            raise BackupError("cannot back up an in-memory SQLite database")
        copy = workdir / "snapshot.sqlite3"
        source = sqlite3.connect(database, timeout=30)
        target = sqlite3.connect(copy)
        try:
            with target:
                source.backup(target)  # one step: a consistent copy, writers are not blocked (WAL)
        finally:
            target.close()
            source.close()
        snapshot = create_engine(f"sqlite:///{copy}")
        try:
            with snapshot.connect() as connection:
                return _export(connection, archive)
        finally:
            snapshot.dispose()
    isolation = "REPEATABLE READ" if engine.dialect.name == "postgresql" else "SERIALIZABLE"
    with (
        engine.connect().execution_options(isolation_level=isolation) as connection,
        connection.begin(),
    ):
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET TRANSACTION READ ONLY"))
        return _export(connection, archive)


def write_backup(engine: Engine, out: Path) -> dict[str, Any]:
    """Write a backup of ``engine``'s database to ``out`` atomically; returns the manifest."""
    out = out.resolve()
    with tempfile.TemporaryDirectory(prefix=".reprisal-backup-", dir=out.parent) as work:
        workdir = Path(work)
        partial = workdir / "backup.zip"
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
            manifest = _snapshot_export(engine, archive, workdir)
            archive.writestr(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(partial, 0o600)
        os.replace(partial, out)
    return manifest


# --- restoring -------------------------------------------------------------------------------------


def read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads(archive.read(MANIFEST))
    except KeyError as error:
        raise BackupError("not a reprisal backup (no manifest.json)") from error
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError(f"not a {FORMAT} version {VERSION} file")
    return manifest


def verify_archive(archive: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    """Check every table file against the manifest's hash and row count before touching the database."""
    for entry in manifest["tables"]:
        digest = hashlib.sha256()
        count = 0
        with archive.open(entry["file"]) as member:
            for line in member:
                digest.update(line)
                count += 1
        if digest.hexdigest() != entry["sha256"] or count != entry["rows"]:
            raise BackupError(f"{entry['file']} is damaged (hash or row count does not match)")


def _rows(member: IO[bytes]) -> Iterator[tuple[dict[str, Any], int]]:
    for line in member:
        yield json.loads(line), len(line)


def _row_counts(connection: Connection, tables: list[Table]) -> dict[str, int]:
    return {
        t.name: int(connection.scalar(select(func.count()).select_from(t)) or 0) for t in tables
    }


def _is_empty(connection: Connection, tables: list[Table]) -> bool:
    """Nothing but what the migrations put there (the list of mechanisms)."""
    counts = _row_counts(connection, tables)
    return all(count == 0 for name, count in counts.items() if name != "mechanisms")


def _reset_sequences(connection: Connection, tables: list[Table]) -> None:
    if connection.dialect.name != "postgresql":
        return  # SQLite continues after the largest rowid by itself
    for table in tables:
        for column in table.primary_key.columns:
            sequence = connection.scalar(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": table.name, "column": column.name},
            )
            if sequence:
                largest = connection.scalar(select(func.max(column)))
                connection.execute(
                    text("SELECT setval(:sequence, :value, :called)"),
                    {"sequence": sequence, "value": largest or 1, "called": largest is not None},
                )


def _load(connection: Connection, archive: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    tables = {t.name: t for t in _tables(connection)}
    missing = [e["name"] for e in manifest["tables"] if e["name"] not in tables]
    if missing:
        raise BackupError(f"the database has no table {', '.join(missing)}")
    for table in reversed(list(tables.values())):
        connection.execute(table.delete())
    for entry in manifest["tables"]:
        table = tables[entry["name"]]
        decoders = _decoder(table)
        batch: list[dict[str, Any]] = []
        size = 0
        with archive.open(entry["file"]) as member:
            for row, length in _rows(member):
                batch.append(_decode_row(row, decoders))
                size += length
                if size >= BATCH_BYTES or len(batch) >= BATCH_ROWS:
                    connection.execute(table.insert(), batch)
                    batch, size = [], 0
        if batch:
            connection.execute(table.insert(), batch)
    _reset_sequences(connection, list(tables.values()))
    counts = _row_counts(connection, list(tables.values()))
    wrong = [e["name"] for e in manifest["tables"] if counts[e["name"]] != e["rows"]]
    if wrong:
        raise BackupError(f"row counts differ after restoring {', '.join(wrong)}; nothing restored")


def restore_backup(engine: Engine, source: Path, *, force: bool) -> dict[str, Any]:
    """Restore ``source`` into ``engine``'s database in one transaction, then migrate to the head."""
    try:
        opened = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        raise BackupError(f"{source} is not a reprisal backup (not a ZIP file)") from None
    with opened as archive:
        manifest = read_manifest(archive)
        verify_archive(archive, manifest)
        revision = manifest["alembic_revision"]
        current = schema.current_revision(engine)
        if current is None:
            schema.upgrade(engine, revision)
        elif current != revision:
            raise BackupError(
                f"the database is at revision {current} and the backup at {revision}; "
                "restore into a new, empty database"
            )
        with engine.begin() as connection:
            if not force and not _is_empty(connection, _tables(connection)):
                raise BackupError("the database is not empty; pass --force to replace its contents")
            _load(connection, archive, manifest)
    schema.upgrade(engine)
    return manifest
