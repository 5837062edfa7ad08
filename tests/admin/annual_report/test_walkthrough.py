"""Done when (issue 16): a case goes from the report to "included in the report of period P", and the
export for the drafting team holds it as the person's consent to the report requires."""

from __future__ import annotations

import datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from admin.reporting_periods import period_of
from reprisal_intake.models import today
from reprisal_intake.models.annual_report import StateReply
from tests.factories import database
from tests.support.admin import audit_actions
from tests.support.annual_report import export, focal_point_desk, reported_case, state_reply, step
from tests.support.casework import record_consent

SYMBOL = "A/HRC/63/41"


def _to_included(browser: FlaskClient, ref: str, period: str, paragraph: str) -> None:
    assert step(browser, ref, "triage", urgency="urgent", in_detention="no").status_code == 302
    assert step(browser, ref, "transition", to_status="under_assessment").status_code == 302
    assert step(browser, ref, "assessment", outcome="credible").status_code == 302
    assert step(browser, ref, "sg-report", period=period, status="proposed").status_code == 302
    included = step(
        browser,
        ref,
        "sg-report",
        period=period,
        status="included",
        document_symbol=SYMBOL,
        paragraph=paragraph,
    )
    assert included.status_code == 302, included.get_data(as_text=True)


def test_a_case_walks_from_the_report_into_the_export_of_its_period(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    period = period_of(today()).code
    account, browser = focal_point_desk(admin_app)
    named = reported_case(app, client, consent_sg_report_named="granted")
    anonymous = reported_case(app, client, consent_sg_report_anonymised="granted")
    withdrawn = reported_case(app, client, consent_sg_report_anonymised="granted")
    withheld = reported_case(app, client, consent_sg_report_named="granted")

    for paragraph, ref in (("12", named), ("13", anonymous), ("14", withdrawn)):
        _to_included(browser, ref, period, paragraph)
    assert step(browser, withheld, "sg-report", period=period, status="withheld").status_code == 302

    # A State reply nobody asked for, contrary to the recommendation, with its text and a file.
    reply_text = "The Government informs that the person is prosecuted for false information."
    recorded = state_reply(
        browser,
        anonymous,
        file=b"%PDF-1.4 note verbale",
        received_on=today().isoformat(),
        grade="E",
        measure="",
        text=reply_text,
    )
    assert recorded.status_code == 302, recorded.get_data(as_text=True)
    page = browser.get(f"/cases/{anonymous}").get_data(as_text=True)
    assert reply_text in page, "the reader sees the State's words on the case page"
    with database(app).session() as session:
        reply = session.scalars(select(StateReply)).one()
        assert reply.measure_id is None and reply.grade == "E"
        assert reply.text_item_id and reply.file_item_id
    file_page = browser.get(f"/cases/{anonymous}/items/{reply.file_item_id}")
    assert file_page.get_data() == b"%PDF-1.4 note verbale"

    # The person withdraws consent to the report after the decision: out of the next export.
    record_consent(app, withdrawn, "sg_report_anonymised", "withdrawn")

    exported = export(admin_app, period)
    start = period_of(today()).starts
    assert (exported["period"], exported["from"]) == (period, start.isoformat())
    assert exported["to"] == (datetime.date(start.year + 1, 4, 30)).isoformat()
    assert exported["withheld_for_protection"] == 1
    assert exported["left_out_without_consent"] == 1
    cases = {entry["paragraph"]: entry for entry in exported["cases"]}
    assert sorted(cases) == ["12", "13"]
    assert cases["12"]["naming"] == "named" and cases["12"]["case_ref"] == named
    assert cases["13"]["naming"] == "anonymised"
    text = str(exported)
    for hidden in (anonymous, withdrawn, withheld, reply_text):
        assert hidden not in text
    assert not {"case_ref", "gender", "age_band", "victim_type"} & set(cases["13"])
    assert cases["13"]["document_symbol"] == SYMBOL
    assert cases["13"]["assessment"] == "credible"
    assert cases["13"]["mechanisms"] == ["CAT"]
    assert cases["13"]["state_replies"] == [
        {"received_on": today().isoformat(), "grade": "E", "asked_for": False}
    ]
    assert (account.username, "report_inclusion_recorded", named) in audit_actions(admin_app)
    assert any(action == "annual_report_exported" for _a, action, _r in audit_actions(admin_app))
