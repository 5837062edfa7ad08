"""Do no harm before any outward action (issue 15, docs/domain.md): a current risk assessment, the
action's own risk, and a second person's approval for named, public or State-facing actions and for
any action whose own risk is high or critical. Both the approval and the sending are audited."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reprisal_intake.models import today
from reprisal_intake.models.casework import Measure
from tests.factories import database, make_account
from tests.support.admin import audit_actions, form_post, long_date, sign_in
from tests.support.casework import Casework, a_case_on_my_desk, record_consent


def the_measure(app: Flask) -> Measure:
    with database(app).session() as session:
        measure = session.scalars(select(Measure)).one()
        session.expunge(measure)
        return measure


def send(work: Casework, measure_id: str, risk: str = "low") -> Any:
    return work.post(
        f"measures/{measure_id}/sent",
        sent_on=today().isoformat(),
        channel="letter",
        action_risk=risk,
        consent_current="y",
    )


def a_referral(app: Flask, admin_app: Flask, client: FlaskClient) -> tuple[Casework, str]:
    """A referral to SP (not named, not public, not State-facing) planned with consent."""
    work = a_case_on_my_desk(app, admin_app, client)
    record_consent(app, work.ref, "share_with", "granted", "SP")
    assert work.post("measures", kind="refer_mechanism", mechanism="SP").status_code == 302
    return work, the_measure(app).id


def test_no_outward_action_without_a_risk_assessment(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work, measure_id = a_referral(app, admin_app, client)
    refused = send(work, measure_id)
    assert refused.status_code == 409
    assert "the case has no risk assessment" in refused.get_data(as_text=True)
    assert work.assess_risk().status_code == 302
    assert send(work, measure_id).status_code == 302, "low risk, not named: no approval needed"


def test_no_outward_action_once_the_risk_assessment_is_due_for_review(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work, measure_id = a_referral(app, admin_app, client)
    yesterday = today() - datetime.timedelta(days=1)
    assert work.assess_risk(next_review=yesterday).status_code == 302
    refused = send(work, measure_id)
    assert refused.status_code == 409
    assert f"was due for review on {long_date(yesterday)}" in refused.get_data(as_text=True)
    assert work.assess_risk().status_code == 302
    assert send(work, measure_id).status_code == 302


@pytest.mark.parametrize("risk", ["high", "critical"])
def test_a_high_risk_action_needs_a_second_person(
    app: Flask, admin_app: Flask, client: FlaskClient, risk: str
) -> None:
    work, measure_id = a_referral(app, admin_app, client)
    assert work.assess_risk().status_code == 302
    refused = send(work, measure_id, risk=risk)
    assert refused.status_code == 409
    assert "must approve this action first" in refused.get_data(as_text=True)
    assert work.approve(measure_id, action_risk=risk).status_code == 302
    assert send(work, measure_id, risk=risk).status_code == 302
    assert the_measure(app).approved_by is not None


def test_a_risk_raised_after_approval_needs_approval_again(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client, consent_state_anonymised="granted")
    assert work.post("measures", kind="state_letter", variant="anonymised").status_code == 302
    measure_id = the_measure(app).id
    work.ready_to_send(measure_id, action_risk="low")
    refused = work.post(
        f"measures/{measure_id}/sent",
        sent_on=today().isoformat(),
        channel="letter",
        action_risk="critical",
        consent_current="y",
        reply_due=today().isoformat(),
    )
    assert refused.status_code == 409
    assert "higher than the one approved" in refused.get_data(as_text=True)


def test_the_planner_cannot_approve_and_the_approver_cannot_send(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client, consent_public_anonymised="granted")
    assert work.post("measures", kind="public_statement", variant="anonymised").status_code == 302
    measure_id = the_measure(app).id
    assert work.assess_risk().status_code == 302
    own = work.post(f"measures/{measure_id}/approve", action_risk="low")
    assert own.status_code == 409 and "you planned this measure yourself" in own.get_data(
        as_text=True
    )
    # A coordinator approves (they may open every case), then tries to send it too.
    coordinator = make_account(admin_app, "coordinator", mechanisms=("CAT",), key="app")
    other = admin_app.test_client()
    sign_in(admin_app, other, coordinator)
    path = f"/cases/{work.ref}/measures/{measure_id}"
    assert (
        form_post(
            other,
            f"{path}/approve",
            {"action_risk": "low"},
            other.get(f"/cases/{work.ref}").get_data(as_text=True),
        ).status_code
        == 302
    )
    by_approver = form_post(
        other,
        f"{path}/sent",
        {
            "sent_on": today().isoformat(),
            "channel": "public",
            "action_risk": "low",
            "consent_current": "y",
        },
    )
    assert by_approver.status_code == 409
    assert "cannot also record it as sent" in by_approver.get_data(as_text=True)
    assert send(work, measure_id).status_code == 302
    steps = [a for _u, a, r in audit_actions(app) if r == work.ref]
    assert "measure_approval_refused" in steps and "measure_approved" in steps
    assert steps.index("measure_approved") < steps.index(
        "measure_recorded", steps.index("measure_approved")
    )
