"""A report sent without JavaScript costs few SQL statements, in one transaction, and the speed-ups
behind that cache nothing that may change: keys, reviewers and mechanisms are read fresh each time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from nacl.public import PrivateKey
from sqlalchemy import Connection, event, select

from crypto.errors import NotARecipientError
from crypto.keys import generate_keypair, open_case_key
from reprisal_intake.models import AccessStanza, Case, Mechanism, Reviewer
from tests.factories import database, make_reviewer, reader_record, report_form
from tests.support.forms import csrf_token, post_form
from tests.support.intake import assert_nothing_stored, counts

# Choices of the form, the certified readers (reviewers, links and revocations in one statement), the
# chosen mechanism, then one INSERT per table (case, lookup tag, case mechanism, access stanzas,
# consents, envelope piece, item). Raise it only for a new table.
STATEMENTS_PER_REPORT = 10


@contextmanager
def statements_sent(connection: Connection) -> Iterator[list[str]]:
    """The SQL statements sent on ``connection`` meanwhile (an executemany counts once), without
    the savepoints the test fixtures wrap each commit in."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            sent.append(" ".join(statement.split()))

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(connection, "before_cursor_execute", record)


def test_a_report_is_stored_with_a_small_fixed_number_of_statements(
    app: Flask, client: FlaskClient, connection: Connection
) -> None:
    make_reviewer(app, "CAT")
    make_reviewer(app, "CAT", "SPT")
    token = csrf_token(client, "/report")
    with statements_sent(connection) as sent:
        response = post_form(
            client,
            "/report",
            report_form(token, share_with=["SPT"], acts=["travel_ban"]),
            follow_redirects=False,
        )
    assert response.status_code == 303
    assert len(sent) <= STATEMENTS_PER_REPORT, "\n".join(sent)
    assert sum(s.startswith("SELECT") for s in sent) == 3, "\n".join(sent)


def test_the_report_page_costs_two_queries(
    app: Flask, client: FlaskClient, connection: Connection
) -> None:
    make_reviewer(app, "CAT")
    with statements_sent(connection) as sent:
        assert client.get("/report").status_code == 200
    assert len(sent) == 2, "\n".join(sent)  # the mechanisms, and who reads each (readers.py)


def opens_with(stanzas: list[bytes], key: PrivateKey) -> bool:
    try:
        open_case_key(stanzas, key)
    except NotARecipientError:
        return False
    return True


def test_a_key_rotated_a_moment_ago_receives_the_next_report(
    app: Flask, client: FlaskClient
) -> None:
    reviewer = make_reviewer(app, "CAT")
    token = csrf_token(client, "/report")
    assert post_form(client, "/report", report_form(token)).status_code == 200
    new_key = generate_keypair()
    with database(app).session() as session:
        first_case = session.scalars(select(Case.ref)).one()
        rotated = session.get(Reviewer, reviewer.id)
        rotated.public_key = bytes(new_key.public_key)
        rotated.record = reader_record(rotated.public_key, "CAT")

    assert post_form(client, "/report", report_form(token)).status_code == 200
    with database(app).session() as session:
        second_case = session.scalars(select(Case.ref).where(Case.ref != first_case)).one()
        stanzas = list(
            session.scalars(
                select(AccessStanza.sealed_case_key).where(AccessStanza.case_ref == second_case)
            )
        )
    assert opens_with(stanzas, new_key)
    assert not opens_with(stanzas, reviewer.secret_key)


def test_a_reviewer_withdrawn_a_moment_ago_closes_the_mechanism_at_once(
    app: Flask, client: FlaskClient
) -> None:
    reviewer = make_reviewer(app, "CAT")
    token = csrf_token(client, "/report")
    with database(app).session() as session:
        session.get(Reviewer, reviewer.id).active = False
    before = counts(app)
    response = post_form(client, "/report", report_form(token))
    assert response.status_code == 400
    assert_nothing_stored(app, before)


def test_a_mechanism_that_stops_taking_reports_refuses_the_next_one(
    app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CAT")
    token = csrf_token(client, "/report")
    with database(app).session() as session:
        session.get(Mechanism, "CAT").accepts_reports = False
    before = counts(app)
    response = post_form(client, "/report", report_form(token))
    assert response.status_code == 400
    assert_nothing_stored(app, before)
    assert 'name="mechanism" value="CAT"' not in client.get("/report").get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("setting", "on the moon"),
        ("in_detention", "perhaps"),
        ("gender", "unknown-code"),
        ("activity", "not-an-activity"),
        ("relation", " x "),
    ],
)
def test_an_unknown_answer_to_an_optional_question_is_refused(
    app: Flask, client: FlaskClient, field: str, value: str
) -> None:
    make_reviewer(app, "CAT")
    token = csrf_token(client, "/report")
    before = counts(app)
    response = post_form(client, "/report", report_form(token, **{field: value}))
    assert response.status_code == 400
    assert "There is a problem" in response.get_data(as_text=True)
    assert_nothing_stored(app, before)


@pytest.mark.parametrize("blank", ["", "   "])
def test_an_optional_question_left_blank_is_accepted(
    app: Flask, client: FlaskClient, blank: str
) -> None:
    make_reviewer(app, "CAT")
    token = csrf_token(client, "/report")
    response = post_form(client, "/report", report_form(token, setting=blank, state=blank))
    assert response.status_code == 200
