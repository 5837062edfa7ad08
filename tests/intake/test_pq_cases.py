"""A case made for hybrid readers only is post-quantum throughout (docs/spec/rptenv-v2.md sections
3-4): its case key, submitter key and identity key are X-Wing keys, every access stanza and every
item is suite 2, replies and the person's follow-ups too. One classical reader, and the whole case is
suite 1, as before. Both intake paths; the browser path's checker refuses a case of the wrong suite.
"""

from __future__ import annotations

import base64
import io
import json
import secrets

from flask import Flask
from flask.testing import FlaskClient
from nacl.public import PrivateKey
from sqlalchemy import select

from admin.contact.messages import add_reply
from crypto import (
    CHUNK_LOG2_TEXT,
    NotARecipientError,
    XWingSecretKey,
    decrypt,
    encrypt,
    generate_hybrid_key,
    generate_keypair,
    open_case_key,
    public_key_from_bytes,
    read_header,
    seal_case_key,
)
from crypto.codename import codename_from_secret, derive_codename_v2_keys
from crypto.keys import CaseKey
from reprisal_intake.envelopes import open_envelope
from reprisal_intake.models import AccessStanza, Case, Item, ItemAccess
from tests.factories import ReviewerWithKey, database, make_reviewer, receipt_keys
from tests.support.forms import csrf_token, post_form
from tests.support.intake import CODENAME, enter, submit

EVIDENCE = b"PQ-EVIDENCE " * 5000


def stored_case(app: Flask) -> tuple[Case, dict[str, bytes], dict[str, int]]:
    """The case, its access stanzas by reviewer, and the suite of each item's envelope by kind."""
    with database(app).session() as session:
        case = session.scalars(select(Case)).one()
        stanzas = dict(
            session.execute(
                select(AccessStanza.reviewer_id, AccessStanza.sealed_case_key).where(
                    AccessStanza.case_ref == case.ref
                )
            ).all()
        )
        suites = {
            f"{item.kind}-{item.seq}": read_header(open_envelope(session, item.id)).suite
            for item in session.scalars(select(Item).where(Item.case_ref == case.ref))
        }
        session.expunge_all()
        return case, stanzas, suites


def item_text(app: Flask, kind: str, key: CaseKey) -> bytes:
    with database(app).session() as session:
        item = session.scalars(select(Item).where(Item.kind == kind)).one()
        return decrypt(open_envelope(session, item.id).read(), key)[1]


def case_key_of(case: Case, stanzas: dict[str, bytes], reader: ReviewerWithKey) -> CaseKey:
    return open_case_key(
        stanzas.values(), reader.secret_key, case_public_key=public_key_from_bytes(case.public_key)
    )


def test_a_report_without_javascript_to_hybrid_readers_only_is_suite_2_throughout(
    app: Flask, client: FlaskClient
) -> None:
    readers = [make_reviewer(app, "CAT", hybrid=True) for _ in range(2)]
    sent = submit(
        client,
        what_happened="PQ-REPORT-4411",
        identity="Name: PQ-IDENTITY-4412",
        consent_contact="granted",
        attachments=[(io.BytesIO(EVIDENCE), "evidence.bin", "application/octet-stream")],
    )
    assert sent.status_code == 200
    codename = CODENAME.search(sent.get_data(as_text=True)).group(1)
    case, stanzas, suites = stored_case(app)

    assert len(case.public_key) == 1216 and len(case.submitter_public_key) == 1216
    assert {len(s) for s in stanzas.values()} == {1168}
    assert set(suites.values()) == {2}, suites
    assert sorted(k.split("-")[0] for k in suites) == ["attachment", "identity", "report"]
    # The submitter key is the codename's X-Wing submitter key (codename v2, the new derivation).
    keys = receipt_keys(codename)
    assert case.submitter_public_key == bytes(keys.hybrid_submitter_key.public_key)

    for reader in readers:
        case_key = case_key_of(case, stanzas, reader)
        assert isinstance(case_key, XWingSecretKey)
        assert b"PQ-REPORT-4411" in item_text(app, "report", case_key)
        assert item_text(app, "attachment", case_key) == EVIDENCE
    with database(app).session() as session:
        identity_stanzas = list(session.scalars(select(ItemAccess.sealed_item_key)))
    assert {len(s) for s in identity_stanzas} == {1168}
    identity_key = open_case_key(identity_stanzas, readers[0].secret_key, case_suite=2)
    assert b"PQ-IDENTITY-4412" in item_text(app, "identity", identity_key)

    # Neither the X25519 half of a reader's key nor that of the case key opens anything.
    reader_key = readers[0].secret_key
    assert isinstance(reader_key, XWingSecretKey)
    half = PrivateKey(reader_key.x25519_secret_key)
    for stanza in stanzas.values():
        try:
            open_case_key([stanza], half)
        except NotARecipientError:
            continue
        raise AssertionError("the X25519 half of a hybrid reader key opened an access stanza")
    case_half = PrivateKey(case_key_of(case, stanzas, readers[0]).x25519_secret_key)  # type: ignore[union-attr]
    try:
        item_text(app, "report", case_half)
    except NotARecipientError:
        pass
    else:
        raise AssertionError("the X25519 half of the case key opened the report")


