"""Fixtures in the style of Flask's tutorial and Warehouse: an ``app``, a ``client`` and a ``runner``;
each test runs inside a transaction that is rolled back; data comes from the factories in
``tests/factories.py``.

Every database test runs on SQLite and on the PostgreSQL server at 127.0.0.1:5432. Without that server
the PostgreSQL half is skipped with a message, except under ``CI=true``, where it fails.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from reprisal_intake import schema
from reprisal_intake.db import make_engine

IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_ADMIN_URL = os.environ.get(
    "REPRISAL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def require_service(name: str, problem: str) -> None:
    """Skip a test that needs a local server which is not there, or fail under CI=true."""
    message = f"{name} is not available ({problem}); start it to run these tests"
    if IN_CI:
        pytest.fail(f"CI=true: {message}")
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _instance_path(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Keep generated secrets and default databases out of the developer's real instance folder."""
    path = tmp_path_factory.mktemp("instance")
    monkeypatch.setenv("REPRISAL_INSTANCE_PATH", str(path))
    monkeypatch.delenv("REPRISAL_DATABASE_URL", raising=False)
    monkeypatch.delenv("REPRISAL_SECRET_KEY", raising=False)
    return path


def _postgres_database() -> Iterator[str]:
    try:
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            name = f"reprisal_test_{secrets.token_hex(4)}"
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        require_service("PostgreSQL at 127.0.0.1:5432", str(error.orig).splitlines()[0])
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    else:
        yield from _postgres_database()


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
def runner(admin_app: Flask) -> FlaskCliRunner:
    return admin_app.test_cli_runner()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Any]:
    from reprisal_intake.db import Database

    database: Database = app.extensions["reprisal_db"]
    with database.session() as session:
        yield session


CSRF_PATTERN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form at ``path``, as a browser would get it."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    match = CSRF_PATTERN.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(
    client: FlaskClient, path: str, data: dict[str, Any], *, follow_redirects: bool = True
) -> Any:
    """POST ``data`` as multipart/form-data, as a browser sends a form with file inputs, and
    follow the redirect to the outcome page as a browser does (post/redirect/get).

    Werkzeug's test client spools bodies over 500 KB to a temporary file that it never closes; build
    the request here so that file is closed (warnings are errors in this suite).
    """
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(
        path=path, method="POST", data=data, content_type="multipart/form-data"
    )
    environ = builder.get_environ()
    try:
        return client.open(environ, follow_redirects=follow_redirects)
    finally:
        builder.close()
        environ["wsgi.input"].close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for tests that need their own (roles, backups)."""
    yield from _postgres_database()
