"""Closed cases are purged for good once every one of their mechanisms' retention periods has run out.
``reprisal-admin purge`` alone only lists what would go; only ``--yes`` deletes."""

from __future__ import annotations

import datetime
import io
import json

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, inspect, select, text

from admin.contact.messages import add_note
from reprisal_intake.models import AuditEntry, Case, EnvelopeChunk, Mechanism, SubmitterTag, today
from reprisal_intake.models.sharing import CaseShare
from tests.factories import database, make_reviewer, receipt_keys
from tests.support.cli import run
from tests.support.intake import CODENAME, submit


def report(client: FlaskClient, app: Flask, *, closed_days_ago: int | None, also: str = "") -> str:
    """A CAT case (with a file and a note), closed that many days ago; ``also``: a shared mechanism."""
    page = submit(client, attachments=[(io.BytesIO(b"evidence"), "e.txt", "text/plain")])
    tag = receipt_keys(CODENAME.search(page.get_data(as_text=True)).group(1)).lookup_tag
    with database(app).session() as session:
        case = session.get(Case, session.get(SubmitterTag, tag).case_ref)
        with app.app_context():
            add_note(session, case, "internal")
        if also:
            case.mechanisms.append(session.get(Mechanism, also))
            session.add(CaseShare(case_ref=case.ref, mechanism_code=also))
        if closed_days_ago is not None:
            case.status = "closed"
            case.closed_reason = "resolved"
            case.closed_on = today() - datetime.timedelta(days=closed_days_ago)
        return case.ref


def rows_naming(app: Flask, ref: str) -> dict[str, int]:
    with database(app).session() as session:
        connection = session.connection()
        counts = {}
        for table in inspect(connection).get_table_names():
            columns = {c["name"] for c in inspect(connection).get_columns(table)}
            key = "ref" if table == "cases" else "case_ref"
            if key in columns and table != "audit_log":
                counts[table] = connection.execute(
                    text(f'SELECT count(*) FROM "{table}" WHERE {key} = :ref'), {"ref": ref}
                ).scalar_one()
        return counts


def test_purge_lists_first_and_deletes_only_with_yes(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CAT")
    old = report(client, app, closed_days_ago=100, also="FIELD")
    shared_kept = report(client, app, closed_days_ago=100, also="SP")
    longer = report(client, app, closed_days_ago=100, also="ASG")
    recent = report(client, app, closed_days_ago=10)
    still_open = report(client, app, closed_days_ago=None)
    before = rows_naming(app, old)
    assert before["items"] == 3 and before["access_stanzas"] >= 1 and before["consents"] >= 1
    assert before["case_shares"] == 1 and before["case_mechanisms"] == 2

    assert run(admin_app, "mechanism", "retention", "CAT", "30").exit_code == 0
    assert run(admin_app, "mechanism", "retention", "ASG", "365").exit_code == 0
    assert run(admin_app, "mechanism", "retention", "FIELD", "60").exit_code == 0
    listed = run(admin_app, "mechanism", "list").output
    assert "CAT\t30 days" in listed and "SP\tkeep" in listed

    planned = run(admin_app, "purge")
    assert planned.exit_code == 0
    assert old in planned.output and "Nothing was deleted" in planned.output
    for kept in (shared_kept, longer, recent, still_open):
        assert kept not in planned.output
    assert run(admin_app, "purge", "--dry-run").exit_code == 0
    assert rows_naming(app, old) == before

    done = run(admin_app, "purge", "--yes")
    assert done.exit_code == 0 and "Deleted 1 case(s)" in done.output
    assert set(rows_naming(app, old).values()) == {0}
    for kept in (shared_kept, longer, recent, still_open):
        assert rows_naming(app, kept)["cases"] == 1
    with database(app).session() as session:
        orphans = session.scalar(
            select(func.count())
            .select_from(EnvelopeChunk)
            .where(text("item_id NOT IN (SELECT id FROM items)"))
        )
        assert orphans == 0
        entries = list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action.in_(("purge_planned", "case_purged")))
                .order_by(AuditEntry.seq)
            )
        )
    assert [(e.action, e.case_ref) for e in entries] == [
        ("purge_planned", None),
        ("purge_planned", None),
        ("case_purged", old),
    ]
    assert "internal" not in " ".join(e.detail for e in entries)
    again = run(admin_app, "purge", "--yes").output
    assert "No case is due for purging:" in again and "Deleted 0 case(s) for good." in again


def test_retention_takes_days_or_keep(admin_app: Flask) -> None:
    assert run(admin_app, "mechanism", "retention", "cat", "90").exit_code == 0
    assert run(admin_app, "mechanism", "retention", "CAT", "keep").exit_code == 0
    with database(admin_app).session() as session:
        assert session.get(Mechanism, "CAT").retention_days is None
        changes = session.scalars(
            select(AuditEntry.detail).where(AuditEntry.action == "retention_set")
        ).all()
    assert [json.loads(c) for c in changes] == [
        {"days": 90, "mechanism": "CAT"},
        {"days": None, "mechanism": "CAT"},
    ]
    for bad in (("CAT", "-1"), ("CAT", "soon"), ("NOPE", "30")):
        assert run(admin_app, "mechanism", "retention", *bad).exit_code == 2
    assert run(admin_app, "purge", "--yes", "--dry-run").exit_code == 2


def test_a_case_is_kept_on_its_due_day_and_purged_the_day_after(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CAT")
    assert run(admin_app, "mechanism", "retention", "CAT", "30").exit_code == 0
    due_today = report(client, app, closed_days_ago=30)
    due_yesterday = report(client, app, closed_days_ago=31)

    done = run(admin_app, "purge", "--yes")
    assert done.exit_code == 0 and "Deleted 1 case(s)" in done.output
    assert rows_naming(app, due_today)["cases"] == 1
    assert set(rows_naming(app, due_yesterday).values()) == {0}
