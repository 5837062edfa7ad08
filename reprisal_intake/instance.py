"""Secrets at rest: the instance folder is 0700 and a SQLite database with its WAL and SHM files 0600,
from the first ``reprisal-admin init`` on, whatever the configuration; both apps refuse to start when
either is open to other users (``reprisal-admin init`` makes them private again)."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

FOLDER_MODE = 0o700
FILE_MODE = 0o600
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


class InstanceExposedError(RuntimeError):
    """The instance folder or the database files are readable by other users."""


def sqlite_file(database_url: str) -> Path | None:
    """The file of a SQLite URL, or None (another database, or in memory)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def create_private_sqlite_file(path: Path) -> None:
    """Create the database file 0600 before SQLite does (SQLite then gives its WAL and SHM files the
    same mode); its folder too, 0700, if missing."""
    path.parent.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))


def private_paths(instance_path: Path, database_url: str) -> list[tuple[Path, int]]:
    """What must be private, with the mode it must have, of what exists."""
    paths = [(instance_path, FOLDER_MODE)]
    database = sqlite_file(database_url)
    if database is not None:
        paths += [(Path(f"{database}{suffix}"), FILE_MODE) for suffix in SQLITE_COMPANIONS]
    return [(path, mode) for path, mode in paths if path.exists()]


def secure_instance(instance_path: Path, database_url: str, *, repair: bool) -> None:
    """Create the instance folder 0700 if missing. Then, with ``repair`` (``reprisal-admin``), take
    group and other permissions off it and off the database files; without (the apps), refuse to
    start if any has them."""
    instance_path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    exposed = []
    for path, mode in private_paths(instance_path, database_url):
        current = stat.S_IMODE(path.stat().st_mode)
        if current & 0o077 == 0:
            continue
        if repair:
            os.chmod(path, current & mode)
        else:
            exposed.append(f"{path} (mode {current:o})")
    if exposed:
        raise InstanceExposedError(
            "readable by other users: "
            + ", ".join(exposed)
            + "; run `reprisal-admin init` (or chmod 700 the folder, 600 the database files)"
        )
