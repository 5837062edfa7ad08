"""Issue 15: the identity item and the internal record are sealed to keys of their own, each key
sealed per reader in that reader's suite: a reader with an X-Wing (suite 2, hybrid) key gets a
1168-byte item stanza and opens the item with it; the X25519 half of the hybrid key opens nothing
(docs/spec/rptenv-v1-identity.md, rptenv-v1-own-key-items.md)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from nacl.public import PrivateKey
from sqlalchemy import select

from admin.cases.own_key_items import seal_internal
from crypto import NotARecipientError, XWingSecretKey, decrypt, generate_hybrid_key, open_case_key
from reprisal_intake.envelopes import open_envelope
from reprisal_intake.models import Case, Item, ItemAccess, Mechanism, Reviewer
from tests.factories import database, make_reviewer, reader_record, report_form
from tests.support.forms import csrf_token, post_form

NAME = "HYBRID-IDENTITY-6601 Leila M., +216 00 000 000"


def add_hybrid_reader(app: Flask, code: str) -> tuple[str, XWingSecretKey]:
    key = generate_hybrid_key()
    public_key = bytes(key.public_key)
    with database(app).session() as session:
        reviewer = Reviewer(
            name=f"{code} focal point, hybrid key",
            public_key=public_key,
            mechanisms=[session.get(Mechanism, code)],
            record=reader_record(public_key, code, suite=2),
        )
        session.add(reviewer)
        session.flush()
        return reviewer.id, key


def open_own_key_item(app: Flask, item_id: str, reviewer_id: str, key: object) -> bytes:
    with database(app).session() as session:
        stanza = session.scalars(
            select(ItemAccess.sealed_item_key).where(
                ItemAccess.item_id == item_id, ItemAccess.reviewer_id == reviewer_id
            )
        ).one()
        assert len(stanza) == (1168 if isinstance(key, XWingSecretKey) else 80)
        item_key = open_case_key([stanza], key)  # type: ignore[arg-type]
        _metadata, data = decrypt(open_envelope(session, item_id).read(), item_key)
        return data


def test_the_identity_is_sealed_to_a_hybrid_reader_and_opens_with_its_key(
    app: Flask, client: FlaskClient
) -> None:
    classical = make_reviewer(app, "CAT")
    hybrid_id, hybrid = add_hybrid_reader(app, "CAT")
    sent = post_form(client, "/report", report_form(csrf_token(client, "/report"), identity=NAME))
    assert sent.status_code == 200
    with database(app).session() as session:
        identity_id = session.scalars(select(Item.id).where(Item.kind == "identity")).one()
    assert open_own_key_item(app, identity_id, hybrid_id, hybrid) == NAME.encode()
    assert open_own_key_item(app, identity_id, classical.id, classical.secret_key) == NAME.encode()
    with database(app).session() as session:
        stanza = session.scalars(
            select(ItemAccess.sealed_item_key).where(ItemAccess.reviewer_id == hybrid_id)
        ).one()
    with pytest.raises(NotARecipientError):
        open_case_key([stanza], PrivateKey(hybrid.x25519_secret_key))


def test_an_internal_note_is_sealed_to_a_hybrid_reader_and_opens_with_its_key(
    app: Flask, client: FlaskClient
) -> None:
    classical = make_reviewer(app, "CAT")
    hybrid_id, hybrid = add_hybrid_reader(app, "CAT")
    assert (
        post_form(client, "/report", report_form(csrf_token(client, "/report"))).status_code == 200
    )
    with app.app_context(), database(app).session() as session:
        case = session.scalars(select(Case)).one()
        note_id = seal_internal(session, case, b"HYBRID-NOTE-6602").id
    assert open_own_key_item(app, note_id, hybrid_id, hybrid) == b"HYBRID-NOTE-6602"
    assert (
        open_own_key_item(app, note_id, classical.id, classical.secret_key) == b"HYBRID-NOTE-6602"
    )
