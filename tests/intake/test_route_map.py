"""Built from the intake's route map: every route that changes state (each also under a language
prefix) refuses a request without a valid CSRF token with 400, stores nothing and says why."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection

from tests.factories import make_reviewer
from tests.support.intake import CODENAME, counts, enter, submit
from tests.support.routes import routes, undone

# What the person reads: the shared page of a refused token, or their form back with its note.
REFUSALS = ("This form has expired", "This form was open for a long time")


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_every_intake_route_that_changes_state_needs_a_valid_csrf_token(
    app: Flask, client: FlaskClient, connection: Connection, token: str | None
) -> None:
    make_reviewer(app, "CAT")
    receipt = submit(client).get_data(as_text=True)
    codename = CODENAME.search(receipt)
    assert codename is not None
    # Signed in with the codename, so that the follow-up routes reach their token check.
    assert enter(client, codename.group(1)).status_code == 303
    values = {"lang": "en", "code": "CAT", "upload_id": "no-such-upload", "seq": 0}
    before = counts(app)
    answers = {}
    for route in routes(app, unsafe_only=True):
        with undone(connection):
            data = {} if token is None else {"csrf_token": token}
            response = client.open(route.path(values), method=route.method, data=data)
            page = response.get_data(as_text=True)
            answers[route.rule] = (
                response.status_code,
                any(words in page for words in REFUSALS),
            )
            response.close()
    not_refused = {rule: answer for rule, answer in answers.items() if answer != (400, True)}
    assert not not_refused, f"(status, says why) for each rule: {not_refused}"
    assert counts(app) == before
