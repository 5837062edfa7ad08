"""The audit log is hash-chained: `reprisal-admin audit verify` finds an edited or deleted entry."""

from __future__ import annotations

import datetime
import itertools

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy import delete, select, update

from admin.audit import log as audit_log
from admin.cli import cli
from reprisal_intake.models import AuditEntry, AuditHead
from tests.factories import database, make_account
from tests.support.admin import form_post, sign_in


def run(admin_app: Flask, *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), obj=admin_app, catch_exceptions=False)


def fill(admin_app: Flask, count: int = 5) -> None:
    with admin_app.app_context(), database(admin_app).session() as session:
        for n in range(count):
            audit_log.record(
                session, f"user{n}", "case_viewed", case_ref=f"REF-{n}", detail={"n": n}
            )


def test_an_intact_log_verifies(admin_app: Flask) -> None:
    result = run(admin_app, "audit", "verify")
    assert result.exit_code == 0 and "0 entries" in result.output
    fill(admin_app)
    result = run(admin_app, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert "Audit log intact: 5 entries." in result.output
    with database(admin_app).session() as session:
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == audit_log.GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))


def test_a_deleted_entry_is_found(admin_app: Flask) -> None:
    fill(admin_app)
    with database(admin_app).session() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
    result = run(admin_app, "audit", "verify")
    assert result.exit_code == 1
    assert "BROKEN at entry 2" in result.output


def test_a_deleted_last_entry_is_found(admin_app: Flask) -> None:
    fill(admin_app)
    with database(admin_app).session() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 5))
    result = run(admin_app, "audit", "verify")
    assert result.exit_code == 1
    assert "BROKEN at entry 5" in result.output


def test_a_rewritten_chain_does_not_match_the_head(admin_app: Flask) -> None:
    fill(admin_app)
    with database(admin_app).session() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq >= 4))
        session.execute(update(AuditHead).values(seq=5))
    assert run(admin_app, "audit", "verify").exit_code == 1


def test_unknown_actions_are_refused(admin_app: Flask) -> None:
    import pytest

    with (
        admin_app.app_context(),
        database(admin_app).session() as session,
        pytest.raises(ValueError),
    ):
        audit_log.record(session, "x", "made_up")


def test_the_auditor_reads_and_verifies_the_log(admin_app: Flask) -> None:
    auditor = make_account(admin_app, "auditor")
    client = admin_app.test_client()
    sign_in(admin_app, client, auditor)
    fill(admin_app, 2)
    page = client.get("/audit/").get_data(as_text=True)
    assert "REF-1" in page and auditor.username in page and "sign_in" in page
    assert "The chain is intact" in client.get("/audit/?verify=1").get_data(as_text=True)
    assert "REF-0" in client.get("/audit/?case=ref-0").get_data(as_text=True)
    with database(admin_app).session() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(detail="{}"))
    assert "broken at entry 2" in client.get("/audit/?verify=1").get_data(as_text=True)
    # No form on the page changes the log.
    assert form_post(client, "/audit/", {}, page).status_code == 405


@pytest.mark.parametrize(
    "before", ["99999999999999999999999999", "9223372036854775808", "0", "-5", "garbage"]
)
def test_a_page_start_that_is_no_sequence_number_is_refused(admin_app: Flask, before: str) -> None:
    auditor = make_account(admin_app, "auditor")
    client = admin_app.test_client()
    sign_in(admin_app, client, auditor)
    response = client.get(f"/audit/?before={before}")
    assert response.status_code == 400
    assert "We could not read what was sent" in response.get_data(as_text=True)
    assert client.get("/audit/?before=2").status_code == 200


# For every column of the audit table, an edit an intruder with write access could make to entry 3.
# A new column without an edit here fails below, so it is covered the day it is added.
EDITS = {
    "seq": lambda entry: entry.seq + 100,
    "at": lambda entry: entry.at + datetime.timedelta(microseconds=1),
    "actor": lambda entry: "someone else",
    "action": lambda entry: "case_exported",  # another action the log knows
    "case_ref": lambda entry: "REF-9",
    "detail": lambda entry: '{"n":9}',
    "prev_hash": lambda entry: entry.prev_hash[::-1],
    "hash": lambda entry: entry.hash[::-1],
}


@pytest.mark.parametrize("column", list(AuditEntry.__table__.columns.keys()))
def test_editing_any_column_of_an_entry_breaks_the_chain(admin_app: Flask, column: str) -> None:
    assert column in EDITS, f"add an edit of the new audit column {column!r} to EDITS"
    fill(admin_app)
    with database(admin_app).session() as session:
        entry = session.get(AuditEntry, 3)
        assert entry is not None
        value = EDITS[column](entry)
        assert value != getattr(entry, column)
        session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values({column: value}))
    result = run(admin_app, "audit", "verify")
    assert result.exit_code == 1
    assert "BROKEN at entry 3" in result.output
