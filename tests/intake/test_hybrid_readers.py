"""Readers certified with a suite-2 (X-Wing) key get a suite-2 access stanza on both paths
(docs/spec/rptenv-v2.md section 4), beside the suite-1 stanzas of classical readers; the X25519 half
of a hybrid key opens nothing.
"""

from __future__ import annotations

import base64
import json

from flask import Flask
from flask.testing import FlaskClient
from nacl.public import PrivateKey
from sqlalchemy import select

from crypto import (
    CHUNK_LOG2_TEXT,
    NotARecipientError,
    XWingSecretKey,
    decrypt,
    derive_codename_keys,
    encrypt,
    generate_codename,
    generate_hybrid_key,
    generate_keypair,
    open_case_key,
    public_key_from_bytes,
    seal_case_key,
)
from reprisal_intake.envelopes import open_envelope
from reprisal_intake.models import AccessStanza, Case, Item, Mechanism, Reviewer
from tests.factories import database, make_reviewer, reader_record, report_form
from tests.support.forms import csrf_token, post_form


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def add_hybrid_reader(app: Flask, *codes: str) -> tuple[str, XWingSecretKey]:
    key = generate_hybrid_key()
    public_key = bytes(key.public_key)
    with database(app).session() as session:
        rows = list(session.scalars(select(Mechanism).where(Mechanism.code.in_(codes))))
        reviewer = Reviewer(
            name="CAT focal point, hybrid key",
            public_key=public_key,
            mechanisms=rows,
            record=reader_record(public_key, *codes, suite=2),
        )
        session.add(reviewer)
        session.flush()
        return reviewer.id, key


def stanzas_by_reviewer(app: Flask) -> tuple[Case, dict[str, bytes]]:
    with database(app).session() as session:
        case = session.scalars(select(Case)).one()
        rows = session.execute(
            select(AccessStanza.reviewer_id, AccessStanza.sealed_case_key).where(
                AccessStanza.case_ref == case.ref
            )
        )
        return case, {reviewer_id: stanza for reviewer_id, stanza in rows}


def test_the_server_seals_suite_2_to_a_hybrid_reader_and_suite_1_to_a_classical_one(
    app: Flask, client: FlaskClient
) -> None:
    classical = make_reviewer(app, "CAT")
    hybrid_id, hybrid = add_hybrid_reader(app, "CAT")
    token = csrf_token(client, "/report")
    response = post_form(client, "/report", report_form(token))
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]

    case, stanzas = stanzas_by_reviewer(app)
    assert len(stanzas[hybrid_id]) == 1168
    assert len(stanzas[classical.id]) == 80
    case_public_key = public_key_from_bytes(case.public_key)
    for reader in (hybrid, classical.secret_key):
        case_key = open_case_key(stanzas.values(), reader, case_public_key=case_public_key)
        with database(app).session() as session:
            item = session.scalars(select(Item).where(Item.kind == "report")).one()
            metadata, data = decrypt(open_envelope(session, item.id).read(), case_key)
        assert metadata["kind"] == "report"
        assert b"passport" in data
    try:
        open_case_key(stanzas.values(), PrivateKey(hybrid.x25519_secret_key))
    except NotARecipientError:
        pass
    else:
        raise AssertionError("the X25519 half of a hybrid key opened an access stanza")


def test_the_keys_endpoint_offers_the_hybrid_key_and_a_commit_sealed_to_it_is_stored(
    app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CAT")
    hybrid_id, hybrid = add_hybrid_reader(app, "CAT")
    token = csrf_token(client, "/report")
    offered = client.get("/report/keys/CAT").get_json()["recipients"]
    assert {len(base64.b64decode(r["public_key"])) for r in offered} == {32, 1216}
    case_key = generate_keypair()
    codename_keys = derive_codename_keys(generate_codename())
    report = encrypt(
        b'{"what_happened": "x"}',
        [case_key.public_key],
        {"kind": "report"},
        chunk_log2=CHUNK_LOG2_TEXT,
    )
    access = [
        {
            "reviewer": r["id"],
            "public_key": r["public_key"],
            "sealed_case_key": b64(
                seal_case_key(case_key, public_key_from_bytes(base64.b64decode(r["public_key"])))
            ),
        }
        for r in offered
    ]
    payload = {
        "mechanism": "CAT",
        "urgency": "urgent",
        "consent": {"store_assess": "granted", "given_by": "victim"},
        "case_public_key": b64(bytes(case_key.public_key)),
        "submitter_public_key": b64(bytes(codename_keys.submitter_key.public_key)),
        "lookup_tag": b64(codename_keys.lookup_tag),
        "access": access,
        "report": b64(report),
        "attachments": [],
    }
    response = client.post(
        "/report/commit",
        data=json.dumps(payload),
        headers={"X-CSRFToken": token},
        content_type="application/json",
    )
    assert response.status_code == 201, response.get_data(as_text=True)[:2000]
    _, stanzas = stanzas_by_reviewer(app)
    assert len(stanzas[hybrid_id]) == 1168
    assert bytes(open_case_key([stanzas[hybrid_id]], hybrid)) == bytes(case_key)

    # a 1168-byte stanza offered for a 32-byte key is refused (a fresh codename: the first one's
    # lookup tag is stored now, and would be refused for that alone)
    fresh = derive_codename_keys(generate_codename())
    bad = dict(
        payload,
        lookup_tag=b64(fresh.lookup_tag),
        submitter_public_key=b64(bytes(fresh.submitter_key.public_key)),
        access=[
            {**entry, "sealed_case_key": b64(bytes(1168))}
            if len(base64.b64decode(entry["public_key"])) == 32
            else entry
            for entry in access
        ],
    )
    refused = client.post(
        "/report/commit",
        data=json.dumps(bad),
        headers={"X-CSRFToken": csrf_token(client, "/report")},
        content_type="application/json",
    )
    assert refused.status_code == 400, refused.get_data(as_text=True)
