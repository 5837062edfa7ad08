"""Issue 5's story, as the people in it would live it.

A woman who spoke at a CEDAW session is banned from travelling when she comes home. She reports it
without JavaScript, lets the committee keep and assess it and contact her, but refuses that anything be
raised with the State. The CEDAW focal point triages, assesses the risk, is stopped from recording a
letter to the State, and replies. She reads the reply with her codename and now agrees to an anonymised
letter and to sharing with the special procedures. The letter is recorded, the case is shared with SP,
and an SP focal point reads it. Every step is in the audit log, and the log's chain is intact.
"""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from admin.audit import log as audit_log
from reprisal_intake.models import AuditEntry, Case
from reprisal_intake.models.casework import Measure
from tests.factories import database, make_account
from tests.support.admin import audit_actions, form_post, sign_in, unlock
from tests.support.forms import csrf_token
from tests.support.intake import CODENAME, enter, submit

TRAVEL_BAN = "STORY-7731 After the CEDAW session in Geneva my passport was stamped: travel ban."
REPLY = (
    "STORY-REPLY-2208 We received your report. May we raise it with the State without your name?"
)


def the_case(app: Flask) -> Case:
    with database(app).session() as session:
        case = session.scalars(select(Case)).one()
        session.expunge(case)
        return case


def the_measure_id(app: Flask) -> str:
    with database(app).session() as session:
        return session.scalars(select(Measure.id)).one()


def test_a_travel_ban_after_a_cedaw_session_reaches_sp_only_with_her_consent(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    cedaw = make_account(admin_app, "focal_point", mechanisms=("CEDAW",), key="app")
    sp = make_account(admin_app, "focal_point", mechanisms=("SP",), key="app")

    # She reports, without JavaScript.
    receipt = submit(
        client,
        mechanism="CEDAW",
        what_happened=TRAVEL_BAN,
        acts=["travel_ban"],
        urgency="urgent",
        consent_contact="granted",
        consent_state_named="refused",
        consent_state_anonymised="refused",
    )
    assert receipt.status_code == 200
    codename = CODENAME.search(receipt.get_data(as_text=True)).group(1)
    ref = the_case(app).ref

    # The CEDAW focal point reads and triages it, and assesses the risk.
    focal = admin_app.test_client()
    sign_in(admin_app, focal, cedaw)
    assert unlock(focal).status_code == 302
    page = focal.get(f"/cases/{ref}").get_data(as_text=True)
    assert "STORY-7731" in page
    case_page = f"/cases/{ref}"
    triaged = form_post(
        focal, f"{case_page}/triage", {"urgency": "urgent", "in_detention": "no"}, page
    )
    assert triaged.status_code == 302
    assert the_case(app).status == "triaged"
    assessed = form_post(
        focal,
        f"{case_page}/risk",
        {
            "likelihood": "likely",
            "severity": "serious",
            "next_review": "2026-12-15",
            "threat_source": "Border police and the security service",
            "vulnerability": "Two children at home; passport confiscated",
        },
    )
    assert assessed.status_code == 302

    # A letter to the State is refused: she said no.
    planned = form_post(
        focal, f"{case_page}/measures", {"kind": "state_letter", "variant": "anonymised"}
    )
    assert planned.status_code == 302
    measure = the_measure_id(app)
    send = {
        "sent_on": "2026-11-27",
        "channel": "note_verbale",
        "action_risk": "medium",
        "consent_current": "y",
        "reply_due": "2027-01-31",
    }
    refused = form_post(focal, f"{case_page}/measures/{measure}/sent", send)
    assert refused.status_code == 409
    reason = refused.get_data(as_text=True)
    assert "Raise it confidentially with the State, without naming anyone" in reason
    assert "refused" in reason
    with database(app).session() as session:
        assert session.get(Measure, measure).status == "planned"

    # The focal point replies through the service.
    replied = form_post(focal, f"{case_page}/reply", {"reply": REPLY})
    assert replied.status_code == 303

    # She comes back with her codename, reads the reply and changes her consent.
    assert enter(client, codename).status_code == 303
    followup = client.get("/followup/case").get_data(as_text=True)
    assert "STORY-REPLY-2208" in followup
    changed = client.post(
        "/followup/consent",
        data={
            "csrf_token": csrf_token(client, "/followup/case"),
            "scope_state_anonymised": "granted",
            "share_with": ["SP"],
            "consent_given_by": "victim",
        },
    )
    assert changed.status_code == 200

    # Now the letter can be recorded, and the case shared with SP.
    sent = form_post(focal, f"{case_page}/measures/{measure}/sent", send)
    assert sent.status_code == 302, sent.get_data(as_text=True)
    with database(app).session() as session:
        assert session.get(Measure, measure).status == "sent"
    shared = form_post(focal, f"{case_page}/share", {"mechanism": "SP", "confirm_consent": "y"})
    assert shared.status_code == 303, shared.get_data(as_text=True)

    # An SP focal point reads it.
    special_procedures = admin_app.test_client()
    sign_in(admin_app, special_procedures, sp)
    assert ref in special_procedures.get("/cases/").get_data(as_text=True)
    assert unlock(special_procedures).status_code == 302
    read = special_procedures.get(case_page)
    assert read.status_code == 200
    assert "STORY-7731" in read.get_data(as_text=True)

    # Every step is in the audit log, and none of it holds her words.
    steps = [action for _actor, action, case_ref in audit_actions(admin_app) if case_ref == ref]
    for expected in (
        "item_decrypted",
        "triaged",
        "risk_assessed",
        "measure_refused",
        "reply_sent",
        "measure_recorded",
        "case_shared",
    ):
        assert expected in steps, f"{expected} missing from the audit log: {steps}"
    assert steps.index("measure_refused") < steps.index("reply_sent")
    # Planned before her refusal was hit, recorded as sent only after she changed her mind.
    assert steps.count("measure_recorded") == 2
    assert steps.index("reply_sent") < len(steps) - 1 - steps[::-1].index("measure_recorded")
    actors = {actor for actor, action, case_ref in audit_actions(admin_app) if case_ref == ref}
    assert actors == {cedaw.username, sp.username}
    with database(admin_app).session() as session:
        assert audit_log.verify(session).ok
        details = " ".join(session.scalars(select(AuditEntry.detail)))
    assert not re.search("STORY-|passport|children|Border police", details)
