"""Retention that reaches everything (issue 16): a same-day trial with 0 days that leaves no deleted
piece in the SQLite file, a purge that says why nothing is due, and open cases listed for a deletion
review when untouched too long or when the person withdrew "keep and assess"."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reprisal_intake.models import Case, EnvelopeChunk, today
from tests.factories import database, make_reviewer
from tests.support.alerts import admin_command
from tests.support.casework import record_consent, update_case
from tests.support.cli import run
from tests.support.intake import submit

pytestmark = pytest.mark.slow


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPRISAL_")}
    env["REPRISAL_INSTANCE_PATH"] = str(tmp_path / "instance")
    monkeypatch.setenv("REPRISAL_INSTANCE_PATH", env["REPRISAL_INSTANCE_PATH"])
    return env


def test_a_same_day_trial_purges_a_case_closed_today_and_leaves_none_of_it_in_the_file(
    instance: dict[str, str],
) -> None:
    from admin import create_app as create_admin_app
    from reprisal_intake import create_app as create_intake_app

    admin_command(instance, "init")
    admin_app = create_admin_app()
    make_reviewer(admin_app, "CAT")
    nothing = admin_command(instance, "purge").stdout
    assert "No case is due for purging:" in nothing and "there are no cases." in nothing

    intake = create_intake_app({"TESTING": True})
    assert submit(intake.test_client()).status_code == 200
    with database(admin_app).session() as session:
        ref = session.scalars(select(Case.ref)).one()
        pieces = [bytes(p) for p in session.scalars(select(EnvelopeChunk.data))]
    database_file = Path(instance["REPRISAL_INSTANCE_PATH"]) / "reprisal.sqlite3"
    # As on a server that has run for a while, the pieces are in the database file itself: the last
    # connection to close checkpoints the write-ahead log into it.
    for app in (intake, admin_app):
        database(app).bind.dispose()  # type: ignore[union-attr]
    assert all(piece[100:164] in database_file.read_bytes() for piece in pieces)
    waiting = admin_command(instance, "purge").stdout
    assert "1 case(s) are not closed; only closed cases are purged." in waiting

    update_case(admin_app, ref, status="closed", closed_reason="resolved", closed_on=today())
    kept = admin_command(instance, "purge").stdout
    assert "1 closed case(s) are kept: no retention period for CAT" in kept
    set_zero = admin_command(instance, "mechanism", "retention", "CAT", "0")
    assert "purged from the day they are closed" in set_zero.stdout
    listed = admin_command(instance, "purge").stdout
    assert f"{ref}\tclosed {today().isoformat()}\tCAT" in listed
    done = admin_command(instance, "purge", "--yes").stdout
    assert "Deleted 1 case(s) for good." in done
    assert "Database compacted (SQLite VACUUM, write-ahead log truncated)." in done

    for path in database_file.parent.glob("reprisal.sqlite3*"):
        stored = path.read_bytes()
        for piece in pieces:
            assert piece[100:164] not in stored, f"a deleted envelope piece is still in {path.name}"


def test_within_the_period_the_purge_says_when_the_first_is_due(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CAT")
    submit(client)
    with database(app).session() as session:
        ref = session.scalars(select(Case.ref)).one()
    update_case(app, ref, status="closed", closed_reason="resolved", closed_on=today())
    run(admin_app, "mechanism", "retention", "CAT", "30")
    output = run(admin_app, "purge").output
    due = today() + datetime.timedelta(days=31)
    assert (
        f"1 closed case(s) are within their retention period; the first is due on {due}" in output
    )


def test_open_cases_untouched_too_long_or_withdrawn_are_listed_for_review(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CAT")
    refs = []
    for _ in range(3):
        submit(client)
        with database(app).session() as session:
            refs.append(next(r for r in session.scalars(select(Case.ref)) if r not in refs))
    stale, withdrawn, fresh = refs
    update_case(app, stale, created=today() - datetime.timedelta(days=400))
    record_consent(app, withdrawn, "store_assess", "withdrawn")
    admin_app.config["RETENTION_REVIEW_DAYS"] = 365
    output = run(admin_app, "purge").output
    assert f"review\t{stale}\treceived\treceived" in output
    assert "open and untouched for 365 days or more" in output
    assert f"review\t{withdrawn}\treceived" in output and "withdrew keep and assess" in output
    assert fresh not in output
    assert "2 open case(s) to review for deletion" in output
    # A reviewer's action restarts the clock.
    update_case(app, stale, last_action_at=datetime.datetime.now(datetime.UTC).replace(tzinfo=None))
    assert stale not in run(admin_app, "purge").output