def test_a_reply_and_a_follow_up_of_a_hybrid_case_are_suite_2_and_the_person_reads_them(
    app: Flask, client: FlaskClient
) -> None:
    reader = make_reviewer(app, "CAT", hybrid=True)
    codename = CODENAME.search(
        submit(client, consent_contact="granted").get_data(as_text=True)
    ).group(1)
    with database(app).session() as session:
        case = session.scalars(select(Case)).one()
        add_reply(session, case, "PQ-REPLY-5521")
    person = app.test_client()
    assert enter(person, codename).status_code == 303
    assert "PQ-REPLY-5521" in person.get("/followup/case").get_data(as_text=True)
    token = csrf_token(person, "/followup/case")
    answered = post_form(
        person,
        "/followup/case",
        {
            "csrf_token": token,
            "message": "PQ-ANSWER-5522",
            "attachments": [(io.BytesIO(b"PQ-FILE-5523"), "more.txt", "text/plain")],
        },
    )
    assert answered.status_code == 200
    page = answered.get_data(as_text=True)
    assert "PQ-REPLY-5521" in page and "PQ-ANSWER-5522" in page and "more.txt" in page

    case, stanzas, suites = stored_case(app)
    assert set(suites.values()) == {2}, suites
    case_key = case_key_of(case, stanzas, reader)
    submitter_key = receipt_keys(codename).hybrid_submitter_key
    for key in (case_key, submitter_key):
        assert item_text(app, "reply", key) == b"PQ-REPLY-5521"
        assert item_text(app, "followup", key) == b"PQ-ANSWER-5522"
        assert item_text(app, "attachment", key) == b"PQ-FILE-5523"
    # The X25519 submitter key of the same codename (what a suite-1 case records) opens nothing.
    try:
        item_text(app, "reply", receipt_keys(codename).submitter_key)
    except NotARecipientError:
        pass
    else:
        raise AssertionError("the classical submitter key opened a suite-2 reply")


def test_one_classical_reader_keeps_the_whole_case_on_suite_1(
    app: Flask, client: FlaskClient
) -> None:
    hybrid = make_reviewer(app, "CAT", hybrid=True)
    classical = make_reviewer(app, "CAT")
    codename = CODENAME.search(
        submit(
            client,
            consent_contact="granted",
            identity="Name: PQ-IDENTITY-6611",
            attachments=[(io.BytesIO(EVIDENCE), "evidence.bin", "application/octet-stream")],
        ).get_data(as_text=True)
    ).group(1)
    case, stanzas, suites = stored_case(app)
    assert len(case.public_key) == 32 and len(case.submitter_public_key) == 32
    assert len(stanzas[hybrid.id]) == 1168 and len(stanzas[classical.id]) == 80
    assert set(suites.values()) == {1}, suites
    for reader in (hybrid, classical):
        assert item_text(app, "attachment", case_key_of(case, stanzas, reader)) == EVIDENCE
    with database(app).session() as session:
        add_reply(session, session.scalars(select(Case)).one(), "PQ-REPLY-6612")
    person = app.test_client()
    assert enter(person, codename).status_code == 303
    assert "PQ-REPLY-6612" in person.get("/followup/case").get_data(as_text=True)
    _, _, suites = stored_case(app)
    assert set(suites.values()) == {1}, suites


