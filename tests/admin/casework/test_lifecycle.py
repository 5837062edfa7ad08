"""A case moves through the lifecycle of docs/domain.md one allowed step at a time: every other move is
refused and changes nothing, every accepted move is recorded and audited."""

from __future__ import annotations

import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from admin.casework.lifecycle import TRANSITIONS
from reprisal_intake.domain import CASE_STATUSES
from reprisal_intake.models import today
from reprisal_intake.models.casework import StatusChange
from tests.factories import database
from tests.support.admin import audit_actions, csrf_of
from tests.support.casework import a_case_on_my_desk, update_case


def status_changes(app: Flask, ref: str) -> list[tuple[str, str, str | None]]:
    with database(app).session() as session:
        rows = session.scalars(
            select(StatusChange)
            .where(StatusChange.case_ref == ref)
            .order_by(StatusChange.changed_at)
        )
        return [(c.from_status, c.to_status, c.reason) for c in rows]


def test_a_case_goes_from_received_to_closed_and_is_reopened_on_a_new_incident(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    assert work.post("triage", urgency="urgent", in_detention="no").status_code == 302
    for step in (
        "consent_pending",
        "under_assessment",
        "action_planned",
        "action_taken",
        "awaiting_state_reply",
        "follow_up",
    ):
        response = work.post("transition", to_status=step)
        assert response.status_code == 302, response.get_data(as_text=True)
        assert work.case().status == step

    assert work.post("transition", to_status="closed", reason="resolved").status_code == 302
    closed = work.case()
    assert (closed.status, closed.closed_on, closed.closed_reason) == (
        "closed",
        today(),
        "resolved",
    )
    assert "Closed" in work.page() and "Resolved" in work.page()

    assert work.post("transition", to_status="triaged", reason="new_incident").status_code == 302
    reopened = work.case()
    assert (reopened.status, reopened.closed_on, reopened.closed_reason) == ("triaged", None, None)

    changes = status_changes(app, work.ref)
    assert changes[0] == ("received", "triaged", None)
    assert changes[-2:] == [
        ("follow_up", "closed", "resolved"),
        ("closed", "triaged", "new_incident"),
    ]
    audited = [a for _actor, a, ref in audit_actions(app) if ref == work.ref]
    assert audited.count("status_changed") == len(changes)


def test_a_case_is_put_on_hold_for_security_and_resumes_where_it_was(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    update_case(app, work.ref, status="action_planned")
    assert work.post("transition", to_status="on_hold").status_code == 409, "a hold needs a reason"
    assert work.post("transition", to_status="on_hold", reason="security").status_code == 302
    held = work.case()
    assert (held.status, held.hold_reason, held.status_before_hold) == (
        "on_hold",
        "security",
        "action_planned",
    )
    assert "On hold for outward action" in work.page()
    assert work.post("transition", to_status="action_taken").status_code == 409
    assert work.post("transition", to_status="action_planned").status_code == 302
    resumed = work.case()
    assert (resumed.status, resumed.hold_reason, resumed.status_before_hold) == (
        "action_planned",
        None,
        None,
    )


# docs/domain.md's lifecycle, written out: forward steps, a few steps back, closing from any open state,
# reopening, and holding from any open state (received -> triaged is triage's; see below).
FORWARD = [
    ("triaged", "consent_pending"),
    ("triaged", "under_assessment"),
    ("consent_pending", "under_assessment"),
    ("under_assessment", "consent_pending"),
    ("under_assessment", "action_planned"),
    ("action_planned", "under_assessment"),
    ("action_planned", "action_taken"),
    ("action_taken", "awaiting_state_reply"),
    ("action_taken", "follow_up"),
    ("awaiting_state_reply", "follow_up"),
    ("follow_up", "under_assessment"),
    ("follow_up", "action_planned"),
    ("closed", "triaged"),
    ("closed", "under_assessment"),
    # Settled without action (issue 16): out of scope, or referred to another body.
    ("triaged", "out_of_scope"),
    ("triaged", "referred_elsewhere"),
    ("under_assessment", "out_of_scope"),
    ("under_assessment", "referred_elsewhere"),
    ("out_of_scope", "under_assessment"),
    ("referred_elsewhere", "under_assessment"),
    ("referred_elsewhere", "follow_up"),
    ("out_of_scope", "closed"),
    ("referred_elsewhere", "closed"),
]
OPEN = set(CASE_STATUSES) - {"closed", "on_hold", "out_of_scope", "referred_elsewhere"}


def allowed_moves() -> set[tuple[str, str]]:
    return (
        set(FORWARD)
        | {(source, "closed") for source in OPEN}
        | {(source, "on_hold") for source in OPEN}
    )


def test_the_transition_table_is_the_lifecycle_of_the_domain() -> None:
    table = {(source, target) for source, targets in TRANSITIONS.items() for target in targets}
    assert table | {(source, "on_hold") for source in OPEN} == allowed_moves()


def test_every_move_outside_the_table_is_refused_and_changes_nothing(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    token = csrf_of(work.page())
    allowed = allowed_moves()
    refused = 0
    for source in CASE_STATUSES:
        for target in CASE_STATUSES:
            if (source, target) in allowed:
                continue
            # On hold, only the state it was held from is allowed back (checked below).
            update_case(app, work.ref, status=source, status_before_hold="triaged")
            if source == "on_hold" and target == "triaged":
                continue
            before = len(audit_actions(app))
            for reason in ("", "resolved", "security", "new_incident"):
                response = work.reviewer.post(
                    f"/cases/{work.ref}/transition",
                    data={"csrf_token": token, "to_status": target, "reason": reason},
                )
                assert response.status_code == 409, (source, target, reason)
                assert "Nothing was changed" in response.get_data(as_text=True)
            assert work.case().status == source, (source, target)
            assert len(audit_actions(app)) == before
            refused += 1
    assert refused > 60
    assert status_changes(app, work.ref) == []


def test_on_hold_goes_back_only_to_the_state_it_was_held_from(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    update_case(
        app, work.ref, status="on_hold", status_before_hold="follow_up", hold_reason="security"
    )
    for target in CASE_STATUSES:
        if target != "follow_up":
            assert work.post("transition", to_status=target).status_code == 409, target
    assert work.post("transition", to_status="follow_up").status_code == 302


@pytest.mark.parametrize(
    ("target", "reason"),
    [("closed", ""), ("closed", "security"), ("on_hold", "resolved"), ("on_hold", "")],
)
def test_closing_and_holding_need_their_own_kind_of_reason(
    app: Flask, admin_app: Flask, client: FlaskClient, target: str, reason: str
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    update_case(app, work.ref, status="under_assessment")
    response = work.post("transition", to_status=target, reason=reason)
    assert response.status_code == 409
    assert "Choose a reason" in response.get_data(as_text=True)
    assert work.case().status == "under_assessment"


def test_reopening_needs_a_new_incident(app: Flask, admin_app: Flask, client: FlaskClient) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    update_case(
        app,
        work.ref,
        status="closed",
        closed_on=datetime.date(2026, 1, 2),
        closed_reason="no_contact",
    )
    assert work.post("transition", to_status="under_assessment").status_code == 409
    assert work.case().closed_on == datetime.date(2026, 1, 2)
    assert (
        work.post("transition", to_status="under_assessment", reason="new_incident").status_code
        == 302
    )
    assert work.case().closed_on is None


def test_a_status_that_does_not_exist_is_bad_input(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    response = work.post("transition", to_status="deleted")
    assert response.status_code == 400
    assert "Nothing was saved yet" in response.get_data(as_text=True)
    assert work.case().status == "received"


def test_received_goes_to_triaged_only_through_triage(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    assert work.post("transition", to_status="triaged").status_code == 409
    assert work.case().status == "received"
