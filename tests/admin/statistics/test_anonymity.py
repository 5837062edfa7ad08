""" "Anonymity requested" is the person's wish not to be named in the Secretary-General's report, read
from that consent, for every case: not whether the report form had a name, and not a box to tick."""

from __future__ import annotations

from flask import Flask

from tests.factories import make_account
from tests.support.admin import sign_in
from tests.support.statistics import coded_case

GRANTED = ("statistics", "granted")


def test_anonymity_requested_comes_from_the_consent_to_the_report(admin_app: Flask) -> None:
    asked = [
        (("sg_report_anonymised", "granted"),),
        (("sg_report_named", "refused"), ("sg_report_anonymised", "granted")),
        (("sg_report_named", "granted"), ("sg_report_named", "withdrawn")),
    ]
    not_asked = [
        (),
        (("sg_report_named", "granted"), ("sg_report_anonymised", "granted")),
        (("sg_report_anonymised", "not_asked"),),
    ]
    for consents in asked:
        coded_case(admin_app, coded=False, consents=(GRANTED, *consents))
    for consents in not_asked:
        coded_case(admin_app, consents=(GRANTED, *consents))
    client = admin_app.test_client()
    sign_in(admin_app, client, make_account(admin_app, "coordinator"))
    page = client.get("/statistics/").get_data(as_text=True)
    assert "<dt>Cases where anonymity was requested</dt><dd>3</dd>" in page


def test_the_coding_form_has_no_anonymity_box_and_says_what_the_consent_says(
    admin_app: Flask,
) -> None:
    ref = coded_case(admin_app, consents=(GRANTED, ("sg_report_anonymised", "granted")))
    client = admin_app.test_client()
    sign_in(admin_app, client, make_account(admin_app, "coordinator"))
    page = client.get(f"/cases/{ref}").get_data(as_text=True)
    assert 'name="stats-anonymity_requested"' not in page
    assert "the person asked not to be named in the Secretary-General" in page
