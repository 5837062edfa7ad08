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


def test_consent_ids_become_random_and_keep_their_order_within_each_case(
    fresh_engine: Engine,
) -> None:
    schema.upgrade(fresh_engine, "0007")
    with fresh_engine.begin() as connection:
        for ref in ("CASE-A", "CASE-B"):
            connection.execute(
                text(
                    "INSERT INTO cases (ref, public_key, submitter_public_key, created, status, "
                    "language, item_count) VALUES (:ref, :k, :k, '2026-11-01', 'received', 'en', 0)"
                ),
                {"ref": ref, "k": b"k" * 32},
            )
        # Sequential across cases: A, B, A, B, A.
        for n, ref in enumerate(("CASE-A", "CASE-B", "CASE-A", "CASE-B", "CASE-A")):
            connection.execute(
                text(
                    "INSERT INTO consents (case_ref, scope, state, given_by, language, recorded) "
                    "VALUES (:ref, 'statistics', :state, 'victim', 'en', '2026-11-01')"
                ),
                {"ref": ref, "state": f"s{n}"},
            )
    schema.upgrade(fresh_engine)
    with fresh_engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, case_ref, version, state FROM consents ORDER BY case_ref, version")
        ).all()
    assert [(r.case_ref, r.version, r.state) for r in rows] == [
        ("CASE-A", 0, "s0"),
        ("CASE-A", 1, "s2"),
        ("CASE-A", 2, "s4"),
        ("CASE-B", 0, "s1"),
        ("CASE-B", 1, "s3"),
    ]
    assert all(len(r.id) == 22 and not r.id.isdigit() for r in rows)
    assert len({r.id for r in rows}) == 5


def test_measures_and_status_changes_are_numbered_in_their_case_by_date_then_id(
    fresh_engine: Engine,
) -> None:
    schema.upgrade(fresh_engine, "0012_audit_and_secrets")
    with fresh_engine.begin() as connection:
        for ref in ("CASE-A", "CASE-B"):
            connection.execute(
                text(
                    "INSERT INTO cases (ref, public_key, submitter_public_key, created, status, "
                    "language, item_count) VALUES (:ref, :k, :k, '2026-11-01', 'received', 'en', 0)"
                ),
                {"ref": ref, "k": b"k" * 32},
            )
        for id_, ref, day in (
            ("m-c", "CASE-A", "2026-11-03"),
            ("m-b", "CASE-A", "2026-11-02"),
            ("m-a", "CASE-A", "2026-11-03"),
            ("m-d", "CASE-B", "2026-11-01"),
        ):
            connection.execute(
                text(
                    "INSERT INTO measures (id, case_ref, kind, consent_scope, status, planned_on) "
                    "VALUES (:id, :ref, 'verify', 'store_assess', 'planned', :day)"
                ),
                {"id": id_, "ref": ref, "day": day},
            )
        for id_, at in (("s-2", "2026-11-02 10:00:00"), ("s-1", "2026-11-02 09:00:00")):
            connection.execute(
                text(
                    "INSERT INTO status_changes (id, case_ref, from_status, to_status, changed_at) "
                    "VALUES (:id, 'CASE-A', 'received', 'triaged', :at)"
                ),
                {"id": id_, "at": at},
            )
    schema.upgrade(fresh_engine)
    with fresh_engine.connect() as connection:
        measures = dict(connection.execute(text("SELECT id, seq FROM measures")).all())
        changes = dict(connection.execute(text("SELECT id, seq FROM status_changes")).all())
    assert measures == {"m-b": 1, "m-a": 2, "m-c": 3, "m-d": 1}
    assert changes == {"s-1": 1, "s-2": 2}


def test_earlier_shares_say_truthfully_what_they_gave(fresh_engine: Engine) -> None:
    """Before share levels, a share sealed the case key (which opened every note and risk
    narrative) and the identity went where its own stanzas went: 0015 records both."""
    schema.upgrade(fresh_engine, "0014_statusflow_sequence")
    with fresh_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO cases (ref, public_key, submitter_public_key, created, status, "
                "language, item_count) VALUES ('CASE-A', :k, :k, '2026-11-01', 'received', 'en', 1)"
            ),
            {"k": b"k" * 32},
        )
        connection.execute(
            text(
                "INSERT INTO case_mechanisms (case_ref, mechanism_code) "
                "VALUES ('CASE-A', 'CAT'), ('CASE-A', 'ASG'), ('CASE-A', 'SPT')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO reviewers (id, name, public_key, active, created, escrow) "
                "VALUES ('r-asg', 'asg key', :k, TRUE, '2026-11-01', FALSE)"
            ),
            {"k": b"p" * 32},
        )
        connection.execute(
            text(
                "INSERT INTO reviewer_mechanisms (reviewer_id, mechanism_code) VALUES ('r-asg', 'ASG')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO items (id, case_ref, seq, kind, created, size, sha256, "
                "submitter_readable) VALUES ('i-id', 'CASE-A', 1, 'identity', '2026-11-01', 1, 'x', "
                "FALSE)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO item_access (id, case_ref, item_id, reviewer_id, sealed_item_key, "
                "created) VALUES ('a1', 'CASE-A', 'i-id', 'r-asg', :s, '2026-11-01')"
            ),
            {"s": b"s" * 80},
        )
        connection.execute(
            text(
                "INSERT INTO case_shares (id, case_ref, mechanism_code, shared_on) VALUES "
                "('sh-asg', 'CASE-A', 'ASG', '2026-11-02'), ('sh-spt', 'CASE-A', 'SPT', '2026-11-02')"
            )
        )
    schema.upgrade(fresh_engine)
    with fresh_engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, part, internal_record FROM case_shares ORDER BY id")
        ).all()
    assert [(r.id, r.part, bool(r.internal_record)) for r in rows] == [
        ("sh-asg", "with_identity", True),
        ("sh-spt", "without_identity", True),
    ]
