"""Every ``reprisal-admin`` command, run as an operator runs it: the installed command in a subprocess,
on a fresh instance folder and database. Each command that changes who can read or what is kept leaves
an audit entry, and the log still verifies with the key of the instance folder."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from sqlalchemy import text

from admin.cli import cli
from crypto.keyfile import dump_key_file
from crypto.keys import generate_keypair, public_key_to_base64
from reprisal_intake import create_app
from reprisal_intake.db import make_engine
from tests.factories import make_reviewer
from tests.support.cli import run_installed
from tests.support.intake import submit

# Run as installed elsewhere: db grant on PostgreSQL (tests/test_database_roles.py, whose roles
# fixture runs it; here its refusal on SQLite), and certifying and revoking readers, which take
# records signed offline (tests/admin/cli/test_readers.py), and the alert rota (its own tests).
ELSEWHERE = {
    "reviewer certify": "tests/admin/cli/test_readers.py",
    "reviewer revoke": "tests/admin/cli/test_readers.py",
    "reviewer migrate": "tests/admin/cli/test_migrate.py",
    "alerts address": "tests/admin/alerts/test_alerts_cli.py",
    "alerts rota add": "tests/admin/alerts/test_alerts_cli.py",
    "alerts rota list": "tests/admin/alerts/test_alerts_cli.py",
    "alerts run": "tests/admin/alerts/test_alerts_cli.py",
}
# The commands this module runs.
EXERCISED = {
    "init",
    "db grant",
    "reviewer add",
    "reviewer list",
    "escrow add",
    "case list",
    "case export",
    "user add",
    "user list",
    "mechanism retention",
    "mechanism list",
    "purge",
    "audit verify",
    "audit checkpoint",
    "backup",
    "restore",
}


def leaf_commands(group: click.Group, prefix: str = "") -> Iterator[str]:
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if isinstance(command, click.Group):
            yield from leaf_commands(command, f"{path} ")
        else:
            yield path


def test_every_command_is_run_here() -> None:
    assert set(leaf_commands(cli)) == EXERCISED | set(ELSEWHERE)


def public_key() -> str:
    return base64.b64encode(bytes(generate_keypair().public_key)).decode()


@pytest.fixture
def operator(tmp_path: Path):  # type: ignore[no-untyped-def]
    instance = tmp_path / "instance"
    url = f"sqlite:///{instance / 'reprisal.sqlite3'}"

    def run(*args: str, ok: bool = True) -> str:
        result = run_installed(*args, database_url=url, instance=instance)
        if ok:
            assert result.returncode == 0, (args, result.stderr[-2000:])
        return result.stdout + result.stderr

    run.url = url  # type: ignore[attr-defined]
    run.instance = instance  # type: ignore[attr-defined]
    return run


def audit_actions(url: str) -> list[str]:
    engine = make_engine(url)
    with engine.connect() as connection:
        actions = connection.execute(text("SELECT action FROM audit_log ORDER BY seq")).scalars()
        found = list(actions)
    engine.dispose()
    return found


def test_an_operator_runs_every_command(operator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert "Database schema is at revision" in operator("init")
    assert "PostgreSQL only" in operator(
        "db", "grant", "--intake-role", "a", "--admin-role", "b", ok=False
    )
    assert "Stored the key of Ana for CAT" in operator(
        "reviewer", "add", "Ana", "--mechanism", "CAT", "--public-key", public_key()
    )
    assert "Ana\tCAT\tactive" in operator("reviewer", "list")
    assert "Stored the escrow key Vault" in operator(
        "escrow", "add", "Vault", "--public-key", public_key()
    )
    assert "Invited root" in operator("user", "add", "root", "--role", "administrator")
    assert "root" in operator("user", "list")
    assert "kept 30 days" in operator("mechanism", "retention", "CAT", "30")
    assert "CAT\t30 days" in operator("mechanism", "list")

    # A report arrives at the intake (in-process here, on the same database).
    intake = create_app({"TESTING": True, "DATABASE_BIND": make_engine(operator.url)})
    make_reviewer(intake, "CAT")  # a certified reader (Ana above is not certified)
    submit(intake.test_client())
    cases = json.loads(operator("case", "list", "--json"))
    assert len(cases) == 1
    bundle = tmp_path / "case.zip"
    assert "Wrote" in operator("case", "export", cases[0]["ref"], "--out", str(bundle))
    assert bundle.exists()
    assert "0 case(s) would be deleted" in operator("purge")
    assert "Deleted 0 case(s)" in operator("purge", "--yes")

    assert audit_actions(operator.url) == [
        "reader_added",
        "escrow_key_added",
        "invitation_created",
        "retention_set",
        "case_exported",
        "purge_planned",
    ], "every command that changes who can read or what is kept"

    checkpoints = tmp_path / "checkpoints.txt"
    checkpoints.write_text(operator("audit", "checkpoint"))
    assert "Audit log intact: 6 entries, reaching 1 checkpoints." in operator(
        "audit", "verify", "--checkpoints", str(checkpoints)
    )

    backup_key = generate_keypair()
    key_file = tmp_path / "backup.key"
    key_file.write_text(dump_key_file(backup_key, None))
    to = public_key_to_base64(backup_key.public_key)
    assert "sealed to an offline key" in operator("backup", "--out", "x.rbak", ok=False)
    for day in (1, 2, 3):
        backup = tmp_path / f"reprisal-2026-12-0{day}.rbak"
        wrote = operator("backup", "--out", str(backup), "--to", to, "--keep", "2")
        assert "sealed to the offline backup key" in wrote
    assert sorted(p.name for p in tmp_path.glob("*.rbak")) == [
        "reprisal-2026-12-02.rbak",
        "reprisal-2026-12-03.rbak",
    ]
    assert "Restored" in operator("restore", str(backup), "--force", "--key", str(key_file))
    assert audit_actions(operator.url)[-1] == "backup_restored"
    assert "Audit log intact: 7 entries" in operator(
        "audit", "verify", "--checkpoints", str(checkpoints)
    )
