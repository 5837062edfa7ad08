"""Fixtures in the style of Flask's tutorial and Warehouse: an ``app`` (and ``admin_app``) and a ``client``;
each test runs inside a transaction that is rolled back; data comes from the factories in
``tests/factories.py``.

Every database test runs on SQLite and on the PostgreSQL server at 127.0.0.1:5432. Without that server
the PostgreSQL half is skipped with a message, except under ``CI=true``, where it fails.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine

from reprisal_intake import schema
from reprisal_intake.db import make_engine
from tests.factories import ORG_PUBLIC_KEY
from tests.support.services import temporary_postgres_database


@pytest.fixture(autouse=True)
def _instance_path(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Keep generated secrets and default databases out of the developer's real instance folder."""
    path = tmp_path_factory.mktemp("instance")
    monkeypatch.setenv("REPRISAL_INSTANCE_PATH", str(path))
    monkeypatch.delenv("REPRISAL_DATABASE_URL", raising=False)
    monkeypatch.delenv("REPRISAL_SECRET_KEY", raising=False)
    # The test deployment's organisation key (tests/factories.py) certifies the factories' readers.
    monkeypatch.setenv("REPRISAL_ORG_PUBLIC_KEYS", base64.b64encode(ORG_PUBLIC_KEY).decode())
    return path


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    else:
        yield from temporary_postgres_database()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    schema.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """One connection per test, its outer transaction rolled back at the end."""
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        if transaction.is_active:
            transaction.rollback()


def _make_config(connection: Connection) -> dict[str, Any]:
    return {"TESTING": True, "DATABASE_BIND": connection}


@pytest.fixture
def app(connection: Connection) -> Flask:
    from reprisal_intake import create_app

    return create_app(_make_config(connection))


@pytest.fixture
def admin_app(connection: Connection) -> Flask:
    from admin import create_app

    return create_app(_make_config(connection))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for tests that need their own (roles, backups)."""
    yield from temporary_postgres_database()
