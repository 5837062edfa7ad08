"""Measures: planning and sending pass the consent gate (every scope the action discloses under granted
in the latest version; confirmed still current at sending), sending passes the do-no-harm gate (a
current risk assessment, the action's risk, a second approval where needed); planned measures can be
cancelled; State replies are graded A to D."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from admin.vocabulary import MEASURE_KINDS_BY_CODE
from reprisal_intake.models import EnvelopeChunk, today
from reprisal_intake.models.casework import Measure
from tests.factories import database, make_account
from tests.support.admin import audit_actions, csrf_of, long_date, sign_in, unlock
from tests.support.casework import Casework, a_case_on_my_desk, record_consent

DUE = (today() + datetime.timedelta(days=30)).isoformat()


def measures(app: Flask, ref: str) -> list[Measure]:
    with database(app).session() as session:
        rows = list(session.scalars(select(Measure).where(Measure.case_ref == ref)))
        session.expunge_all()
        return rows


def planned(work: Casework, **data: Any) -> Measure:
    response = work.post("measures", **data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return [m for m in measures(work.app, work.ref) if m.status == "planned"][-1]


def send(work: Casework, measure: Measure, *, prepared: bool = True, **overrides: Any) -> Any:
    if prepared:
        work.ready_to_send(measure.id)
    data = {
        "sent_on": today().isoformat(),
        "channel": "note_verbale",
        "action_risk": "medium",
        "risk_note": "RISK-NOTE-5520 the letter may reveal the source",
        "consent_current": "y",
        # Asked only of a measure sent to the State (posted on another, it is refused).
        "reply_due": DUE if MEASURE_KINDS_BY_CODE[measure.kind].to_state else None,
        **overrides,
    }
    return work.post(
        f"measures/{measure.id}/sent", **{k: v for k, v in data.items() if v is not None}
    )


def refusals(app: Flask, ref: str) -> int:
    return [a for _u, a, r in audit_actions(app) if r == ref].count("measure_refused")


def test_a_letter_to_the_state_is_sent_with_consent_and_its_reply_graded(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client, consent_state_named="granted")
    letter = planned(
        work, kind="state_letter", variant="named", details="DETAILS-8812 ask for release"
    )
    assert letter.consent_scope == "state_named"

    response = send(work, letter)
    assert response.status_code == 302, response.get_data(as_text=True)
    (sent,) = measures(app, work.ref)
    assert (sent.status, sent.action_risk, sent.consent_confirmed) == ("sent", "medium", True)
    assert sent.reply_due == datetime.date.fromisoformat(DUE)
    with database(app).session() as session:
        stored = b"".join(session.scalars(select(EnvelopeChunk.data)))
    assert b"DETAILS-8812" not in stored and b"RISK-NOTE-5520" not in stored
    assert unlock(work.reviewer).status_code == 302
    page = work.page()
    assert "DETAILS-8812" in page and "RISK-NOTE-5520" in page

    reply = work.post(f"measures/{letter.id}/reply", grade="B", reply_on=today().isoformat())
    assert reply.status_code == 302
    assert measures(app, work.ref)[0].reply_grade == "B"
    actions = [a for _u, a, r in audit_actions(app) if r == work.ref]
    assert actions.count("measure_recorded") == 2 and "state_reply_recorded" in actions


@pytest.mark.parametrize("state", ["not_asked", "refused", "withdrawn"])
def test_sending_is_refused_unless_the_latest_consent_is_granted(
    app: Flask, admin_app: Flask, client: FlaskClient, state: str
) -> None:
    work = a_case_on_my_desk(app, admin_app, client, consent_state_anonymised="granted")
    letter = planned(work, kind="state_letter", variant="anonymised")
    record_consent(app, work.ref, "state_anonymised", state)

    response = send(work, letter)
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Raise it confidentially with the State, without naming anyone" in text
    assert state.replace("_", " ") in text
    assert measures(app, work.ref)[0].status == "planned"
    assert refusals(app, work.ref) == 1


def test_a_withdrawn_consent_blocks_the_planned_measure_and_the_case_page_shows_it(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client, consent_public_anonymised="granted")
    statement = planned(work, kind="public_statement", variant="anonymised")
    assert "blocked: consent missing" not in work.page()
    record_consent(app, work.ref, "public_anonymised", "withdrawn")
    page = work.page()
    assert "(blocked: consent missing)" in page
    assert "Not done: a public statement without names. Nothing of this kind can be planned" in page
    assert "On hold for outward action" not in page, "only this action is blocked"
    assert send(work, statement).status_code == 409
    # Another scope still granted does not make the withdrawn one count.
    record_consent(app, work.ref, "public_named", "granted")
    assert send(work, statement).status_code == 409
    assert refusals(app, work.ref) == 2


def test_a_planned_measure_is_cancelled_with_a_reason(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client, consent_state_anonymised="granted")
    letter = planned(work, kind="state_letter", variant="anonymised")
    assert work.post(f"measures/{letter.id}/cancel").status_code == 400, "why?"
    assert work.post(f"measures/{letter.id}/cancel", reason="risk").status_code == 302
    (cancelled,) = measures(app, work.ref)
    assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", "risk")
    assert "Cancelled " in work.page() and "The risk to the person is too high" in work.page()
    assert send(work, letter, prepared=False).status_code == 409
    assert work.post(f"measures/{letter.id}/cancel", reason="risk").status_code == 409
    assert "measure_cancelled" in [a for _u, a, r in audit_actions(app) if r == work.ref]


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ({"consent_current": None}, "Confirm that you checked the consent is still current"),
        ({"action_risk": ""}, "Record the risk this action carries"),
        ({"reply_due": ""}, "Set the date by which the State should reply"),
    ],
)
def test_sending_needs_the_confirmation_the_risk_and_for_the_state_a_deadline(
    app: Flask, admin_app: Flask, client: FlaskClient, missing: dict[str, Any], message: str
) -> None:
    work = a_case_on_my_desk(app, admin_app, client, consent_state_named="granted")
    letter = planned(work, kind="state_follow_up", variant="named")
    assert work.assess_risk().status_code == 302
    response = send(work, letter, prepared=False, **missing)
    assert response.status_code == 409
    assert message in response.get_data(as_text=True)
    assert measures(app, work.ref)[0].status == "planned"
    assert refusals(app, work.ref) == 1


def test_a_case_on_hold_sends_nothing_even_with_consent(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client, consent_state_anonymised="granted")
    letter = planned(work, kind="state_letter", variant="anonymised")
    work.ready_to_send(letter.id)
    assert work.post("transition", to_status="on_hold", reason="security").status_code == 302
    response = send(work, letter, prepared=False)
    assert response.status_code == 409
    assert "on hold" in response.get_data(as_text=True)


def test_a_referral_needs_consent_to_share_with_that_mechanism(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    assert work.post("measures", kind="refer_mechanism").status_code == 400, "which mechanism?"
    record_consent(app, work.ref, "share_with", "granted", mechanism="ASG")
    assert work.post("measures", kind="refer_mechanism", mechanism="SP").status_code == 409
    record_consent(app, work.ref, "share_with", "granted", mechanism="SP")
    referral = planned(work, kind="refer_mechanism", mechanism="SP")
    assert (referral.consent_scope, referral.mechanism_code) == ("share_with", "SP")
    record_consent(app, work.ref, "share_with", "withdrawn", mechanism="SP")
    assert send(work, referral, reply_due="").status_code == 409
    record_consent(app, work.ref, "share_with", "granted", mechanism="SP")
    assert send(work, referral, reply_due="").status_code == 302
    assert measures(app, work.ref)[0].reply_due is None, "only the State is asked to reply"


def test_planning_needs_consent_and_a_named_or_anonymised_choice(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client, consent_sg_report_anonymised="granted")
    response = work.post("measures", kind="sg_report", details="DRAFT-TEXT-4410")
    assert response.status_code == 400
    assert "DRAFT-TEXT-4410" in response.get_data(as_text=True), "nothing typed is lost"
    refused = work.post("measures", kind="sg_report", variant="named")
    assert refused.status_code == 409
    assert "Not done: the Secretary-General&#39;s annual report, naming the person" in (
        refused.get_data(as_text=True)
    )
    offered = work.page().split('id="plan-variant"', 1)[1].split("</select>", 1)[0]
    assert "Without naming anyone" in offered and "Naming the person" not in offered
    assert (
        planned(work, kind="sg_report", variant="anonymised").consent_scope
        == "sg_report_anonymised"
    )
    assert work.post("measures", kind="launch_rocket").status_code == 400


def test_a_sent_measure_is_not_sent_again(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client, consent_state_named="granted")
    letter = planned(work, kind="state_letter", variant="named")
    tomorrow = (today() + datetime.timedelta(days=1)).isoformat()
    assert send(work, letter, sent_on=tomorrow).status_code == 400
    assert send(work, letter).status_code == 302
    assert send(work, letter).status_code == 409


def test_no_reply_is_recorded_only_after_the_deadline(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client, consent_state_named="granted")
    letter = planned(work, kind="state_letter", variant="named")
    assert send(work, letter).status_code == 302
    assert work.post(f"measures/{letter.id}/reply", grade="D").status_code == 409
    assert work.post(f"measures/{letter.id}/reply", grade="A").status_code == 400, "when?"
    tomorrow = (today() + datetime.timedelta(days=1)).isoformat()
    assert work.post(f"measures/{letter.id}/reply", grade="A", reply_on=tomorrow).status_code == 400
    assert measures(app, work.ref)[0].reply_grade is None

    with database(app).session() as session:
        session.get(Measure, letter.id).reply_due = today() - datetime.timedelta(days=1)
    overdue = work.reviewer.get("/casework/overdue").get_data(as_text=True)
    assert "State replies past their deadline" in overdue and work.ref in overdue
    assert work.post(f"measures/{letter.id}/reply", grade="D").status_code == 302
    assert measures(app, work.ref)[0].reply_grade == "D"
    assert work.ref not in work.reviewer.get("/casework/overdue").get_data(as_text=True)


def test_only_a_measure_sent_to_the_state_gets_a_state_reply(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client, consent_contact="granted")
    acknowledgement = planned(work, kind="acknowledge")
    assert work.post(f"measures/{acknowledgement.id}/reply", grade="A").status_code == 409
    assert send(work, acknowledgement, reply_due="").status_code == 302
    assert work.post(f"measures/{acknowledgement.id}/reply", grade="A").status_code == 409


def test_a_focal_point_of_another_mechanism_cannot_touch_the_case(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client, consent_state_named="granted")
    letter = planned(work, kind="state_letter", variant="named")
    outsider = make_account(admin_app, "focal_point", mechanisms=("CCPR",), key="app")
    other = admin_app.test_client()
    sign_in(admin_app, other, outsider)
    token = csrf_of(other.get("/account/").get_data(as_text=True))
    for path, data in (
        ("triage", {"urgency": "immediate", "in_detention": "yes"}),
        ("transition", {"to_status": "closed", "reason": "resolved"}),
        ("risk", {"likelihood": "likely", "severity": "grave", "next_review": DUE}),
        ("measures", {"kind": "acknowledge"}),
        (f"measures/{letter.id}/sent", {"sent_on": DUE, "channel": "letter"}),
        (f"measures/{letter.id}/reply", {"grade": "A"}),
    ):
        response = other.post(f"/cases/{work.ref}/{path}", data={"csrf_token": token, **data})
        assert response.status_code == 403, path
    assert [a for u, a, r in audit_actions(app) if u == outsider.username and r == work.ref] == [
        "access_denied"
    ] * 6
    assert work.case().status == "received" and len(measures(app, work.ref)) == 1


def test_the_case_page_shows_each_consent_in_force_and_every_version(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client, consent_state_named="granted")
    record_consent(app, work.ref, "state_named", "withdrawn")
    page = work.page()
    in_force = page.split('<table class="consents">', 1)[1].split("</table>", 1)[0]
    row = in_force.split("Raise it confidentially with the State, naming the person", 1)[1]
    assert row.split("</tr>", 1)[0].count("withdrawn") == 1
    assert long_date(today()) in row and "The person who suffered the reprisal" in row
    history = page.split("Every recorded version", 1)[1].split("</details>", 1)[0]
    assert "naming the person: withdrawn" in history and "naming the person: granted" in history


def test_a_case_without_store_and_assess_offers_no_outward_measure(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client, consent_state_named="granted")
    record_consent(app, work.ref, "store_assess", "withdrawn")
    page = work.page()
    offered = page.split('id="plan-kind"', 1)[1].split("</select>", 1)[0]
    assert "Acknowledge and inform the person" in offered
    for kind in ("Confidential letter to the State", "Refer to another mechanism"):
        assert kind not in offered
    assert "Deletion review open." in page
    assert work.post("measures", kind="state_letter", variant="named").status_code == 409
