"""Database engine and sessions, bound to an app in ``init_app`` (no Flask-SQLAlchemy)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

EXTENSION_KEY = "reprisal_db"


class Database:
    """Hands out sessions bound to an engine, or in tests to one connection whose outer transaction is
    rolled back after the test (each commit then only releases a savepoint)."""

    def __init__(self, bind: Engine | Connection) -> None:
        self.bind = bind
        self.sessionmaker = sessionmaker(
            bind, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on any error."""
        with self.sessionmaker() as session, session.begin():
            yield session


def make_engine(url: str, **options: Any) -> Engine:
    # psycopg 3 is the driver we ship; plain postgresql:// would ask SQLAlchemy for psycopg2.
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            url = "postgresql+psycopg://" + url[len(plain) :]
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **options)
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    # A server that does not answer must not hold a request for the kernel's TCP timeout: the form
    # falls back to the choices last read, and a report gets "try again in a minute".
    options.setdefault("connect_args", {}).setdefault("connect_timeout", 5)
    return create_engine(url, pool_pre_ping=True, **options)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, emit BEGIN, so that savepoints work and transactions
    # start where SQLAlchemy thinks they do.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted rows are overwritten with zeros, not left in free pages (retention, admin purge).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL makes every commit durable before the receipt page is sent.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _begin_sqlite(connection: Connection) -> None:
    # IMMEDIATE takes the write lock up front (waiting up to the busy timeout) instead of failing when
    # a read transaction later tries to write while another process writes.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def init_app(app: Flask, bind: Engine | Connection | None = None) -> Database:
    database = Database(bind or make_engine(app.config["REPRISAL_DATABASE_URL"]))
    app.extensions[EXTENSION_KEY] = database
    return database


def get_db() -> Database:
    database: Database = current_app.extensions[EXTENSION_KEY]
    return database


def scope_to_submitter(session: Session, lookup_tag: bytes) -> None:
    """Name the one case this transaction works for, by its lookup tag.

    On PostgreSQL the intake's role sees, through row-level security, only rows of the case whose tag
    is set here (``reprisal-admin db grant``); elsewhere this does nothing.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT set_config('reprisal.lookup_tag', :tag, true)"), {"tag": lookup_tag.hex()}
        )


def scope_to_uploads(session: Session, upload_ids: Sequence[str]) -> None:
    """Name the browser uploads this transaction works on, by their ids (capabilities only the
    uploading browser knows; random ids contain no comma).

    On PostgreSQL the intake's role sees and changes only these uploads and their parts, through
    row-level security (``reprisal-admin db grant``); elsewhere this does nothing.
    """
    if any("," in upload_id for upload_id in upload_ids):
        raise ValueError("not an upload id")
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT set_config('reprisal.upload_ids', :ids, true)"),
            {"ids": ",".join(upload_ids)},
        )
