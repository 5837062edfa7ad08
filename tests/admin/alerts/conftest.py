"""Alert tests that run the installed commands share an instance folder with an in-process app."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment of ``reprisal-admin`` for a fresh instance folder (SQLite there), which
    ``create_app()`` in the test process uses too."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPRISAL_")}
    env["REPRISAL_INSTANCE_PATH"] = str(tmp_path / "instance")
    monkeypatch.setenv("REPRISAL_INSTANCE_PATH", env["REPRISAL_INSTANCE_PATH"])
    return env
