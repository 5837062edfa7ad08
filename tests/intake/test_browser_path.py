"""The JavaScript path's server side: a browser that encrypts uploads ciphertext in parts, then commits.

Here Python plays the browser (same crypto, same requests as static/js/report.js); the real browser
runs in tests/browser/.
"""

from __future__ import annotations

import base64
import io
import json
import secrets
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from nacl.public import PrivateKey
from sqlalchemy import func, select

from crypto.codename import CodenameKeys
from crypto.envelope import CHUNK_LOG2_FILE, encrypt
from crypto.keys import generate_keypair
from reprisal_intake.envelopes import store_envelope
from reprisal_intake.models import Case, EnvelopeChunk, Item, Upload, UploadPart
from tests.factories import database, make_reviewer, reader_record, report_form
from tests.support.forms import csrf_token, post_form
from tests.support.intake import counts, read_item, rows_per_table
from tests.support.scripted_browser import B64, ScriptedBrowser


@pytest.fixture
def reviewer(app: Flask):
    return make_reviewer(app, "CAT")


def test_a_browser_encrypted_report_with_a_file_is_stored_and_readable(
    app: Flask, client: FlaskClient, reviewer
) -> None:
    browser = ScriptedBrowser(client)
    evidence = secrets.token_bytes(700_000)
    envelope = encrypt(
        evidence,
        [browser.case_key.public_key],
        {"kind": "attachment", "name": "photo.jpg", "type": "image/jpeg"},
        chunk_log2=CHUNK_LOG2_FILE,
    )
    upload_id = browser.upload(envelope)
    response = browser.commit(browser.payload(browser.report_envelope(), [upload_id]))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["files"] == 1
    assert "Committee against Torture" in response.get_json()["mechanism"]

    with database(app).session() as session:
        case = session.scalars(select(Case)).one()
        items = list(session.scalars(select(Item).order_by(Item.seq)))
        assert session.scalar(select(func.count()).select_from(Upload)) == 0
        assert session.scalar(select(func.count()).select_from(UploadPart)) == 0
        consents = {(c.scope, c.mechanism_code): c.state for c in case.consents}
    assert case.urgency == "urgent" and case.in_detention == "no"
    assert consents[("contact", None)] == "granted"
    assert consents[("share_with", "SP")] == "granted"
    assert [i.kind for i in items] == ["report", "attachment"]
    assert items[1].size == len(envelope)
    assert (
        json.loads(read_item(app, items[0], reviewer.secret_key)[1])["what_happened"]
        == "BROWSER-PHRASE"
    )
    metadata, data = read_item(app, items[1], reviewer.secret_key)
    assert (metadata["name"], data) == ("photo.jpg", evidence)

    # The codename the browser made finds the case.
    follow = client.post(
        "/followup",
        data={"csrf_token": csrf_token(client, "/followup"), "codename": browser.codename},
    )
    assert follow.status_code == 303


