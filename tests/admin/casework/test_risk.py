"""A risk assessment is versioned: coded fields in the clear, the narrative sealed to the case, a next
review date that shows as overdue once passed."""

from __future__ import annotations

import datetime
import io
import json

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from admin.casework.risk import risk_level
from crypto.bundle import open_bundle
from reprisal_intake.models import EnvelopeChunk, Item, today
from reprisal_intake.models.casework import RiskAssessment
from tests.factories import database
from tests.support.admin import audit_actions, form_post, long_date, unlock
from tests.support.casework import a_case_on_my_desk

NARRATIVE = {
    "threat_source": "THREAT-SOURCE-7731 the district police chief",
    "history": "Summoned twice since the session",
    "vulnerability": "Two dependants; lives near the border",
    "capacities": "A lawyer from the bar association",
}


def assessments(app: Flask, ref: str) -> list[RiskAssessment]:
    with database(app).session() as session:
        rows = list(
            session.scalars(
                select(RiskAssessment)
                .where(RiskAssessment.case_ref == ref)
                .order_by(RiskAssessment.version)
            )
        )
        session.expunge_all()
        return rows


def test_each_assessment_is_a_new_version_with_its_narrative_sealed_to_the_case(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    review = today() + datetime.timedelta(days=14)
    response = work.post(
        "risk", likelihood="likely", severity="grave", next_review=review.isoformat(), **NARRATIVE
    )
    assert response.status_code == 302
    assert (
        work.post(
            "risk", likelihood="possible", severity="moderate", next_review=review.isoformat()
        ).status_code
        == 302
    )

    first, second = assessments(app, work.ref)
    assert (first.version, first.level, second.version, second.level) == (
        1,
        "critical",
        2,
        "medium",
    )
    assert work.case().next_review == review
    assert second.narrative_item_id is None, "nothing written, nothing stored"
    with database(app).session() as session:
        item = session.get(Item, first.narrative_item_id)
        assert (item.kind, item.submitter_readable) == ("note", False)
        stored = b"".join(session.scalars(select(EnvelopeChunk.data)))
    assert b"THREAT-SOURCE-7731" not in stored
    assert [a for _u, a, ref in audit_actions(app) if ref == work.ref].count("risk_assessed") == 2

    locked = work.page()
    assert "THREAT-SOURCE-7731" not in locked
    assert "Version 2" in locked and "Earlier versions" in locked
    assert unlock(work.reviewer).status_code == 302
    # The current version (2) has no narrative; version 1's is read when it is current.
    with database(app).session() as session:
        session.delete(session.get(RiskAssessment, second.id))
    assert "THREAT-SOURCE-7731" in work.page()


def test_the_sealed_narrative_stays_out_of_the_case_bundle(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    """Issue 15: the narrative is part of the internal record, sealed to a key of its own; a v1
    bundle holds only what opens with the case key (docs/spec/rptenv-v1-own-key-items.md), so the
    narrative is not in it, while the page shows it to the focal point."""
    work = a_case_on_my_desk(app, admin_app, client)
    review = (today() + datetime.timedelta(days=7)).isoformat()
    assert (
        work.post(
            "risk", likelihood="likely", severity="serious", next_review=review, **NARRATIVE
        ).status_code
        == 302
    )
    exported = form_post(work.reviewer, f"/cases/{work.ref}/export", {}, work.page())
    assert exported.status_code == 200
    assert work.account.reviewer is not None
    bundle = open_bundle(io.BytesIO(exported.data), work.account.reviewer.secret_key)
    notes = [
        json.loads(b"".join(r.chunks())) for item, r in bundle.items() if item["kind"] == "note"
    ]
    assert notes == []
    assert unlock(work.reviewer).status_code == 302
    assert NARRATIVE["threat_source"] in work.page()


def test_a_missing_review_date_gives_the_form_back_with_what_was_written(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    response = work.post(
        "risk", likelihood="likely", severity="serious", next_review="", **NARRATIVE
    )
    assert response.status_code == 400
    assert "THREAT-SOURCE-7731" in response.get_data(as_text=True)
    assert assessments(app, work.ref) == []


def test_a_review_date_in_the_past_is_overdue(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    yesterday = today() - datetime.timedelta(days=1)
    assert (
        work.post(
            "risk", likelihood="unlikely", severity="minor", next_review=yesterday.isoformat()
        ).status_code
        == 302
    )
    assert "overdue" in work.page().split("Next review", 1)[1][:200]
    overdue = work.reviewer.get("/casework/overdue").get_data(as_text=True)
    assert f"{work.ref}</a>: review due {long_date(yesterday)}" in overdue


def test_likelihood_times_severity_gives_the_level() -> None:
    assert risk_level("unlikely", "minor") == "low"
    assert risk_level("possible", "serious") == "medium"
    assert risk_level("likely", "serious") == "high"
    assert risk_level("almost_certain", "grave") == "critical"


def test_a_review_date_sent_as_a_file_gives_the_form_back_with_what_was_written(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    review = (io.BytesIO(b"2026-01-02"), "date.txt")
    response = work.post(
        "risk", likelihood="likely", severity="serious", next_review=review, **NARRATIVE
    )
    assert response.status_code == 400
    assert "THREAT-SOURCE-7731" in response.get_data(as_text=True)
    assert assessments(app, work.ref) == []
