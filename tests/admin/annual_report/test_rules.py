"""What the assessment and report steps refuse (409, nothing changed) or send back (400, as typed)."""

from __future__ import annotations

import datetime
import html

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from admin.reporting_periods import Period, parse_period, period_of
from reprisal_intake.models import EnvelopeChunk, today
from reprisal_intake.models.annual_report import ReportInclusion, StateReply
from reprisal_intake.models.casework import Measure
from tests.factories import database
from tests.support.annual_report import focal_point_desk, reported_case, state_reply, step

PERIOD = period_of(today()).code


def _inclusions(app: Flask) -> int:
    with database(app).session() as session:
        return session.scalar(select(func.count()).select_from(ReportInclusion)) or 0


def test_without_consent_to_the_report_a_case_can_only_be_withheld(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    _account, browser = focal_point_desk(admin_app)
    ref = reported_case(app, client)
    step(browser, ref, "assessment", outcome="credible")
    for status in ("proposed", "included"):
        refused = step(
            browser,
            ref,
            "sg-report",
            period=PERIOD,
            status=status,
            document_symbol="A/HRC/1/1",
            paragraph="1",
        )
        assert refused.status_code == 409
        page = html.unescape(refused.get_data(as_text=True))
        assert "has not agreed to appear in the Secretary-General's report" in page
    assert _inclusions(app) == 0
    assert step(browser, ref, "sg-report", period=PERIOD, status="withheld").status_code == 302
    assert _inclusions(app) == 1


def test_inclusion_needs_a_credible_assessment_a_symbol_and_a_paragraph(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    _account, browser = focal_point_desk(admin_app)
    ref = reported_case(app, client, consent_sg_report_anonymised="granted")
    full = {
        "period": PERIOD,
        "status": "included",
        "document_symbol": "A/HRC/1/1",
        "paragraph": "3",
    }
    for outcome in (None, "unclear", "none"):
        if outcome:
            step(browser, ref, "assessment", outcome=outcome)
        refused = step(browser, ref, "sg-report", **full)
        assert refused.status_code == 409, outcome
        assert "Only a case assessed as a credible reprisal" in refused.get_data(as_text=True)
    step(browser, ref, "assessment", outcome="credible")
    refused = step(browser, ref, "sg-report", **{**full, "paragraph": ""})
    assert refused.status_code == 409
    assert "Give the report's document symbol and paragraph." in html.unescape(
        refused.get_data(as_text=True)
    )
    assert _inclusions(app) == 0
    assert step(browser, ref, "sg-report", **full).status_code == 302


def test_a_follow_up_points_to_this_case_in_an_earlier_period(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    _account, browser = focal_point_desk(admin_app)
    ref = reported_case(app, client, consent_sg_report_anonymised="granted")
    step(browser, ref, "assessment", outcome="credible")
    earlier = Period(period_of(today()).start_year - 1).code
    step(
        browser,
        ref,
        "sg-report",
        period=earlier,
        status="included",
        document_symbol="A/HRC/1/1",
        paragraph="9",
    )
    with database(app).session() as session:
        first = session.scalars(select(ReportInclusion)).one().id
    # The same period cannot follow itself up.
    same = step(
        browser,
        ref,
        "sg-report",
        period=earlier,
        status="included",
        document_symbol="A/HRC/1/1",
        paragraph="9",
        follows_up=first,
    )
    assert same.status_code == 409
    later = step(
        browser,
        ref,
        "sg-report",
        period=PERIOD,
        status="included",
        document_symbol="A/HRC/2/2",
        paragraph="4",
        follows_up=first,
    )
    assert later.status_code == 302
    with database(app).session() as session:
        row = session.scalars(select(ReportInclusion).where(ReportInclusion.period == PERIOD)).one()
        assert row.follows_up_id == first


def test_a_period_outside_the_fixed_ones_is_refused(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    _account, browser = focal_point_desk(admin_app)
    ref = reported_case(app, client)
    for code in ("2025-2027", "2025", "2025-05-01/2025-09-30"):
        assert step(browser, ref, "sg-report", period=code, status="withheld").status_code == 400
    assert parse_period("2025-2027") is None
    assert parse_period("2025-2026") == Period(2025)
    assert period_of(datetime.date(2026, 4, 30)) == Period(2025)
    assert period_of(datetime.date(2026, 5, 1)) == Period(2026)


def test_a_state_reply_is_refused_when_it_cannot_be_true(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    _account, browser = focal_point_desk(admin_app)
    ref = reported_case(app, client)
    tomorrow = (today() + datetime.timedelta(days=1)).isoformat()
    future = state_reply(browser, ref, received_on=tomorrow, grade="A", text="x")
    assert future.status_code == 409
    no_reply = state_reply(browser, ref, received_on=today().isoformat(), grade="D")
    assert no_reply.status_code == 409
    typed = "The State says the travel ban was lifted."
    missing = state_reply(browser, ref, received_on="", grade="B", text=typed)
    assert missing.status_code == 400
    assert typed in missing.get_data(as_text=True), "what was typed comes back"
    with database(app).session() as session:
        assert session.scalars(select(StateReply)).all() == []


def test_a_reply_to_a_measure_sent_to_the_state_answers_it(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    _account, browser = focal_point_desk(admin_app)
    ref = reported_case(app, client)
    sent_on = today() - datetime.timedelta(days=10)
    with database(app).session() as session:
        letter = Measure(
            case_ref=ref,
            kind="state_letter",
            consent_scope="state_anonymised",
            status="sent",
            sent_on=sent_on,
            reply_due=today(),
        )
        verify = Measure(case_ref=ref, kind="verify", consent_scope="store_assess", status="sent")
        session.add_all([letter, verify])
        session.flush()
        letter_id, verify_id = letter.id, verify.id
    not_to_state = state_reply(
        browser, ref, received_on=today().isoformat(), grade="A", measure=verify_id
    )
    assert not_to_state.status_code == 400, "a measure not sent to the State is not offered"
    before_sent = (sent_on - datetime.timedelta(days=1)).isoformat()
    assert (
        state_reply(browser, ref, received_on=before_sent, grade="A", measure=letter_id).status_code
        == 409
    )
    answered = state_reply(
        browser, ref, received_on=today().isoformat(), grade="B", measure=letter_id
    )
    assert answered.status_code == 302
    with database(app).session() as session:
        letter = session.get(Measure, letter_id)
        assert letter is not None and (letter.reply_grade, letter.reply_on) == ("B", today())


def test_the_state_reply_text_is_sealed_not_stored_in_the_clear(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    _account, browser = focal_point_desk(admin_app)
    ref = reported_case(app, client)
    words = "UNIQUE-REPLY-7f3a the Government rejects the allegations"
    state_reply(
        browser,
        ref,
        received_on=today().isoformat(),
        grade="C",
        text=words,
        file=b"UNIQUE-FILE-91c2",
    )
    with database(app).session() as session:
        stored = b"".join(session.scalars(select(EnvelopeChunk.data)))
    assert stored
    assert b"UNIQUE-REPLY-7f3a" not in stored and b"UNIQUE-FILE-91c2" not in stored
