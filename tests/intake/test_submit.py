"""A person on Tor Browser with JavaScript off reports a reprisal through the one form."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reprisal_intake.envelopes import store_envelope
from reprisal_intake.models import AccessStanza, Case, Consent, EnvelopeChunk, Item
from tests.factories import database, make_reviewer
from tests.support.intake import CODENAME, counts, read_item, rows_per_table, submit


def test_the_form_lists_only_mechanisms_someone_can_read(app: Flask, client: FlaskClient) -> None:
    make_reviewer(app, "CAT")
    page = client.get("/report").get_data(as_text=True)
    assert 'name="mechanism" value="CAT"' in page
    assert 'name="mechanism" value="CCPR"' not in page


def test_without_any_reviewer_the_form_says_reports_are_not_accepted_yet(
    client: FlaskClient,
) -> None:
    page = client.get("/report").get_data(as_text=True)
    assert "not accepting reports yet" in page
    assert "<form" not in page.split("<main", 1)[1]


def test_a_report_with_a_file_is_stored_encrypted_and_the_reviewer_can_read_it(
    app: Flask, client: FlaskClient
) -> None:
    reviewer = make_reviewer(app, "CAT")
    evidence = bytes(range(256)) * 4000 + b"tail"
    response = submit(
        client,
        what_happened="UNIQUE-PHRASE-7731 they banned me from travelling",
        acts=["travel_ban", "passport"],
        state="BY",
        attachments=[(io.BytesIO(evidence), "airport stamp.jpg", "image/jpeg")],
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    codename = CODENAME.search(page).group(1)
    assert len(codename.split()) == 10
    assert "encrypted on our server" in page

    with database(app).session() as session:
        case = session.scalars(select(Case)).one()
        assert [m.code for m in case.mechanisms] == ["CAT"]
        assert case.status == "received"
        assert case.urgency == "urgent"
        items = list(session.scalars(select(Item).order_by(Item.seq)))
        assert [i.kind for i in items] == ["report", "attachment"]
        chunks = b"".join(session.scalars(select(EnvelopeChunk.data)))
        assert b"UNIQUE-PHRASE-7731" not in chunks
        assert evidence[:4096] not in chunks

    metadata, report = read_item(app, items[0], reviewer.secret_key)
    assert metadata["kind"] == "report"
    answers = json.loads(report)
    assert answers["what_happened"] == "UNIQUE-PHRASE-7731 they banned me from travelling"
    assert answers["acts"] == ["travel_ban", "passport"]
    assert answers["state"] == "BY"
    metadata, data = read_item(app, items[1], reviewer.secret_key)
    assert metadata["name"] == "airport stamp.jpg"
    assert metadata["type"] == "image/jpeg"
    assert data == evidence


def test_every_reviewer_of_the_mechanism_gets_a_stanza_and_no_one_else(
    app: Flask, client: FlaskClient
) -> None:
    first = make_reviewer(app, "CAT")
    second = make_reviewer(app, "CAT", "SPT")
    make_reviewer(app, "CCPR")
    assert submit(client).status_code == 200
    with database(app).session() as session:
        holders = set(session.scalars(select(AccessStanza.reviewer_id)))
    assert holders == {first.id, second.id}


def test_consent_choices_are_recorded_per_scope(app: Flask, client: FlaskClient) -> None:
    make_reviewer(app, "CAT")
    make_reviewer(app, "SP")
    response = submit(
        client, consent_contact="granted", consent_state_named="refused", share_with=["SP", "ASG"]
    )
    assert response.status_code == 200
    with database(app).session() as session:
        rows = {(c.scope, c.mechanism_code): c.state for c in session.scalars(select(Consent))}
    assert rows[("store_assess", None)] == "granted"
    assert rows[("contact", None)] == "granted"
    assert rows[("state_named", None)] == "refused"
    assert rows[("statistics", None)] == "not_asked"
    assert rows[("share_with", "SP")] == "granted"
    assert rows[("share_with", "ASG")] == "granted"


def test_an_empty_file_input_adds_no_attachment(app: Flask, client: FlaskClient) -> None:
    make_reviewer(app, "CAT")
    assert submit(client).status_code == 200
    with database(app).session() as session:
        assert list(session.scalars(select(Item.kind))) == ["report"]


def test_a_missing_answer_shows_the_form_again_with_the_text_kept(
    app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CAT")
    before = counts(app)
    response = submit(
        client,
        urgency=None,
        what_happened="Keep this text",
        attachments=[(io.BytesIO(b"data"), "a.txt", "text/plain")],
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert 'href="#urgency-0"' in page
    assert "Keep this text" in page
    assert "Your files were not kept" in page
    assert counts(app) == before


def test_a_case_whose_second_attachment_fails_to_store_leaves_no_row_behind(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_reviewer(app, "CAT")
    stored = []

    def store_or_fail(session: Any, item_id: str, envelope: Any) -> tuple[int, str]:
        stored.append(item_id)
        if len(stored) == 3:  # the report, the first attachment, then the second
            raise OSError("disk full")
        return store_envelope(session, item_id, envelope)

    monkeypatch.setattr("reprisal_intake.items.store_envelope", store_or_fail)
    before = rows_per_table(app)
    response = submit(
        client,
        attachments=[
            (io.BytesIO(b"first"), "first.txt", "text/plain"),
            (io.BytesIO(b"second"), "second.txt", "text/plain"),
        ],
    )
    assert len(stored) == 3
    assert rows_per_table(app) == before
    assert response.status_code == 500
