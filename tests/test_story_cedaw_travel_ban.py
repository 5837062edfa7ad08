"""Issue 5 and issue 15's story, as the people in it would live it (JavaScript off).

A woman human rights defender who spoke at a CEDAW session is banned from travelling when she comes
home. She reports it, agrees that the case be shared with ASG, refuses any contact with the State, and
leaves every other choice ("Contact me" included) at "Decide later". The CEDAW focal point reads the
same words about each choice as she does; she cannot even plan a letter to the State; she writes to
her here (asking is always allowed); she shares the case with ASG. The woman reads the question, later
withdraws only the statistics (the share with ASG holds) and agrees to an anonymised letter. The
letter is planned, approved by a second CEDAW focal point after a risk assessment, and recorded as
sent. A follow-up is planned; she withdraws the State consent again; the follow-up shows "blocked" on
the focal point's page, her page says the same, and the focal point cancels it with a reason. Every
step is audited, the log's chain is intact, and none of her words are in it.
"""

from __future__ import annotations

import datetime
import html
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from admin.audit import log as audit_log
from reprisal_intake.models import AuditEntry, Case, today
from reprisal_intake.models.casework import Measure
from tests.factories import database, make_account
from tests.support.admin import audit_actions, form_post, long_date, sign_in, unlock
from tests.support.forms import csrf_token
from tests.support.intake import CODENAME, enter, submit

TRAVEL_BAN = "STORY-7731 After the CEDAW session in Geneva my passport was stamped: travel ban."
REPLY = (
    "STORY-REPLY-2208 We received your report. May we raise it with the State without your name?"
)

STATE_BLOCKED = (
    "Not done: raising it confidentially with the State, without naming anyone. "
    "Nothing of this kind can be planned or sent."
)
STATE_ALLOWED = "Allowed now: raising it confidentially with the State, without naming anyone."
ASG_ALLOWED = (
    "Allowed now: sharing the case with Assistant Secretary-General leading UN work on reprisals."
)
CONTACT_NOT_ASKED = (
    "Not done: contact outside this service (phone, e-mail, meeting). Not asked yet, which means "
    "no until a focal point asks here."
)
ASKING = "The focal points can always write to you here, to your codename"


def the_case(app: Flask) -> Case:
    with database(app).session() as session:
        case = session.scalars(select(Case)).one()
        session.expunge(case)
        return case


def measure_rows(app: Flask) -> list[Measure]:
    with database(app).session() as session:
        rows = list(session.scalars(select(Measure).order_by(Measure.planned_on, Measure.id)))
        session.expunge_all()
        return rows


