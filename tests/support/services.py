"""Local services the tests need (PostgreSQL, Redis): skip without them, fail under CI=true."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

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


def temporary_postgres_database() -> Iterator[str]:
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