def test_files_sent_before_the_mechanism_is_known_are_sealed_again_to_its_suite(
    app: Flask, client: FlaskClient
) -> None:
    """A hybrid reader elsewhere makes the no-JS path encrypt arriving files to an X-Wing key; the
    chosen mechanism has a classical reader, so they are sealed again to the suite-1 case key."""
    make_reviewer(app, "SPT", hybrid=True)
    classical = make_reviewer(app, "CAT")
    submit(client, attachments=[(io.BytesIO(EVIDENCE), "evidence.bin", "application/octet-stream")])
    case, stanzas, suites = stored_case(app)
    assert set(suites.values()) == {1}, suites
    assert item_text(app, "attachment", case_key_of(case, stanzas, classical)) == EVIDENCE


def test_an_old_case_with_an_x25519_submitter_key_still_reads_its_replies(
    app: Flask, client: FlaskClient
) -> None:
    """Cases made before suite 2 record the 32-byte submitter key: the same codename reads them."""
    make_reviewer(app, "CAT")
    codename = CODENAME.search(
        submit(client, consent_contact="granted").get_data(as_text=True)
    ).group(1)
    with database(app).session() as session:
        case = session.scalars(select(Case)).one()
        assert len(case.submitter_public_key) == 32
        add_reply(session, case, "OLD-REPLY-7711")
    person = app.test_client()
    assert enter(person, codename).status_code == 303
    assert "OLD-REPLY-7711" in person.get("/followup/case").get_data(as_text=True)


# --- the browser path's checker ------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def commit(client: FlaskClient, case_key: CaseKey, *, report_key: CaseKey | None = None) -> int:
    """Send a commit as report.js does, sealed to the offered readers with ``case_key``; the report
    envelope is sealed to ``report_key`` (the case key unless given). Returns the status."""
    offered = client.get("/report/keys/CAT").get_json()["recipients"]
    keys = derive_codename_v2_keys(codename_from_secret(secrets.token_bytes(32), "en"), "en")
    suite = 2 if isinstance(case_key, XWingSecretKey) else 1
    report = encrypt(
        b'{"what_happened": "x"}',
        [(report_key or case_key).public_key],
        {"kind": "report"},
        chunk_log2=CHUNK_LOG2_TEXT,
    )
    payload = {
        "mechanism": "CAT",
        "urgency": "urgent",
        "consent": {"store_assess": "granted", "given_by": "victim"},
        "case_public_key": b64(bytes(case_key.public_key)),
        "submitter_public_key": b64(bytes(keys.submitter_public_key(suite))),
        "lookup_tag": b64(keys.lookup_tag),
        "access": [
            {
                "reviewer": r["id"],
                "public_key": r["public_key"],
                "sealed_case_key": b64(
                    seal_case_key(
                        case_key, public_key_from_bytes(base64.b64decode(r["public_key"]))
                    )
                ),
            }
            for r in offered
        ],
        "report": b64(report),
        "attachments": [],
    }
    response = client.post(
        "/report/commit",
        data=json.dumps(payload),
        headers={"X-CSRFToken": csrf_token(client, "/report")},
        content_type="application/json",
    )
    return response.status_code


def test_the_browser_path_stores_a_suite_2_case_for_hybrid_readers_only(
    app: Flask, client: FlaskClient
) -> None:
    reader = make_reviewer(app, "CAT", hybrid=True)
    assert commit(client, generate_keypair()) == 400  # an X25519 case key: refused
    hybrid_key = generate_hybrid_key()
    assert commit(client, hybrid_key, report_key=generate_keypair()) == 400  # a suite-1 report
    assert commit(client, hybrid_key) == 201
    case, stanzas, suites = stored_case(app)
    assert len(case.public_key) == len(case.submitter_public_key) == 1216
    assert {len(s) for s in stanzas.values()} == {1168} and set(suites.values()) == {2}
    assert bytes(case_key_of(case, stanzas, reader)) == bytes(hybrid_key)


def test_the_browser_path_refuses_an_x_wing_case_key_when_a_reader_is_classical(
    app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CAT", hybrid=True)
    make_reviewer(app, "CAT")
    assert commit(client, generate_hybrid_key()) == 400
    assert commit(client, generate_keypair()) == 201
    case, _, suites = stored_case(app)
    assert len(case.public_key) == 32 and set(suites.values()) == {1}