def test_browser_and_server_cases_look_alike_in_the_database(
    app: Flask, client: FlaskClient, reviewer
) -> None:
    browser = ScriptedBrowser(client)
    envelope = encrypt(
        b"x" * 300_000,
        [browser.case_key.public_key],
        {"kind": "attachment", "name": "a", "type": "b"},
        chunk_log2=CHUNK_LOG2_FILE,
    )
    same_consents = {"store_assess": "granted", "given_by": "victim"}
    payload = browser.payload(
        browser.report_envelope(), [browser.upload(envelope)], consent=same_consents
    )
    assert browser.commit(payload).status_code == 201
    token = csrf_token(client, "/report")
    server = post_form(
        client, "/report", report_form(token, attachments=[(io.BytesIO(b"y" * 300_000), "a", "b")])
    )
    assert server.status_code == 200

    def shape(case: Case, session) -> tuple:
        items = list(
            session.scalars(select(Item).where(Item.case_ref == case.ref).order_by(Item.seq))
        )
        pieces = [
            list(
                session.scalars(
                    select(func.length(EnvelopeChunk.data))
                    .where(EnvelopeChunk.item_id == i.id)
                    .order_by(EnvelopeChunk.seq)
                )
            )
            for i in items
        ]
        return (
            case.status,
            case.item_count,
            len(case.access),
            len(case.consents),
            [(i.kind, i.seq, i.submitter_readable, i.size) for i in items],
            pieces,
        )

    with database(app).session() as session:
        first, second = session.scalars(select(Case)).all()
        assert shape(first, session) == shape(second, session)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"mechanism": "NOPE"}, 400),
        ({"urgency": "soon"}, 400),
        ({"consent": {"store_assess": "refused", "given_by": "victim"}}, 400),
        ({"consent": {"store_assess": "granted", "given_by": "victim", "contact": "perhaps"}}, 400),
        ({"lookup_tag": B64(b"short")}, 400),
        ({"case_public_key": "not base64!"}, 400),
        ({"access": []}, 400),
        ({"report": B64(b"RPTENV\x01\x01\x0c\x01" + b"\0" * 200)}, 400),
        ({"report": B64(b"plaintext, not an envelope")}, 400),
        ({"attachments": ["no-such-upload"]}, 400),
        ({"attachments": ["an-upload,another"]}, 400),
        ({"attachments": [7]}, 400),
        ({"mechanism": "CAT\x00"}, 400),
        ({"urgency": ["urgent"]}, 400),
        ({"in_detention": {"yes": True}}, 400),
        ({"consent": {"store_assess": "granted", "given_by": ["victim"]}}, 400),
        ({"consent": {"store_assess": "granted", "given_by": "victim", "contact": ["x"]}}, 400),
        (
            {"consent": {"store_assess": "granted", "given_by": "victim", "share_with": ["NOPE"]}},
            400,
        ),
    ],
)
def test_malformed_commits_are_refused_and_store_nothing(
    app: Flask, client: FlaskClient, reviewer, change: dict[str, Any], expected: int
) -> None:
    browser = ScriptedBrowser(client)
    before = counts(app)
    payload = browser.payload(browser.report_envelope(), [])
    payload.update(change)
    response = browser.commit(payload)
    assert response.status_code == expected, response.get_data(as_text=True)
    assert counts(app) == before


