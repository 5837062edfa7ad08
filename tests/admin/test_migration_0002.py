"""Migration 0002 (accounts, sessions, audit log, reviewer keys in the app) goes up and down with data
on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from reprisal_intake import schema
from reprisal_intake.db import make_engine
from tests.support.services import temporary_postgres_database

NEW_TABLES = {
    "users",
    "user_mechanisms",
    "webauthn_credentials",
    "admin_sessions",
    "audit_log",
    "audit_head",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'migrate.sqlite3'}")
        yield engine
        engine.dispose()
        return
    databases = temporary_postgres_database()
    url = next(databases)
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        databases.close()


def test_0002_up_and_down_keeps_the_data(fresh_engine: Engine) -> None:
    schema.upgrade(fresh_engine, "0001")
    with fresh_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO reviewers (id, name, public_key, active, created) "
                "VALUES ('r1', 'Ana', :key, true, :day)"
            ),
            {"key": b"k" * 32, "day": datetime.date(2026, 1, 2)},
        )
        connection.execute(text("INSERT INTO reviewer_mechanisms VALUES ('r1', 'CAT')"))
    schema.upgrade(fresh_engine, "0002")
    tables = set(inspect(fresh_engine).get_table_names())
    assert tables >= NEW_TABLES
    indexes = {i["name"] for i in inspect(fresh_engine).get_indexes("cases")}
    assert "ix_cases_created_ref" in indexes
    with fresh_engine.begin() as connection:
        row = connection.execute(
            text("SELECT name, escrow, user_id, wrapped_secret_key FROM reviewers")
        ).one()
        assert tuple(row) == ("Ana", False, None, None)
        connection.execute(
            text(
                "INSERT INTO users (id, username, roles, recovery_code_hashes, failed_attempts, "
                "active, created) VALUES ('u1', 'ana', 'focal_point', '', 0, true, :now)"
            ),
            {"now": datetime.datetime(2026, 1, 2, 3, 4, 5)},
        )
        connection.execute(text("UPDATE reviewers SET user_id = 'u1', escrow = false"))
        connection.execute(
            text(
                "INSERT INTO audit_log (seq, at, actor, action, case_ref, detail, prev_hash, hash) "
                "VALUES (1, :now, 'ana', 'sign_in', NULL, '{}', :zero, :zero)"
            ),
            {"now": datetime.datetime(2026, 1, 2, 3, 4, 5), "zero": "0" * 64},
        )
    schema.downgrade(fresh_engine, "0001")
    assert NEW_TABLES.isdisjoint(inspect(fresh_engine).get_table_names())
    columns = {c["name"] for c in inspect(fresh_engine).get_columns("reviewers")}
    assert {"user_id", "wrapped_secret_key", "escrow"}.isdisjoint(columns)
    with fresh_engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM reviewers")).scalar_one() == "Ana"
        assert (
            connection.execute(text("SELECT mechanism_code FROM reviewer_mechanisms")).scalar_one()
            == "CAT"
        )
    schema.upgrade(fresh_engine)
    assert schema.current_revision(fresh_engine) == schema.head_revision()
