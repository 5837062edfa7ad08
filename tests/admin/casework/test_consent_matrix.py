"""Every outward action x every state of each scope it needs (issue 15), generated from the table
``OUTWARD_ACTIONS``, so a new action or scope is covered without a new test: planning and sending (or
sharing) are allowed when the scope is granted and refused when it is refused, withdrawn or never
asked. "Store and assess" is needed by every outward action."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from admin.vocabulary import MEASURE_KINDS_BY_CODE
from reprisal_intake.consents import OUTWARD_ACTIONS, SHARE_ACTIONS
from reprisal_intake.domain import CONSENT_STATES
from reprisal_intake.models import Case, today
from reprisal_intake.models.casework import Measure
from tests.factories import database, make_account
from tests.support.admin import unlock
from tests.support.casework import Casework, a_case_on_my_desk, record_consent, risk_assessed
from tests.support.sharing import approve_and_carry_out

MECHANISM = "SP"
BLOCKING = [state for state in CONSENT_STATES if state != "granted"]
CASES = [
    pytest.param(action, variant, scope, id=f"{action}-{variant or 'plain'}-{scope}")
    for action, variants in OUTWARD_ACTIONS.items()
    for variant, scopes in variants.items()
    if scopes
    for scope in dict.fromkeys(("store_assess", *scopes))
]


def grant_all(work: Casework, scopes: tuple[str, ...]) -> None:
    for scope in ("store_assess", *scopes):
        record_consent(work.app, work.ref, scope, "granted", _mechanism(scope))


def _mechanism(scope: str) -> str | None:
    return MECHANISM if scope == "share_with" else None


def plan(work: Casework, action: str, variant: str | None) -> Any:
    kind = MEASURE_KINDS_BY_CODE[action]
    data = {"kind": action, "variant": variant or ""}
    if kind.names_mechanism:
        data["mechanism"] = MECHANISM
    return work.post("measures", **data)


def send(work: Casework, measure_id: str, action: str) -> Any:
    reply_due = {"reply_due": today().isoformat()} if MEASURE_KINDS_BY_CODE[action].to_state else {}
    return work.post(
        f"measures/{measure_id}/sent",
        sent_on=today().isoformat(),
        channel="letter",
        action_risk="medium",
        consent_current="y",
        **reply_due,
    )


def measure_ids(app: Flask) -> list[str]:
    with database(app).session() as session:
        return list(session.scalars(select(Measure.id).where(Measure.status == "planned")))


@pytest.mark.parametrize(("action", "variant", "scope"), CASES)
def test_planning_and_sending_follow_the_table(
    app: Flask, admin_app: Flask, client: FlaskClient, action: str, variant: str | None, scope: str
) -> None:
    scopes = OUTWARD_ACTIONS[action][variant]
    work = a_case_on_my_desk(app, admin_app, client, identity="MATRIX-IDENTITY")
    make_account(admin_app, "focal_point", mechanisms=(MECHANISM,), key="app")
    grant_all(work, scopes)
    if action in SHARE_ACTIONS:
        assert unlock(work.reviewer).status_code == 302
        risk_assessed(app, work.ref)
        share = {
            "mechanism": MECHANISM,
            "confirm_consent": "y",
            "part": SHARE_ACTIONS[action],
            "action_risk": "low",
            "summary": "MATRIX-SUMMARY",
        }
        for state in BLOCKING:
            record_consent(app, work.ref, scope, state, _mechanism(scope))
            shared = work.post("share", **share)
            assert shared.status_code == 409, (state, shared.status_code)
        record_consent(app, work.ref, scope, "granted", _mechanism(scope))
        shared = work.post("share", **share)
        assert shared.status_code == 303, shared.get_data(as_text=True)
        if SHARE_ACTIONS[action] == "with_identity":  # named: a second person approves first
            approve_and_carry_out(admin_app, work.reviewer, work.ref)
        with database(app).session() as session:
            assert [m.code for m in session.get(Case, work.ref).mechanisms] == ["CAT", MECHANISM]
        return

    assert plan(work, action, variant).status_code == 302
    (measure_id,) = measure_ids(app)
    work.ready_to_send(measure_id)
    for state in BLOCKING:
        record_consent(app, work.ref, scope, state, _mechanism(scope))
        assert plan(work, action, variant).status_code == 409, ("plan", state)
        assert send(work, measure_id, action).status_code == 409, ("send", state)
        assert (
            f"measure-{measure_id}" in work.page() and "(blocked: consent missing)" in work.page()
        )
    assert measure_ids(app) == [measure_id], "nothing refused was planned"
    record_consent(app, work.ref, scope, "granted", _mechanism(scope))
    sent = send(work, measure_id, action)
    assert sent.status_code == 302, sent.get_data(as_text=True)


def test_acknowledging_the_person_needs_no_consent(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    assert OUTWARD_ACTIONS["acknowledge"] == {None: ()}
    work = a_case_on_my_desk(app, admin_app, client)
    for scope in ("contact", "store_assess"):
        record_consent(app, work.ref, scope, "withdrawn")
    assert plan(work, "acknowledge", None).status_code == 302
