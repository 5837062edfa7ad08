"""Configuration from the environment: the fixed variables of the README."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from reprisal_intake.config import (
    app_secret_key,
    default_instance_path,
    load_config,
    org_public_keys,
)
from reprisal_intake.db import make_engine


def test_the_instance_secret_is_made_once_and_kept_private(_instance_path: Path) -> None:
    first = app_secret_key("intake", _instance_path)
    assert app_secret_key("intake", _instance_path) == first
    assert app_secret_key("admin", _instance_path) != first
    assert (_instance_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_a_configured_secret_gives_each_app_its_own_key(
    _instance_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPRISAL_SECRET_KEY", "configured")
    intake, admin = (
        app_secret_key("intake", _instance_path),
        app_secret_key("admin", _instance_path),
    )
    assert intake != admin
    assert not (_instance_path / "secret_key").exists()


def test_database_and_rate_limit_storage_come_from_the_environment(
    _instance_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config("intake", default_instance_path())
    assert config["REPRISAL_DATABASE_URL"] == f"sqlite:///{_instance_path / 'reprisal.sqlite3'}"
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    monkeypatch.setenv("REPRISAL_DATABASE_URL", "postgresql://u@db/reprisal")
    monkeypatch.setenv("REPRISAL_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379")
    config = load_config("intake", default_instance_path())
    assert config["REPRISAL_DATABASE_URL"] == "postgresql://u@db/reprisal"
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379"


@pytest.mark.parametrize("url", ["postgresql://u@h/d", "postgres://u@h/d"])
def test_plain_postgresql_urls_use_psycopg_3(url: str) -> None:
    engine = make_engine(url)
    assert engine.url.drivername == "postgresql+psycopg"
    engine.dispose()


def test_the_pinned_organisation_keys_come_from_the_environment_or_the_instance_file(
    _instance_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = bytes(range(32)), bytes(range(1, 33))
    text = f"{base64.b64encode(first).decode()}, {base64.b64encode(second).decode()}"
    monkeypatch.setenv("REPRISAL_ORG_PUBLIC_KEYS", text)
    assert org_public_keys(_instance_path) == (first, second)
    monkeypatch.delenv("REPRISAL_ORG_PUBLIC_KEYS")
    assert org_public_keys(_instance_path) == ()  # none pinned: nothing is ever sealed
    (_instance_path / "org_public_keys").write_text(base64.b64encode(second).decode() + "\n")
    assert org_public_keys(_instance_path) == (second,)
    monkeypatch.setenv("REPRISAL_ORG_PUBLIC_KEYS", "not a key")
    with pytest.raises(RuntimeError, match="REPRISAL_ORG_PUBLIC_KEYS"):
        load_config("intake", _instance_path)
