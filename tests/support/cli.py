"""Running ``reprisal-admin`` commands: in-process against the test app, or the installed command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner, Result
from flask import Flask

from admin.cli import cli


def run(admin_app: Flask, *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), obj=admin_app, catch_exceptions=False)


BIN = Path(sys.executable).parent


def run_installed(
    *args: str, database_url: str, instance: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``reprisal-admin`` as an operator would, against ``database_url``."""
    environment = {**os.environ, "REPRISAL_DATABASE_URL": database_url, **env}
    if instance is not None:
        environment["REPRISAL_INSTANCE_PATH"] = str(instance)
    return subprocess.run(
        [str(BIN / "reprisal-admin"), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
