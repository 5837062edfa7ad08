"""Who ``alerts run`` tells, when, and only once (the dispatch rules, with a recording channel)."""

from __future__ import annotations

import datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reprisal_intake.models import Case, today
from reprisal_intake.models.alerts import Alert
from tests.factories import database, make_account
from tests.support.alerts import RecordingChannel, put_on_call, reachable_at, run
from tests.support.intake import submit

NEW_CAT = "A new immediate-risk case for CAT"
LATE_CAT = "Not acknowledged: an immediate-risk case for CAT"


def test_nobody_on_call_sends_the_alert_to_the_coordinators_at_once(
    admin_app: Flask, client: FlaskClient
) -> None:
    off_duty = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="offline")
    coordinator = make_account(admin_app, "coordinator")
    reachable_at(admin_app, off_duty, "off@example.org")
    reachable_at(admin_app, coordinator, "coord@example.org")
    put_on_call(admin_app, off_duty, "CAT", today() - datetime.timedelta(days=1))
    submit(client, urgency="immediate")
    channel = RecordingChannel()

    report = run(admin_app, channel)
    assert channel.take() == [("coord@example.org", NEW_CAT)]
    assert (report.sent, report.escalated, report.unreachable) == (0, 1, ["CAT"])
    run(admin_app, channel, later=datetime.timedelta(days=1))
    assert channel.take() == []


def test_an_invited_focal_point_who_cannot_sign_in_yet_is_not_on_call(
    admin_app: Flask, client: FlaskClient
) -> None:
    focal_point = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="offline")
    coordinator = make_account(admin_app, "coordinator")
    reachable_at(admin_app, focal_point, "fp@example.org")
    reachable_at(admin_app, coordinator, "coord@example.org")
    put_on_call(admin_app, focal_point, "CAT")
    with database(admin_app).session() as session:
        from reprisal_intake.models import User

        user = session.get(User, focal_point.id)
        assert user is not None
        user.password_hash = None
    submit(client, urgency="immediate")
    channel = RecordingChannel()
    run(admin_app, channel)
    assert channel.take() == [("coord@example.org", NEW_CAT)]


def test_a_case_left_untriaged_past_its_deadline_is_alerted_once(
    admin_app: Flask, client: FlaskClient
) -> None:
    focal_point = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="offline")
    reachable_at(admin_app, focal_point, "fp@example.org")
    put_on_call(admin_app, focal_point, "CAT")
    submit(client, urgency="urgent")
    channel = RecordingChannel()

    run(admin_app, channel, triage_days=2)
    assert channel.take() == [], "a case within its triage deadline is not an alert"
    with database(admin_app).session() as session:
        case = session.scalars(select(Case)).one()
        case.created = today() - datetime.timedelta(days=2)
    run(admin_app, channel, triage_days=2)
    assert channel.take() == [
        ("fp@example.org", "A case for CAT has waited more than 2 days for triage")
    ]
    run(admin_app, channel, triage_days=2)
    assert channel.take() == []


def test_triage_counts_as_acknowledgement_and_stops_the_escalation(
    admin_app: Flask, client: FlaskClient
) -> None:
    focal_point = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="offline")
    coordinator = make_account(admin_app, "coordinator")
    reachable_at(admin_app, focal_point, "fp@example.org")
    reachable_at(admin_app, coordinator, "coord@example.org")
    put_on_call(admin_app, focal_point, "CAT")
    submit(client, urgency="immediate")
    channel = RecordingChannel()
    run(admin_app, channel, ack_minutes=0)
    assert channel.take() == [("fp@example.org", NEW_CAT)]
    with database(admin_app).session() as session:
        session.scalars(select(Case)).one().status = "triaged"

    report = run(admin_app, channel, ack_minutes=0, later=datetime.timedelta(minutes=5))
    assert channel.take() == []
    assert report.closed == 1
    with database(admin_app).session() as session:
        alert = session.scalars(select(Alert)).one()
        assert alert.acknowledged_on is not None
        assert alert.escalate_after is None


def test_the_escalation_waits_for_the_acknowledgement_window(
    admin_app: Flask, client: FlaskClient
) -> None:
    focal_point = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="offline")
    coordinator = make_account(admin_app, "coordinator")
    reachable_at(admin_app, focal_point, "fp@example.org")
    reachable_at(admin_app, coordinator, "coord@example.org")
    put_on_call(admin_app, focal_point, "CAT")
    submit(client, urgency="immediate")
    channel = RecordingChannel()
    run(admin_app, channel, ack_minutes=60)
    assert channel.take() == [("fp@example.org", NEW_CAT)]
    run(admin_app, channel, ack_minutes=60, later=datetime.timedelta(minutes=59))
    assert channel.take() == []
    run(admin_app, channel, ack_minutes=60, later=datetime.timedelta(minutes=61))
    assert channel.take() == [("coord@example.org", LATE_CAT)]
    with database(admin_app).session() as session:
        alert = session.scalars(select(Alert)).one()
        # Once escalated, no time of day is kept, only the date.
        assert alert.escalate_after is None
        assert alert.escalated_on is not None


def test_a_failed_delivery_records_nothing_and_is_tried_again(
    admin_app: Flask, client: FlaskClient
) -> None:
    focal_point = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="offline")
    reachable_at(admin_app, focal_point, "fp@example.org")
    put_on_call(admin_app, focal_point, "CAT")
    submit(client, urgency="immediate")
    channel = RecordingChannel(failing=True)
    report = run(admin_app, channel)
    assert report.failures and report.sent == 0
    with database(admin_app).session() as session:
        assert session.scalars(select(Alert)).all() == []
    channel.failing = False
    run(admin_app, channel)
    assert channel.take() == [("fp@example.org", NEW_CAT)]


def test_each_mechanism_of_a_case_gets_its_own_alert(admin_app: Flask, client: FlaskClient) -> None:
    cat = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="offline")
    spt = make_account(admin_app, "focal_point", mechanisms=("SPT",), key="offline")
    reachable_at(admin_app, cat, "cat@example.org")
    reachable_at(admin_app, spt, "spt@example.org", language="fr")
    put_on_call(admin_app, cat, "CAT")
    put_on_call(admin_app, spt, "SPT")
    submit(client, urgency="immediate")
    with database(admin_app).session() as session:
        from reprisal_intake.models import Mechanism

        case = session.scalars(select(Case)).one()
        case.mechanisms.append(session.get(Mechanism, "SPT"))  # type: ignore[arg-type]
    channel = RecordingChannel()
    run(admin_app, channel)
    assert sorted(channel.take()) == [
        ("cat@example.org", NEW_CAT),
        ("spt@example.org", "Un nouveau cas de risque immédiat pour SPT"),
    ]
