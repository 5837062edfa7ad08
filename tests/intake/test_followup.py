"""A submitter comes back with the codename: reads replies, adds information and files."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient
from nacl.public import PublicKey
from sqlalchemy import select

from crypto.codename import generate_codename
from crypto.envelope import encrypt
from crypto.keys import open_case_key
from reprisal_intake.items import add_item
from reprisal_intake.models import AccessStanza, Case, Item
from tests.factories import database, make_reviewer
from tests.support.forms import csrf_token, post_form
from tests.support.intake import CODENAME, enter, read_item, submit


def report_and_get_codename(app: Flask, client: FlaskClient) -> str:
    page = submit(client, consent_contact="granted").get_data(as_text=True)
    return CODENAME.search(page).group(1)


def add_reply(app: Flask, text: str) -> None:
    """What a focal point's reply looks like in the database (spec §1: a stanza for the submitter)."""
    with database(app).session() as session:
        case = session.scalars(select(Case)).one()
        envelope = encrypt(
            text.encode(),
            [PublicKey(case.public_key), PublicKey(case.submitter_public_key)],
            {"kind": "reply", "created": "2026-11-27"},
        )
        add_item(session, case.ref, "reply", io.BytesIO(envelope), submitter_readable=True)


def test_the_submitter_reads_a_reply_with_the_codename(app: Flask, client: FlaskClient) -> None:
    make_reviewer(app, "CAT")
    codename = report_and_get_codename(app, client)
    add_reply(app, "Thank you. Are you safe now? <b>not bold</b>")

    other_browser = app.test_client()
    response = enter(other_browser, codename.upper().replace(" ", "   "))
    assert response.status_code == 303
    page = other_browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you. Are you safe now?" in page
    assert "&lt;b&gt;not bold&lt;/b&gt;" in page
    assert "Received" in page
    assert "Committee against Torture" in page
    assert "Contact me" in page


def test_the_report_itself_is_not_shown_back(app: Flask, client: FlaskClient) -> None:
    make_reviewer(app, "CAT")
    codename = report_and_get_codename(app, client)
    enter(client, codename)
    page = client.get("/followup/case").get_data(as_text=True)
    assert "my passport was taken" not in page
    assert "No messages yet" in page


def test_the_submitter_adds_information_and_a_file(app: Flask, client: FlaskClient) -> None:
    reviewer = make_reviewer(app, "CAT")
    codename = report_and_get_codename(app, client)
    enter(client, codename)
    token = csrf_token(client, "/followup/case")
    response = post_form(
        client,
        "/followup/case",
        {
            "csrf_token": token,
            "message": "They came back last night.",
            "attachments": [(io.BytesIO(b"%PDF-1.4 summons"), "summons.pdf", "application/pdf")],
        },
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "was encrypted and stored" in page
    assert "They came back last night." in page
    assert "summons.pdf" in page

    with database(app).session() as session:
        items = list(session.scalars(select(Item).order_by(Item.seq)))
        case = session.scalars(select(Case)).one()
        stanzas = list(session.scalars(select(AccessStanza.sealed_case_key)))
    assert [i.kind for i in items] == ["report", "followup", "attachment"]
    case_key = open_case_key(
        stanzas, reviewer.secret_key, case_public_key=PublicKey(case.public_key)
    )
    assert read_item(app, items[1], reviewer.secret_key)[1] == b"They came back last night."
    metadata, data = read_item(app, items[2], reviewer.secret_key)
    assert (metadata["name"], data) == ("summons.pdf", b"%PDF-1.4 summons")
    assert case_key.public_key == PublicKey(case.public_key)


def test_an_empty_follow_up_is_refused_with_a_message(app: Flask, client: FlaskClient) -> None:
    make_reviewer(app, "CAT")
    enter(client, report_and_get_codename(app, client))
    token = csrf_token(client, "/followup/case")
    response = post_form(client, "/followup/case", {"csrf_token": token, "message": ""})
    assert response.status_code == 400
    assert "Write something or choose a file" in response.get_data(as_text=True)


def test_a_wrong_codename_is_refused_without_saying_why_in_detail(
    app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CAT")
    report_and_get_codename(app, client)
    response = enter(client, generate_codename())
    assert response.status_code == 400
    assert "No report matches this codename" in response.get_data(as_text=True)
    response = enter(client, "not a codename")
    assert response.status_code == 400
    assert "the 10 or 12 words you received" in response.get_data(as_text=True)


def test_the_case_page_needs_the_codename_first(client: FlaskClient) -> None:
    response = client.get("/followup/case")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/followup")


def test_files_without_a_codename_session_are_not_read(app: Flask, client: FlaskClient) -> None:
    token = csrf_token(client, "/followup")
    response = post_form(
        client,
        "/followup/case",
        {"csrf_token": token, "attachments": [(io.BytesIO(b"x"), "x.txt")]},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/followup")
    with database(app).session() as session:
        assert session.scalars(select(Item)).first() is None


def test_leaving_forgets_the_codename(app: Flask, client: FlaskClient) -> None:
    make_reviewer(app, "CAT")
    enter(client, report_and_get_codename(app, client))
    page = client.get("/followup/case").get_data(as_text=True)
    token = page.split('action="/followup/leave"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    assert client.post("/followup/leave", data={"csrf_token": token}).status_code == 303
    assert client.get("/followup/case").status_code == 303


def test_the_codename_is_not_in_the_session_cookie(app: Flask, client: FlaskClient) -> None:
    make_reviewer(app, "CAT")
    codename = report_and_get_codename(app, client)
    enter(client, codename)
    cookie = client.get_cookie("reprisal_intake")
    assert cookie is not None
    import base64
    import zlib

    payload = cookie.value.split(".")[0 if not cookie.value.startswith(".") else 1]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if cookie.value.startswith("."):
        raw = zlib.decompress(raw)
    assert codename.split()[0].encode() not in raw
    assert b"followup" in raw


def test_landing_receipt_and_follow_up_say_asking_is_always_allowed(
    app: Flask, client: FlaskClient
) -> None:
    """Issue 15: the same words on the three pages: messages here always, contact outside only with
    consent."""
    words = "The focal points can always write to you here, to your codename"
    outside = "outside this service (phone, e-mail, meeting) only if you agree to it"
    make_reviewer(app, "CAT")
    receipt = submit(client).get_data(as_text=True)
    landing = client.get("/").get_data(as_text=True)
    assert words in landing and outside in landing
    assert words in receipt and outside in receipt
    assert enter(client, CODENAME.search(receipt).group(1)).status_code == 303
    followup = client.get("/followup/case").get_data(as_text=True)
    assert words in followup and outside in followup