def test_a_commit_nested_past_the_json_parser_is_refused(client: FlaskClient, reviewer) -> None:
    browser = ScriptedBrowser(client)
    response = client.post(
        "/report/commit",
        data=b"[" * 100_000 + b"]" * 100_000,
        headers=browser.headers(),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.get_json() == {"error": "not_json"}


def test_a_report_sealed_to_an_extra_key_is_refused(
    app: Flask, client: FlaskClient, reviewer
) -> None:
    browser = ScriptedBrowser(client)
    spy = PrivateKey.generate()
    report = encrypt(b"{}", [browser.case_key.public_key, spy.public_key], {"kind": "report"})
    response = browser.commit(browser.payload(report, []))
    assert response.status_code == 400
    assert "case key only" in response.get_json()["detail"]


def test_access_stanzas_must_cover_exactly_the_mechanisms_reviewers(
    app: Flask, client: FlaskClient, reviewer
) -> None:
    browser = ScriptedBrowser(client)
    payload = browser.payload(browser.report_envelope(), [])
    make_reviewer(app, "CAT")  # a focal point joins between the key fetch and the commit
    response = browser.commit(payload)
    assert response.status_code == 409
    assert response.get_json()["error"] == "recipients_changed"
    retry = browser.commit(browser.payload(browser.report_envelope(), []))
    assert retry.status_code == 201
    make_reviewer(app, "SP")
    forged = browser.payload(browser.report_envelope(), [], keys_for="SP")
    assert browser.commit(forged).status_code == 409


def test_upload_parts_must_come_in_order_and_retries_are_idempotent(
    app: Flask, client: FlaskClient, reviewer
) -> None:
    browser = ScriptedBrowser(client)
    upload_id = client.post("/report/uploads", headers=browser.headers()).get_json()["upload"]
    url = f"/report/uploads/{upload_id}/parts/"

    def send(seq: int, data: bytes) -> int:
        return client.post(
            url + str(seq),
            data=data,
            headers=browser.headers(),
            content_type="application/octet-stream",
        ).status_code

    assert send(1, b"b") == 409
    assert send(0, b"aaaa") == 200
    assert send(0, b"aaaa") == 200  # the answer was lost; the browser sends it again
    assert send(0, b"different") == 409
    assert send(1, b"") == 400
    assert (
        client.post(
            "/report/uploads/nope/parts/0", data=b"x", headers=browser.headers()
        ).status_code
        == 404
    )


def test_uploads_need_the_csrf_token(client: FlaskClient, reviewer) -> None:
    csrf_token(client, "/report")
    assert client.post("/report/uploads").status_code == 400


def test_an_upload_past_the_size_limit_is_refused(
    app: Flask, client: FlaskClient, reviewer
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1000
    browser = ScriptedBrowser(client)
    upload_id = client.post("/report/uploads", headers=browser.headers()).get_json()["upload"]
    status = client.post(
        f"/report/uploads/{upload_id}/parts/0",
        data=b"x" * 900,
        headers=browser.headers(),
        content_type="application/octet-stream",
    ).status_code
    assert status == 200
    status = client.post(
        f"/report/uploads/{upload_id}/parts/1",
        data=b"x" * 200,
        headers=browser.headers(),
        content_type="application/octet-stream",
    ).status_code
    assert status == 413


def test_the_keys_endpoint_lists_only_public_keys(
    app: Flask, client: FlaskClient, reviewer
) -> None:
    keys = client.get("/report/keys/CAT").get_json()
    assert [base64.b64decode(r["public_key"]) for r in keys["recipients"]] == [
        bytes(reviewer.secret_key.public_key)
    ]
    assert client.get("/report/keys/CCPR").status_code == 404
    assert client.get("/report/keys/NOPE").status_code == 404
    words = client.get("/report/wordlist.txt").get_data(as_text=True).split()
    assert len(words) == 7776


def test_a_case_sealed_to_a_key_rotated_meanwhile_is_refused(
    app: Flask, client: FlaskClient, reviewer
) -> None:
    from reprisal_intake.models import Reviewer

    browser = ScriptedBrowser(client)
    payload = browser.payload(browser.report_envelope(), [])
    with database(app).session() as session:
        rotated = session.get(Reviewer, reviewer.id)
        rotated.public_key = bytes(generate_keypair().public_key)
        rotated.record = reader_record(rotated.public_key, "CAT")
    response = browser.commit(payload)
    assert response.status_code == 409
    assert response.get_json()["error"] == "recipients_changed"
    assert browser.commit(browser.payload(browser.report_envelope(), [])).status_code == 201


def test_access_entries_must_name_the_key_they_were_sealed_to(
    app: Flask, client: FlaskClient, reviewer
) -> None:
    browser = ScriptedBrowser(client)
    payload = browser.payload(browser.report_envelope(), [])
    for entry in payload["access"]:
        del entry["public_key"]
    assert browser.commit(payload).status_code == 400


def test_a_browser_case_whose_second_attachment_fails_to_store_leaves_no_row_behind(
    app: Flask, client: FlaskClient, reviewer, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = ScriptedBrowser(client)
    uploads = [
        browser.upload(
            encrypt(data, [browser.case_key.public_key], {"kind": "attachment", "name": "f"})
        )
        for data in (b"first", b"second")
    ]
    stored = []

    def store_or_fail(session: Any, item_id: str, envelope: Any) -> tuple[int, str]:
        stored.append(item_id)
        if len(stored) == 3:  # the report, the first attachment, then the second
            raise OSError("disk full")
        return store_envelope(session, item_id, envelope)

    monkeypatch.setattr("reprisal_intake.items.store_envelope", store_or_fail)
    before = rows_per_table(app)  # the uploads stay until a commit succeeds
    response = browser.commit(browser.payload(browser.report_envelope(), uploads))
    assert len(stored) == 3
    assert rows_per_table(app) == before
    assert response.status_code == 500


def test_a_reused_lookup_tag_is_answered_as_any_bad_commit_and_nothing_is_stored(
    app: Flask, client: FlaskClient, reviewer
) -> None:
    browser = ScriptedBrowser(client)
    assert browser.commit(browser.payload(browser.report_envelope(), [])).status_code == 201
    before = counts(app)
    again = ScriptedBrowser(client)
    # The same lookup tag as a stored case, with another submitter key: not a repeat of that
    # case's form (issue 18: a repeat derives both from the same codename).
    again.codename_keys = CodenameKeys(
        lookup_tag=browser.codename_keys.lookup_tag,
        submitter_key=again.codename_keys.submitter_key,
    )
    response = again.commit(again.payload(again.report_envelope(), []))
    # Not a 500, and the same shape as any invalid commit (tests above: status 400, error invalid).
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid"
    assert counts(app) == before
    # Both from the same codename: the page sending its commit again; nothing new is stored.
    again.codename_keys = browser.codename_keys
    repeated = again.commit(again.payload(again.report_envelope(), []))
    assert repeated.status_code == 200 and repeated.get_json()["repeat"] is True
    assert counts(app) == before
