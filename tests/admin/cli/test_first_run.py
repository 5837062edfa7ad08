"""Tried as a new user would: every ``reprisal-admin`` command (found by walking the click groups, so
a new command is covered the day it is added), run as installed with no terminal on a database that
was never initialised, ends in a sentence that says what to do, never in a traceback."""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from admin.cli import cli
from crypto.keys import generate_keypair, public_key_to_base64
from reprisal_intake import schema
from reprisal_intake.db import make_engine
from tests.support.servers import BIN

INIT_FIRST = "run `reprisal-admin init`"
# What each command says on a database without tables, when it is not INIT_FIRST.
SAYS = {
    "init": "Database schema is at revision",
    "restore": "is not a reprisal backup",
    "backup": "run `reprisal-admin init` first",
}
SAYS_ON_SQLITE = {"db grant": "database roles apply to PostgreSQL only"}
# A usage error (click's exit status 2) rather than a failure (1).
USAGE_ERRORS_ON_SQLITE = {"db grant"}


def leaf_commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from leaf_commands(command, (*path, name))
        else:
            yield (*path, name)


def command_of(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


def sample_arguments(command: click.Command, workdir: Path) -> list[str]:
    """A plausible value for every required parameter; a parameter without one fails here."""
    not_a_backup = workdir / "not-a-backup.zip"
    not_a_backup.write_text("hello")
    samples = {
        "out": str(workdir / "out.zip"),
        "ref": "NO-SUCH-CASE",
        "intake_role": "reprisal_intake",
        "admin_role": "reprisal_admin",
        "name": "Focal point CAT",
        "public_key": public_key_to_base64(generate_keypair().public_key),
        "code": "CAT",
        "days": "30",
        "source": str(not_a_backup),
        "mechanisms": "CAT",
        "username": "newcomer",
        "roles": "focal_point",
        "record_file": str(not_a_backup),
        "revocation_file": str(not_a_backup),
    }
    argv: list[str] = []
    for param in command.params:
        if not param.required:
            continue
        assert param.name in samples, f"give {param.name!r} of {command.name} a sample value"
        value = samples[param.name]
        argv += [param.opts[0], value] if isinstance(param, click.Option) else [value]
    return argv


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
@pytest.mark.parametrize("path", list(leaf_commands(cli)), ids=" ".join)
def test_every_command_on_a_database_never_initialised_says_what_to_do(
    request: pytest.FixtureRequest, tmp_path: Path, database: str, path: tuple[str, ...]
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPRISAL_")}
    env["REPRISAL_INSTANCE_PATH"] = str(tmp_path / "instance")
    if database == "postgresql":
        env["REPRISAL_DATABASE_URL"] = request.getfixturevalue("postgres_url")
    name = " ".join(path)
    result = subprocess.run(
        [str(BIN / "reprisal-admin"), *path, *sample_arguments(command_of(path), tmp_path)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        start_new_session=True,  # no controlling terminal
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    expected = SAYS_ON_SQLITE.get(name) if database == "sqlite" else None
    assert (expected or SAYS.get(name, INIT_FIRST)) in output, output
    status = 0 if name == "init" else 1
    if database == "sqlite" and name in USAGE_ERRORS_ON_SQLITE:
        status = 2
    assert result.returncode == status, output


def test_the_readme_s_fastest_way_to_an_intake_that_accepts_reports_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The two commands the README gives, run as installed in a new instance (the passphrase from a
    file, as there is no terminal here): the report form then offers CAT."""
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    block = readme.split("The fastest way", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    keygen_line, sign_line, reviewer_add_line = (
        line.split("#")[0] for line in block.strip().splitlines()
    )
    keygen = shlex.split(keygen_line)
    assert keygen[0] == ".venv/bin/reprisal-decrypt"
    assert sign_line.startswith(".venv/bin/reprisal-decrypt sign-reader")
    assert reviewer_add_line.startswith(".venv/bin/reprisal-admin reviewer add")
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPRISAL_")}
    env["REPRISAL_INSTANCE_PATH"] = str(tmp_path / "instance")
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("a long passphrase\n")

    def run(argv: list[str]) -> str:
        done = subprocess.run(
            [str(BIN / Path(argv[0]).name), *argv[1:]],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
            check=True,
        )
        return done.stdout

    run([".venv/bin/reprisal-admin", "init"])
    # What `make run` (deploy/run-local.sh) does first: a trial organisation key, pinned.
    org_public_key = run(
        [".venv/bin/reprisal-decrypt", "org-keygen", "--out", "trial-organisation.key",
         "--unprotected"]
    ).strip()  # fmt: skip
    (tmp_path / "instance" / "org_public_keys").write_text(org_public_key + "\n")
    public_key = run([*keygen, "--passphrase-file", str(passphrase)]).strip()
    run(shlex.split(sign_line.replace("<printed key>", public_key)))
    run(shlex.split(reviewer_add_line.replace("<printed key>", public_key)))

    monkeypatch.setenv("REPRISAL_INSTANCE_PATH", env["REPRISAL_INSTANCE_PATH"])
    monkeypatch.delenv("REPRISAL_ORG_PUBLIC_KEYS")  # pinned by the instance file, as after make run
    from reprisal_intake import create_app

    page = create_app().test_client().get("/report").get_data(as_text=True)
    assert 'name="mechanism" value="CAT"' in page


def test_a_command_on_a_database_not_migrated_says_to_run_init(tmp_path: Path) -> None:
    """A database left at an older revision (before mechanisms had a retention period)."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = make_engine(url)
    schema.upgrade(engine, "0004")
    engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPRISAL_")}
    env |= {"REPRISAL_INSTANCE_PATH": str(tmp_path / "instance"), "REPRISAL_DATABASE_URL": url}
    result = subprocess.run(
        [str(BIN / "reprisal-admin"), "mechanism", "list"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert INIT_FIRST in result.stderr and result.returncode == 1
