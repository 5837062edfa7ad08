"""Running ``reprisal-admin`` commands in-process against the test app."""

from __future__ import annotations

from click.testing import CliRunner, Result
from flask import Flask

from admin.cli import cli


def run(admin_app: Flask, *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), obj=admin_app, catch_exceptions=False)
