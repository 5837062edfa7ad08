"""Prefilled forms (issue 17): each case-work form of the case page starts from the version in force
(risk assessment with its text once the key is unlocked, assessment, triage, statistics coding), read
through HTTP as the focal point's browser gets it."""

from __future__ import annotations

import datetime
import re

from flask import Flask
from flask.testing import FlaskClient

from admin.reporting_periods import recent_periods
from reprisal_intake.models import today
from tests.support.admin import unlock
from tests.support.casework import a_case_on_my_desk, record_consent


def selected(page: str, select_id: str) -> str | None:
    """The value selected in the <select> with ``select_id``, or None."""
    found = re.search(rf'<select [^>]*id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert found, select_id
    value = re.search(r'<option selected value="([^"]*)"', found.group(1))
    return value.group(1) if value else None


def input_value(page: str, input_id: str) -> str | None:
    found = re.search(rf'<input [^>]*id="{input_id}"[^>]*value="([^"]*)"', page)
    return found.group(1) if found else None


def textarea(page: str, area_id: str) -> str:
    found = re.search(rf'<textarea [^>]*id="{area_id}"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, area_id
    return found.group(1).strip()


def test_the_new_risk_assessment_starts_from_the_last_version_text_included(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    blank = work.page()
    assert selected(blank, "risk-likelihood") in (None, "")
    review = today() + datetime.timedelta(days=21)
    assert (
        work.post(
            "risk",
            likelihood="likely",
            severity="grave",
            next_review=review.isoformat(),
            threat_source="THREAT-7731 police summons",
            capacities="CAPACITY-7731 a lawyer",
        ).status_code
        == 302
    )
    assert unlock(work.reviewer).status_code == 302
    page = work.page()
    assert selected(page, "risk-likelihood") == "likely"
    assert selected(page, "risk-severity") == "grave"
    assert input_value(page, "risk-next-review") == review.isoformat()
    assert textarea(page, "risk-threat-source") == "THREAT-7731 police summons"
    assert textarea(page, "risk-capacities") == "CAPACITY-7731 a lawyer"
    assert textarea(page, "risk-history") == ""


def test_the_assessment_form_starts_from_the_assessment_in_force(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    assert selected(work.page(), "outcome") in (None, "")
    assert work.post("assessment", outcome="unclear").status_code == 302
    assert selected(work.page(), "outcome") == "unclear"
    assert work.post("assessment", outcome="credible").status_code == 302
    assert selected(work.page(), "outcome") == "credible"


def test_the_triage_form_starts_from_the_triage_in_force(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    assert work.post("triage", urgency="immediate", in_detention="yes").status_code == 302
    page = work.page()
    assert selected(page, "triage-urgency") == "immediate"
    assert selected(page, "triage-in-detention") == "yes"


def test_the_statistics_form_starts_from_the_coding_saved(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    record_consent(admin_app, work.ref, "statistics", "granted")
    saved = work.post(
        "statistics",
        **{
            "stats-state": "RU",
            "stats-individuals": "4",
            "stats-organisations": "1",
            "stats-women_girls": "2",
            "stats-gender": "woman",
            "stats-age_band": "18_29",
        },
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    page = work.page()
    assert selected(page, "stats-state") == "RU"
    assert selected(page, "stats-gender") == "woman"
    assert selected(page, "stats-age_band") == "18_29"
    assert input_value(page, "stats-individuals") == "4"
    assert input_value(page, "stats-women_girls") == "2"


def test_the_place_in_the_report_starts_from_the_latest_period_recorded(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    earlier = recent_periods(today())[1].code
    assert selected(work.page(), "status") in (None, "")
    assert (
        work.post(
            "sg-report", period=earlier, status="withheld", follows_up_reference="A/HRC/57/60 ¶ 12"
        ).status_code
        == 302
    )
    page = work.page()
    assert selected(page, "period") == earlier
    assert selected(page, "status") == "withheld"
    assert input_value(page, "follows_up_reference") == "A/HRC/57/60 ¶ 12"
