"""The submitter sees and changes their consent with the codename; every change is a new version."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reprisal_intake.consents import next_state, outward_action_on_hold
from reprisal_intake.models import Consent
from tests.factories import database, make_reviewer
from tests.support.forms import csrf_token
from tests.support.intake import CODENAME, enter, submit


def reported(app: Flask, client: FlaskClient, **answers: object) -> None:
    make_reviewer(app, "CEDAW")
    page = submit(client, mechanism="CEDAW", **answers).get_data(as_text=True)
    assert enter(client, CODENAME.search(page).group(1)).status_code == 303


def change(client: FlaskClient, **answers: object):
    token = csrf_token(client, "/followup/case")
    return client.post("/followup/consent", data={"csrf_token": token, **answers})


def history(app: Flask) -> list[tuple[str, str | None, str]]:
    with database(app).session() as session:
        rows = session.scalars(select(Consent).order_by(Consent.id))
        return [(c.scope, c.mechanism_code, c.state) for c in rows]


def test_the_case_page_shows_each_consent_in_force(app: Flask, client: FlaskClient) -> None:
    reported(app, client, consent_contact="granted", consent_state_named="refused")
    page = client.get("/followup/case").get_data(as_text=True)
    assert "Contact me (only through this service, with my codename)" in page
    assert "Change your consent" in page
    assert 'name="scope_contact" value="granted" checked' in page
    assert 'name="scope_state_named" value="refused" checked' in page


def test_granting_raise_with_the_state_and_sharing_with_sp_adds_versions(
    app: Flask, client: FlaskClient
) -> None:
    reported(app, client, consent_contact="granted", consent_state_anonymised="refused")
    before = history(app)
    response = change(
        client, scope_state_anonymised="granted", share_with=["SP"], consent_given_by="victim"
    )
    assert response.status_code == 200
    assert "Your consent was updated" in response.get_data(as_text=True)
    added = history(app)[len(before) :]
    assert sorted(added) == [("share_with", "SP", "granted"), ("state_anonymised", None, "granted")]
    assert ("state_anonymised", None, "refused") in before, "the earlier answer is kept"


def test_saying_no_to_what_was_granted_withdraws_it_and_puts_action_on_hold(
    app: Flask, client: FlaskClient
) -> None:
    reported(app, client, consent_contact="granted", share_with=["ASG"])
    response = change(client, scope_contact="refused", consent_given_by="relative")
    page = response.get_data(as_text=True)
    assert "nothing is done outside this service" in page
    added = history(app)[-2:]
    assert ("contact", None, "withdrawn") in added
    assert ("share_with", "ASG", "withdrawn") in added, "unticking a mechanism withdraws the share"
    with database(app).session() as session:
        rows = list(session.scalars(select(Consent)))
        assert outward_action_on_hold(rows)
        assert {c.given_by for c in rows if c.state == "withdrawn"} == {"relative"}


def test_an_unchanged_form_records_nothing(app: Flask, client: FlaskClient) -> None:
    reported(app, client, consent_contact="granted")
    before = history(app)
    response = change(client, scope_contact="granted", consent_given_by="victim")
    assert "Nothing changed" in response.get_data(as_text=True)
    assert history(app) == before


def test_bad_consent_answers_are_refused(app: Flask, client: FlaskClient) -> None:
    reported(app, client)
    before = history(app)
    assert change(client, scope_contact="perhaps", consent_given_by="victim").status_code == 400
    assert change(client, scope_contact="granted").status_code == 400  # who gives it is required
    assert change(client, share_with=["NOPE"], consent_given_by="victim").status_code == 400
    assert history(app) == before


def test_consent_changes_need_the_codename_first(client: FlaskClient) -> None:
    token = csrf_token(client, "/followup")
    response = client.post("/followup/consent", data={"csrf_token": token})
    assert response.status_code == 303


def test_withdrawal_rules() -> None:
    assert next_state("granted", "refused") == "withdrawn"
    assert next_state("not_asked", "refused") == "refused"
    assert next_state("withdrawn", "granted") == "granted"
    assert next_state(None, "granted") == "granted"
