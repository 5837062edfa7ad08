"""The vocabulary the Secretary-General's reports need (issue 16): new mechanisms, acts and
perpetrators, offered in all six languages, stored by code; every older code still valid."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from sqlalchemy import select

from reprisal_intake import domain
from reprisal_intake.models import Case, Mechanism
from tests.factories import database, make_reviewer
from tests.support.intake import submit

NEW_MECHANISMS = ("COI", "UNSC", "UNPFII", "EMRIP", "CNGO", "ILO", "UNESCO", "UNVFVT")
NEW_MECHANISMS += ("AFCHPR", "ACERWC", "CPT", "ODIHR")
NEW_ACTS = ("assault", "asset_freeze", "funding", "labelling", "security_charges", "un_access")
NEW_ACTS += ("doxxing", "confiscation", "self_censorship")
NEW_PERPETRATORS = ("detention_staff", "detainees", "foreign_state", "aligned_media")
OLD_CODES = {"CCPR", "CAT", "SPT", "ACHPR", "AICHR", "HRC", "UPR", "SP", "ASG", "FIELD"}
LANGUAGES = ("fr", "es", "ar", "ru", "zh")


def test_every_mechanism_named_is_in_the_database_and_the_old_codes_stay(app: Flask) -> None:
    with database(app).session() as session:
        stored = set(session.scalars(select(Mechanism.code)))
    assert stored == set(domain.MECHANISM_NAMES)
    assert stored >= OLD_CODES and set(NEW_MECHANISMS) <= stored


def test_every_mechanism_code_can_be_named_in_a_signed_reader_record(app: Flask) -> None:
    """docs/spec/reader-record-v1.md: mechanism codes are [A-Z]{2,16}; a code outside that could
    never have a certified reader, so its cases would be sealed to nobody."""
    with database(app).session() as session:
        stored = set(session.scalars(select(Mechanism.code)))
    assert [code for code in sorted(stored) if not re.fullmatch(r"[A-Z]{2,16}", code)] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_new_labels_are_translated(app: Flask, language: str) -> None:
    labels = [
        *(domain.MECHANISM_NAMES[c] for c in NEW_MECHANISMS),
        *(dict(domain.ACTS)[c] for c in NEW_ACTS),
        *(dict(domain.PERPETRATORS)[c] for c in NEW_PERPETRATORS),
    ]
    with app.test_request_context(), force_locale(language):
        translated = [str(label) for label in labels]
    with app.test_request_context(), force_locale("en"):
        english = [str(label) for label in labels]
    same = [e for e, t in zip(english, translated, strict=True) if e == t]
    assert not same, f"{language}: not translated: {same}"


def test_a_report_with_the_new_codes_is_stored_by_code(app: Flask, client: FlaskClient) -> None:
    make_reviewer(app, "COI")
    page = client.get("/ar/report").get_data(as_text=True)
    with app.test_request_context(), force_locale("ar"):
        assert html.escape(str(dict(domain.ACTS)["doxxing"]), quote=False) in page
        assert html.escape(str(domain.MECHANISM_NAMES["COI"]), quote=False) in page
    response = submit(
        client,
        mechanism="COI",
        acts=["doxxing", "travel_ban"],
        perpetrators=["foreign_state"],
    )
    assert response.status_code == 200
    with database(app).session() as session:
        case = session.scalars(select(Case)).one()
        assert [m.code for m in case.mechanisms] == ["COI"]
