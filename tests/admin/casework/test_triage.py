"""Triage sets the urgency and detention flags and moves a received case on; immediate-risk cases head
every relevant focal point's queue and show as overdue when no one acts within 24 hours."""

from __future__ import annotations

import datetime

from flask import Flask
from flask.testing import FlaskClient

from tests.factories import make_account
from tests.support.admin import audit_actions, sign_in
from tests.support.casework import Casework, a_case_on_my_desk, update_case
from tests.support.intake import submit

HOURS = datetime.timedelta(hours=1)
OVERDUE = "no action within 24 hours"


def listing(work: Casework) -> str:
    return work.reviewer.get("/cases/").get_data(as_text=True)


def test_triage_sets_the_flags_moves_the_case_on_and_is_audited(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client, urgency="not_urgent")
    response = work.post("triage", urgency="urgent", in_detention="yes")
    assert response.status_code == 302
    case = work.case()
    assert (case.status, case.urgency, case.in_detention) == ("triaged", "urgent", "yes")
    actions = [(a, ref) for _actor, a, ref in audit_actions(app)]
    assert ("triaged", work.ref) in actions and ("status_changed", work.ref) in actions

    # Triage again later changes the flags, not the status.
    assert work.post("triage", urgency="not_urgent", in_detention="no").status_code == 302
    assert (work.case().status, work.case().urgency) == ("triaged", "not_urgent")


def test_a_closed_case_is_not_triaged_and_bad_codes_are_refused(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    assert work.post("triage", urgency="whenever", in_detention="yes").status_code == 400
    assert work.post("triage", urgency="", in_detention="yes").status_code == 400
    update_case(app, work.ref, status="closed")
    assert work.post("triage", urgency="immediate", in_detention="yes").status_code == 409
    assert work.case().urgency == "urgent"


def test_an_immediate_risk_case_heads_the_queue_of_its_focal_points_only(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client, urgency="not_urgent")
    for _ in range(3):
        submit(client, urgency="urgent")
    other = make_account(admin_app, "focal_point", mechanisms=("CCPR",), key="app")
    assert work.post("triage", urgency="immediate", in_detention="yes").status_code == 302

    listing = work.reviewer.get("/cases/").get_data(as_text=True)
    assert "Immediate risk to life or liberty" in listing
    queue, _rest = listing.split("All cases", 1)
    assert work.ref in queue

    elsewhere = admin_app.test_client()
    sign_in(admin_app, elsewhere, other)
    assert work.ref not in elsewhere.get("/cases/").get_data(as_text=True)


def test_flagged_at_triage_and_left_24_hours_the_case_is_overdue_until_someone_acts(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client, urgency="urgent")
    assert work.post("triage", urgency="immediate", in_detention="yes").status_code == 302
    flagged = work.case().immediate_since
    assert flagged is not None
    assert OVERDUE not in listing(work)

    # Flagging is not the action the rule waits for: a day later nothing else has happened.
    update_case(
        app, work.ref, immediate_since=flagged - 25 * HOURS, last_action_at=flagged - 25 * HOURS
    )
    assert "overdue: no action within 24 hours" in work.reviewer.get("/cases/").get_data(
        as_text=True
    )
    assert "no action within 24 hours" in work.page()
    assert work.ref in work.reviewer.get("/casework/overdue").get_data(as_text=True)

    assert work.post("transition", to_status="under_assessment").status_code == 302
    assert OVERDUE not in listing(work)
    assert work.ref not in work.reviewer.get("/casework/overdue").get_data(as_text=True)


def test_flagged_by_the_submitter_the_clock_starts_at_the_start_of_the_day_received(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client, urgency="immediate")
    received = work.case().created
    assert work.case().immediate_since is None
    assert OVERDUE not in listing(work), "received today: the day has not been 24 hours yet"
    # Received the day before yesterday: its day started more than 24 hours ago.
    update_case(app, work.ref, created=received - datetime.timedelta(days=2))
    assert OVERDUE in listing(work)
    # Triage is the reviewer's first action on a case the submitter flagged.
    assert work.post("triage", urgency="immediate", in_detention="unknown").status_code == 302
    assert OVERDUE not in listing(work)