def consent_change(client: FlaskClient, **answers: object) -> str:
    response = client.post(
        "/followup/consent",
        data={
            "csrf_token": csrf_token(client, "/followup/case"),
            "consent_given_by": "victim",
            **answers,
        },
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_travel_ban_reported_to_cedaw_is_handled_as_she_was_told(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    cedaw = make_account(admin_app, "focal_point", mechanisms=("CEDAW",), key="app")
    second = make_account(admin_app, "focal_point", mechanisms=("CEDAW",), key="app")
    asg = make_account(admin_app, "focal_point", mechanisms=("ASG",), key="app")

    # She reads what each choice leads to, and reports without JavaScript.
    form = client.get("/report").get_data(as_text=True)
    assert "The State will learn who complained." in form
    assert "Decide later means no until a focal point asks you here." in form
    receipt = submit(
        client,
        mechanism="CEDAW",
        what_happened=TRAVEL_BAN,
        acts=["travel_ban"],
        urgency="urgent",
        share_with=["ASG"],
        consent_state_named="refused",
        consent_state_anonymised="refused",
        consent_statistics="granted",
    )
    assert receipt.status_code == 200
    text = receipt.get_data(as_text=True)
    assert ASKING in text
    codename = CODENAME.search(text).group(1)
    ref = the_case(app).ref
    case_page = f"/cases/{ref}"

    # The CEDAW focal point reads her choices in the words she will read.
    focal = admin_app.test_client()
    sign_in(admin_app, focal, cedaw)
    assert unlock(focal).status_code == 302
    page = focal.get(case_page).get_data(as_text=True)
    assert "STORY-7731" in page
    for words in (STATE_BLOCKED, ASG_ALLOWED, CONTACT_NOT_ASKED):
        assert words in page
    offered = page.split('id="plan-kind"', 1)[1].split("</select>", 1)[0]
    assert "Confidential letter to the State" not in offered, "the form does not offer it"
    assert "Mobilise diplomats" not in offered

    # Triage and the risk assessment.
    assert (
        form_post(
            focal, f"{case_page}/triage", {"urgency": "urgent", "in_detention": "no"}, page
        ).status_code
        == 302
    )
    review = (today() + datetime.timedelta(days=14)).isoformat()
    assessed = form_post(
        focal,
        f"{case_page}/risk",
        {
            "likelihood": "likely",
            "severity": "serious",
            "next_review": review,
            "threat_source": "Border police and the security service",
            "vulnerability": "Two children at home; passport confiscated",
        },
    )
    assert assessed.status_code == 302

    # A letter to the State cannot even be planned: she said no.
    refused = form_post(
        focal, f"{case_page}/measures", {"kind": "state_letter", "variant": "anonymised"}
    )
    assert refused.status_code == 409
    assert STATE_BLOCKED in refused.get_data(as_text=True)
    assert measure_rows(app) == []

    # She left "Contact me" at its default: the focal point asks her here all the same.
    replied = form_post(focal, f"{case_page}/reply", {"reply": REPLY})
    assert replied.status_code == 303

    # The case goes to ASG, as she agreed: the full case without her identity and without the
    # internal record (the focal point does not tick it), after the risk assessment above.
    shared = form_post(
        focal,
        f"{case_page}/share",
        {
            "mechanism": "ASG",
            "part": "without_identity",
            "action_risk": "medium",
            "confirm_consent": "y",
        },
    )
    assert shared.status_code == 303, shared.get_data(as_text=True)
    assert "Shared with ASG on " + long_date(
        today()
    ) + ": the full case without the person's identity." in html.unescape(
        focal.get(case_page).get_data(as_text=True)
    )

    # She comes back, reads the question and the same words about her choices.
    assert enter(client, codename).status_code == 303
    followup = client.get("/followup/case").get_data(as_text=True)
    assert "STORY-REPLY-2208" in followup and ASKING in followup
    for words in (STATE_BLOCKED, ASG_ALLOWED, CONTACT_NOT_ASKED):
        assert words in followup
    assert (
        "Assistant Secretary-General leading UN work on reprisals: your report, without your names"
        " and contact details." in followup
    )
    # Withdrawing statistics blocks nothing but statistics; the share with ASG holds.
    changed = consent_change(client, scope_statistics="refused", share_with=["ASG"])
    assert "Not done: counting the case in de-identified statistics." in changed
    assert ASG_ALLOWED in changed
    assert "On hold" not in focal.get(case_page).get_data(as_text=True).split("<h3>", 1)[0]
    # She now agrees to an anonymised letter.
    changed = consent_change(client, scope_state_anonymised="granted", share_with=["ASG"])
    assert STATE_ALLOWED in changed
    assert STATE_ALLOWED in focal.get(case_page).get_data(as_text=True)

    # The letter is planned; a second focal point approves it; then it is recorded as sent.
    planned = form_post(
        focal, f"{case_page}/measures", {"kind": "state_letter", "variant": "anonymised"}
    )
    assert planned.status_code == 302
    (letter,) = measure_rows(app)
    send = {
        "sent_on": today().isoformat(),
        "channel": "note_verbale",
        "action_risk": "medium",
        "consent_current": "y",
        "reply_due": (today() + datetime.timedelta(days=60)).isoformat(),
    }
    unapproved = form_post(focal, f"{case_page}/measures/{letter.id}/sent", send)
    assert unapproved.status_code == 409
    assert "A second focal point or a coordinator must approve" in unapproved.get_data(as_text=True)
    self_approval = form_post(
        focal, f"{case_page}/measures/{letter.id}/approve", {"action_risk": "medium"}
    )
    assert self_approval.status_code == 409, "the one who planned it cannot approve it"
    approver = admin_app.test_client()
    sign_in(admin_app, approver, second)
    approved = form_post(
        approver, f"{case_page}/measures/{letter.id}/approve", {"action_risk": "medium"}
    )
    assert approved.status_code == 302
    sent = form_post(focal, f"{case_page}/measures/{letter.id}/sent", send)
    assert sent.status_code == 302, sent.get_data(as_text=True)
    assert measure_rows(app)[0].status == "sent"

    # A follow-up is planned; she withdraws the State consent; both pages say it is blocked.
    assert (
        form_post(
            focal, f"{case_page}/measures", {"kind": "state_follow_up", "variant": "anonymised"}
        ).status_code
        == 302
    )
    follow_up = next(m for m in measure_rows(app) if m.kind == "state_follow_up")
    withdrawn = consent_change(client, scope_state_anonymised="refused", share_with=["ASG"])
    withdrawn_words = (
        "Not done: raising it confidentially with the State, without naming anyone. "
        "Nothing of this kind can be planned or sent."
    )
    assert withdrawn_words in withdrawn
    page = focal.get(case_page).get_data(as_text=True)
    assert "(blocked: consent missing)" in page and withdrawn_words in page
    assert form_post(focal, f"{case_page}/measures/{follow_up.id}/sent", send).status_code == 409
    cancelled = form_post(
        focal, f"{case_page}/measures/{follow_up.id}/cancel", {"reason": "consent"}
    )
    assert cancelled.status_code == 302
    assert "Consent is missing or was withdrawn" in focal.get(case_page).get_data(as_text=True)

    # ASG's focal point reads the case.
    reader = admin_app.test_client()
    sign_in(admin_app, reader, asg)
    assert unlock(reader).status_code == 302
    at_asg = reader.get(case_page).get_data(as_text=True)
    assert "STORY-7731" in at_asg
    # Not the CEDAW focal point's risk narrative: it is CEDAW's internal record.
    assert "Border police and the security service" not in at_asg
    assert "Not shared with you: the risk narrative" in at_asg

    # Every step is in the audit log, and none of it holds her words.
    steps = [action for _actor, action, case_ref in audit_actions(admin_app) if case_ref == ref]
    for expected in (
        "case_read",
        "triaged",
        "risk_assessed",
        "measure_refused",
        "reply_sent",
        "case_shared",
        "measure_approval_refused",
        "measure_approved",
        "measure_recorded",
        "measure_cancelled",
    ):
        assert expected in steps, f"{expected} missing from the audit log: {steps}"
    assert steps.index("measure_refused") < steps.index("reply_sent")
    assert steps.index("measure_approved") < steps.index("measure_cancelled")
    with admin_app.app_context(), database(admin_app).session() as session:
        assert audit_log.verify(session).ok
        details = " ".join(session.scalars(select(AuditEntry.detail)))
    assert not re.search("STORY-|passport|children|Border police", details)
