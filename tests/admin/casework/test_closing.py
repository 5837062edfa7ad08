"""Closing warns (issue 17): closing a case that still has planned measures (some awaiting approval) or
a next review date lists them and changes nothing; the focal point cancels the measures with a reason,
or closes anyway with an acknowledgement that the status change's audit entry keeps."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reprisal_intake.models import AuditEntry, today
from reprisal_intake.models.casework import Measure
from tests.factories import database
from tests.support.admin import unlock
from tests.support.casework import Casework, a_case_on_my_desk, update_case


def planned_letter_and_review(app: Flask, admin_app: Flask, client: FlaskClient) -> Casework:
    work = a_case_on_my_desk(app, admin_app, client, consent_state_anonymised="granted")
    assert work.post("triage", urgency="urgent", in_detention="no").status_code == 302
    assert work.assess_risk().status_code == 302
    assert work.post("measures", kind="state_letter", variant="anonymised").status_code == 302
    assert work.post("measures", kind="acknowledge").status_code == 302
    update_case(admin_app, work.ref, status="action_planned")
    return work


def measures(app: Flask, ref: str) -> dict[str, Measure]:
    with database(app).session() as session:
        rows = list(session.scalars(select(Measure).where(Measure.case_ref == ref)))
        session.expunge_all()
    return {m.kind: m for m in rows}


def last_status_change(app: Flask, ref: str) -> dict[str, object] | None:
    with database(app).session() as session:
        entry = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.case_ref == ref, AuditEntry.action == "status_changed")
            .order_by(AuditEntry.seq.desc())
        ).first()
        return json.loads(entry.detail) if entry else None


def test_closing_lists_what_stays_open_and_changes_nothing(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = planned_letter_and_review(app, admin_app, client)
    review = work.case().next_review
    assert review is not None
    case_page = work.page()
    assert "Closing the case now would leave this open" in case_page

    before = last_status_change(admin_app, work.ref)
    warned = work.post("transition", to_status="closed", reason="resolved")
    assert warned.status_code == 409
    page = warned.get_data(as_text=True)
    today_iso = today().isoformat()
    assert "The case is not closed yet. Closing it now would leave this open:" in page
    assert (
        f"Measure still planned: Confidential letter to the State (planned {today_iso}). "
        "It is awaiting a second focal point's approval." in page
    )
    assert (
        f"Measure still planned: Acknowledge and inform the person (in this service) "
        f"(planned {today_iso}).</li>" in page
    ), "acknowledging needs no approval"
    assert (
        f"A next review is set for {review.isoformat()}. Closing stops its reminders; "
        "the date stays on the case if it is reopened." in page
    )
    assert "Cancel each measure that will not be sent, with a reason" in page
    for measure in measures(admin_app, work.ref).values():
        assert f"/cases/{work.ref}/measures/{measure.id}/cancel" in page
    assert 'name="close_anyway"' in page and "Close anyway" in page
    assert work.case().status == "action_planned"
    assert last_status_change(admin_app, work.ref) == before


def test_closing_anyway_is_acknowledged_in_the_audit_log(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = planned_letter_and_review(app, admin_app, client)
    review = work.case().next_review
    assert review is not None
    closed = work.post("transition", to_status="closed", reason="resolved", close_anyway="y")
    assert closed.status_code == 302, closed.get_data(as_text=True)
    assert work.case().status == "closed"
    rows = measures(admin_app, work.ref)
    detail = last_status_change(admin_app, work.ref)
    assert detail is not None
    assert detail["to"] == "closed" and detail["reason"] == "resolved"
    assert detail["closed_anyway"] == {
        "planned": [rows["state_letter"].id, rows["acknowledge"].id],
        "awaiting_approval": [rows["state_letter"].id],
        "next_review": review.isoformat(),
    }
    # The timeline says it in words.
    assert unlock(work.reviewer).status_code == 302
    assert (
        "From Action planned to Closed. Closed anyway: 2 measures were still planned. "
        f"The next review was set for {review.isoformat()}." in work.page()
    )


def test_cancelling_the_measures_leaves_only_the_review_date_to_acknowledge(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = planned_letter_and_review(app, admin_app, client)
    for measure in measures(admin_app, work.ref).values():
        cancelled = work.post(f"measures/{measure.id}/cancel", reason="not_needed")
        assert cancelled.status_code == 302
    warned = work.post("transition", to_status="closed", reason="resolved")
    assert warned.status_code == 409
    page = warned.get_data(as_text=True)
    assert "Measure still planned" not in page
    assert "A next review is set for" in page
    assert "Resolve the planned measures" not in page


def test_a_case_with_nothing_open_closes_at_once(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    assert work.post("triage", urgency="urgent", in_detention="no").status_code == 302
    assert "Closing the case now would leave this open" not in work.page()
    assert work.post("transition", to_status="closed", reason="resolved").status_code == 302
    detail = last_status_change(admin_app, work.ref)
    assert detail is not None and "closed_anyway" not in detail
