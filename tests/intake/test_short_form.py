"""Issue 18, item 4: the required questions first, the rest folded away in <details> sections that
work without JavaScript; the chosen mechanism is not taken twice under "share with"."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reprisal_intake.models import Consent
from tests.factories import database, make_reviewer, report_form
from tests.support.forms import csrf_token, post_form
from tests.support.scripted_browser import ScriptedBrowser

REQUIRED_FIRST = ["mechanism", "what_happened", "urgency", "submitter_role", "consent_contact"]


def test_the_required_questions_come_before_every_folded_section(
    app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CAT")
    page = client.get("/report").get_data(as_text=True)
    form = page.split('id="report-form"', 1)[1].split("</form>", 1)[0]
    first_fold = form.index("<details")
    for name in [*REQUIRED_FIRST, "consent_store_assess", "consent_given_by"]:
        assert form.index(f'name="{name}"') < first_fold, name
    sections = re.findall(r"<details[^>]*>\s*<summary>([^<]+)</summary>", form)
    assert len(sections) == 5 and all(s.strip() for s in sections)
    assert '<details class="optional" open' not in form  # folded when nothing needs fixing
    for name in ["acts", "state", "identity", "share_with", "gender", "attachments"]:
        assert form.index(f'name="{name}"') > first_fold, name


def test_an_answer_to_fix_in_a_folded_section_opens_it(app: Flask, client: FlaskClient) -> None:
    make_reviewer(app, "CAT")
    token = csrf_token(client, "/report")
    response = post_form(client, "/report", report_form(token, when="x" * 400))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    opened = re.findall(r'<details class="optional" open>', page)
    assert len(opened) == 1
    section = page.split('<details class="optional" open>', 1)[1].split("</details>", 1)[0]
    assert 'id="when-error"' in section


def test_the_chosen_mechanism_ticked_again_under_share_with_is_not_recorded(
    app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CAT")
    token = csrf_token(client, "/report")
    response = post_form(client, "/report", report_form(token, share_with=["CAT", "SPT"]))
    assert response.status_code == 200
    with database(app).session() as session:
        shared = set(
            session.scalars(select(Consent.mechanism_code).where(Consent.scope == "share_with"))
        )
    assert shared == {"SPT"}


def test_the_share_with_hint_says_the_chosen_mechanism_changes_nothing(
    app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CAT")
    page = client.get("/report").get_data(as_text=True)
    assert "already receives the report: ticking it here changes nothing" in page


def test_the_browser_path_does_not_record_the_chosen_mechanism_under_share_with(
    app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CAT")
    browser = ScriptedBrowser(client)
    payload = browser.payload(browser.report_envelope(), [])
    payload["consent"]["share_with"] = ["CAT", "SP"]
    assert browser.commit(payload).status_code == 201
    with database(app).session() as session:
        shared = set(
            session.scalars(select(Consent.mechanism_code).where(Consent.scope == "share_with"))
        )
    assert shared == {"SP"}
