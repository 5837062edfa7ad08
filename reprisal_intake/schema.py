"""Create or migrate the schema with Alembic (``reprisal-admin init``)."""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect


def alembic_config(bind: Engine | Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("reprisal_intake") / "migrations"))
    if isinstance(bind, Engine):
        config.set_main_option("sqlalchemy.url", bind.url.render_as_string(hide_password=False))
    elif isinstance(bind, Connection):
        config.attributes["connection"] = bind
    return config


def upgrade(bind: Engine | Connection, revision: str = "head") -> None:
    command.upgrade(alembic_config(bind), revision)


def downgrade(bind: Engine | Connection, revision: str) -> None:
    command.downgrade(alembic_config(bind), revision)


def current_revision(bind: Engine | Connection) -> str | None:
    if isinstance(bind, Engine):
        with bind.connect() as connection:
            return current_revision(connection)
    if not inspect(bind).has_table("alembic_version"):
        return None
    row = bind.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    return None if row is None else str(row[0])


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def runs_revision(before: str | None, revision: str) -> bool:
    """Whether upgrading a database at ``before`` to the head runs ``revision`` (a new, empty
    database has nothing to convert)."""
    if before is None:
        return False
    script = ScriptDirectory.from_config(alembic_config())
    return any(s.revision == revision for s in script.iterate_revisions("heads", before))
