"""Acknowledging an alert in the admin app stops its escalation and gives the case an owner; a focal
point of another mechanism neither sees nor acknowledges it."""

from __future__ import annotations

import datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reprisal_intake.models import Case
from reprisal_intake.models.alerts import Alert
from tests.factories import database, make_account
from tests.support.admin import audit_actions, form_post, sign_in
from tests.support.alerts import RecordingChannel, put_on_call, reachable_at, run
from tests.support.intake import submit


def _alerted_case(admin_app: Flask, client: FlaskClient):  # type: ignore[no-untyped-def]
    focal_point = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="offline")
    coordinator = make_account(admin_app, "coordinator")
    reachable_at(admin_app, focal_point, "fp@example.org")
    reachable_at(admin_app, coordinator, "coord@example.org")
    put_on_call(admin_app, focal_point, "CAT")
    submit(client, urgency="immediate")
    channel = RecordingChannel()
    run(admin_app, channel, ack_minutes=30)
    assert len(channel.take()) == 1
    with database(admin_app).session() as session:
        alert = session.scalars(select(Alert)).one()
        return focal_point, channel, alert.id, alert.case_ref


def test_acknowledging_stops_the_escalation_and_makes_an_owner(
    admin_app: Flask, client: FlaskClient
) -> None:
    focal_point, channel, alert_id, ref = _alerted_case(admin_app, client)
    browser = admin_app.test_client()
    sign_in(admin_app, browser, focal_point)
    page = browser.get("/alerts/").get_data(as_text=True)
    assert "New immediate-risk case" in page and ref in page
    assert "Alerts name no person and carry nothing from the report." in page

    response = form_post(browser, f"/alerts/{alert_id}/acknowledge", {}, page)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/{ref}#owner")
    case_page = browser.get(f"/cases/{ref}").get_data(as_text=True)
    assert f"This case's owner is {focal_point.username}." in case_page
    assert "No alert is waiting for acknowledgement." in browser.get("/alerts/").get_data(
        as_text=True
    )
    with database(admin_app).session() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None and alert.acknowledged_by == focal_point.id
        assert alert.escalate_after is None
    assert (focal_point.username, "alert_acknowledged", ref) in audit_actions(admin_app)

    run(admin_app, channel, ack_minutes=30, later=datetime.timedelta(hours=2))
    assert channel.take() == [], "an acknowledged alert went to the coordinators"


def test_a_focal_point_of_another_mechanism_cannot_see_or_acknowledge_it(
    admin_app: Flask, client: FlaskClient
) -> None:
    _focal_point, _channel, alert_id, ref = _alerted_case(admin_app, client)
    stranger = make_account(admin_app, "focal_point", mechanisms=("CCPR",), key="offline")
    browser = admin_app.test_client()
    sign_in(admin_app, browser, stranger)
    page = browser.get("/alerts/").get_data(as_text=True)
    assert ref not in page
    response = form_post(browser, f"/alerts/{alert_id}/acknowledge", {}, page)
    assert response.status_code == 403
    assert (stranger.username, "access_denied", ref) in audit_actions(admin_app)
    with database(admin_app).session() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None and alert.acknowledged_on is None
        case = session.get(Case, ref)
        assert case is not None and case.owner_id is None


def test_a_focal_point_takes_a_case(admin_app: Flask, client: FlaskClient) -> None:
    focal_point = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="offline")
    submit(client)
    with database(admin_app).session() as session:
        ref = session.scalars(select(Case.ref)).one()
    browser = admin_app.test_client()
    sign_in(admin_app, browser, focal_point)
    page = browser.get(f"/cases/{ref}").get_data(as_text=True)
    assert "This case has no owner yet." in page
    response = form_post(browser, f"/cases/{ref}/owner", {}, page)
    assert response.status_code == 302
    page = browser.get(f"/cases/{ref}").get_data(as_text=True)
    assert f"This case's owner is {focal_point.username}." in page
    assert "Take this case" not in page
    assert (focal_point.username, "case_owner_changed", ref) in audit_actions(admin_app)


def test_an_unknown_alert_is_404(admin_app: Flask) -> None:
    focal_point = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="offline")
    browser = admin_app.test_client()
    sign_in(admin_app, browser, focal_point)
    page = browser.get("/alerts/").get_data(as_text=True)
    assert form_post(browser, "/alerts/nothing-here/acknowledge", {}, page).status_code == 404
