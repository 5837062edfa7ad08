"""The submitter sees and changes their consent with the codename; every change is a new version."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reprisal_intake.consent_wording import WORDING_VERSION
from reprisal_intake.consents import case_on_hold, next_state
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
    assert "Contact me outside this service (phone, e-mail, meeting)" in page
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


def test_saying_no_to_what_was_granted_withdraws_it_and_blocks_only_what_needs_it(
    app: Flask, client: FlaskClient
) -> None:
    reported(app, client, consent_contact="granted", share_with=["ASG"])
    response = change(client, scope_contact="refused", consent_given_by="relative")
    page = response.get_data(as_text=True)
    assert (
        "Not done: contact outside this service (phone, e-mail, meeting). Nothing of this kind can"
        " be planned or sent." in page
    )
    assert "Allowed now: keeping this report and assessing it." in page
    assert 'id="on-hold"' not in page
    added = history(app)[-2:]
    assert ("contact", None, "withdrawn") in added
    assert ("share_with", "ASG", "withdrawn") in added, "unticking a mechanism withdraws the share"
    with database(app).session() as session:
        rows = list(session.scalars(select(Consent)))
        assert not case_on_hold(rows), "only store and assess holds the whole case"
        assert {c.given_by for c in rows if c.state == "withdrawn"} == {"relative"}
        assert {c.wording for c in rows} == {WORDING_VERSION}


def test_withdrawing_store_and_assess_puts_the_case_on_hold_for_deletion_review(
    app: Flask, client: FlaskClient
) -> None:
    reported(app, client, consent_contact="granted")
    page = change(client, scope_store_assess="refused", consent_given_by="victim").get_data(
        as_text=True
    )
    assert 'id="on-hold"' in page
    assert "the focal points review whether to delete it" in page
    with database(app).session() as session:
        assert case_on_hold(list(session.scalars(select(Consent))))


def test_each_choice_says_what_it_leads_to(app: Flask, client: FlaskClient) -> None:
    reported(app, client)
    followup = client.get("/followup/case").get_data(as_text=True)
    form = client.get("/report").get_data(as_text=True)
    for words in (
        "The State will learn who complained.",
        "The Secretary-General&#39;s report is public and permanent",
    ):
        assert words in form and words in followup
    # Asked on the follow-up page only (domain.ASKED_LATER): the report form stays short.
    for words in (
        "Diplomats of other States will learn who complained",
        "other mechanisms read your report but never your names or contact details",
    ):
        assert words not in form and words in followup
    assert "Decide later means no until a focal point asks you here." in form


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
