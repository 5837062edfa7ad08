"""Secrets at rest: the instance folder is 0700 and the SQLite database, its WAL and SHM 0600 from
`reprisal-admin init` on, whatever the configuration; both apps refuse to start when they are open."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from admin import create_app as create_admin_app
from reprisal_intake import create_app
from reprisal_intake.db import make_engine
from reprisal_intake.instance import InstanceExposedError
from tests.support.cli import run_installed


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("secret_in_environment", [True, False])
def test_init_makes_a_private_instance_whatever_the_configuration(
    tmp_path: Path, secret_in_environment: bool
) -> None:
    instance = tmp_path / "new" / "instance"
    database = instance / "reprisal.sqlite3"
    env = {"REPRISAL_SECRET_KEY": "x" * 40} if secret_in_environment else {}
    result = run_installed("init", database_url=f"sqlite:///{database}", instance=instance, **env)
    assert result.returncode == 0, result.stderr
    assert mode(instance) == 0o700
    assert mode(database) == 0o600
    assert mode(instance / "audit_key") == 0o600

    # While the apps write, SQLite's WAL and SHM files exist: private too.
    engine = make_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        connection.execute(text("UPDATE mechanisms SET position = position"))
        connection.commit()
        for suffix in ("-wal", "-shm"):
            assert mode(Path(f"{database}{suffix}")) == 0o600, suffix
    engine.dispose()


def test_a_database_outside_the_instance_folder_is_private_too(tmp_path: Path) -> None:
    elsewhere = tmp_path / "srv" / "reprisal.db"
    result = run_installed(
        "init", database_url=f"sqlite:///{elsewhere}", instance=tmp_path / "instance"
    )
    assert result.returncode == 0, result.stderr
    assert mode(elsewhere) == 0o600


def test_the_apps_refuse_an_open_instance_and_init_closes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = tmp_path / "instance"
    database = instance / "reprisal.sqlite3"
    url = f"sqlite:///{database}"
    assert run_installed("init", database_url=url, instance=instance).returncode == 0
    os.chmod(instance, 0o755)
    os.chmod(database, 0o644)
    monkeypatch.setenv("REPRISAL_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("REPRISAL_DATABASE_URL", url)
    for factory in (create_app, create_admin_app):
        with pytest.raises(InstanceExposedError, match="readable by other users") as refused:
            factory()
        assert str(instance) in str(refused.value) and "reprisal-admin init" in str(refused.value)

    assert run_installed("init", database_url=url, instance=instance).returncode == 0
    assert (mode(instance), mode(database)) == (0o700, 0o600)
    create_app()
    create_admin_app()
