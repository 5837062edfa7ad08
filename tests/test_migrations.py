"""Every migration goes down and up again with data in the tables, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from reprisal_intake import create_app, schema
from reprisal_intake.db import make_engine
from tests.factories import make_reviewer, report_form
from tests.support.forms import csrf_token, post_form
from tests.support.intake import CODENAME, enter


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_engine(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'migrations.sqlite3'}")
    else:
        engine = make_engine(request.getfixturevalue("postgres_url"))
    yield engine
    engine.dispose()


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        tables = [t for t in inspect(connection).get_table_names() if t != "alembic_version"]
        return {
            t: connection.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables
        }


def test_each_revision_goes_down_and_up_keeping_the_data(fresh_engine: Engine) -> None:
    schema.upgrade(fresh_engine)
    app = create_app({"TESTING": True, "DATABASE_BIND": fresh_engine})
    make_reviewer(app, "CAT")
    client = app.test_client()
    page = post_form(client, "/report", report_form(csrf_token(client, "/report"))).get_data(
        as_text=True
    )
    codename = CODENAME.search(page).group(1)
    at_head = row_counts(fresh_engine)
    assert at_head["cases"] == 1 and at_head["envelope_chunks"] >= 1

    revisions = [
        r.revision for r in ScriptDirectory.from_config(schema.alembic_config()).walk_revisions()
    ]
    for revision in revisions[:-1]:  # head first; the first migration's downgrade drops everything
        assert schema.current_revision(fresh_engine) == revision
        before = row_counts(fresh_engine)
        schema.downgrade(fresh_engine, "-1")
        schema.upgrade(fresh_engine, revision)
        assert row_counts(fresh_engine) == before, f"data changed going down and up from {revision}"
        schema.downgrade(fresh_engine, "-1")
    schema.upgrade(fresh_engine)
    assert row_counts(fresh_engine) == at_head

    # The migrated data still works: the submitter follows up and the new item gets the next place.
    enter(client, codename)
    token = csrf_token(client, "/followup/case")
    added = post_form(
        client, "/followup/case", {"csrf_token": token, "message": "after migrations"}
    )
    assert added.status_code == 200
    with fresh_engine.connect() as connection:
        seqs = connection.execute(text("SELECT seq FROM items ORDER BY seq")).scalars().all()
    assert seqs == list(range(len(seqs)))
