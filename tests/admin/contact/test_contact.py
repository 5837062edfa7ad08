"""A focal point replies to the submitter (readable with the codename) whatever the person answered about
contact outside the service: asking is always allowed. Internal notes only reviewers can read. Both are
encrypted items, audited."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from nacl.public import PrivateKey
from sqlalchemy import select

from crypto.envelope import decrypt
from crypto.errors import RptenvError
from reprisal_intake.envelopes import open_envelope
from reprisal_intake.models import Case, Item
from tests.factories import Account, database, make_account, receipt_keys
from tests.support.admin import audit_actions, form_post, sign_in, unlock
from tests.support.casework import record_consent
from tests.support.intake import CODENAME, enter, submit


def submitted(client: FlaskClient, **answers: object) -> tuple[str, str]:
    """Send a CAT report; returns its reference and the codename the person was shown."""
    page = submit(client, **answers).get_data(as_text=True)
    codename = CODENAME.search(page).group(1)
    with database(client.application).session() as session:
        ref = session.scalars(select(Case.ref)).one()
    return ref, codename


def signed_in_focal_point(admin_app: Flask) -> tuple[Account, FlaskClient]:
    account = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    reviewer = admin_app.test_client()
    sign_in(admin_app, reviewer, account)
    return account, reviewer


def items_of(app: Flask, ref: str, kind: str) -> list[Item]:
    with database(app).session() as session:
        found = list(session.scalars(select(Item).where(Item.case_ref == ref, Item.kind == kind)))
        session.expunge_all()
        return found


def opens_with(app: Flask, item: Item, key: PrivateKey) -> bytes:
    with database(app).session() as session:
        _metadata, data = decrypt(open_envelope(session, item.id).read(), key)
        return data


def test_a_reply_reaches_the_submitter_and_a_note_never_does(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    account, reviewer = signed_in_focal_point(admin_app)
    ref, codename = submitted(client, consent_contact="granted")
    with database(app).session() as session:
        session.get(Case, ref).language = "fr"
    page_path = f"/cases/{ref}"

    locked = reviewer.get(page_path).get_data(as_text=True)
    assert "Unlock your key to reply" in locked
    assert unlock(reviewer).status_code == 302
    page = reviewer.get(page_path).get_data(as_text=True)
    assert "The person wrote in Français (fr)" in page

    replied = form_post(reviewer, f"{page_path}/reply", {"reply": "Nous avons reçu REPLY-51"}, page)
    assert replied.status_code == 303
    noted = form_post(reviewer, f"{page_path}/note", {"note": "Call the lawyer NOTE-52"}, page)
    assert noted.status_code == 303

    (reply,) = items_of(app, ref, "reply")
    (note,) = items_of(app, ref, "note")
    assert reply.submitter_readable and not note.submitter_readable
    submitter_key = receipt_keys(codename).submitter_key
    assert opens_with(app, reply, submitter_key) == "Nous avons reçu REPLY-51".encode()
    with pytest.raises(RptenvError):
        opens_with(app, note, submitter_key)
    # The note belongs to the internal record: sealed to a key of its own, not to the case key
    # (which a mechanism the case is shared with receives), that key sealed to the focal point.
    with pytest.raises(RptenvError):
        opens_with(app, note, _case_key(app, ref, account))
    assert opens_with(app, note, _item_key(app, ref, note, account)) == b"Call the lawyer NOTE-52"

    shown = reviewer.get(page_path).get_data(as_text=True)
    assert "Nous avons reçu REPLY-51" in shown and "Call the lawyer NOTE-52" in shown
    mine = [(a, r) for who, a, r in audit_actions(admin_app) if a in ("reply_sent", "note_added")]
    assert mine == [("reply_sent", ref), ("note_added", ref)]


def _case_key(app: Flask, ref: str, account: Account) -> PrivateKey:
    from admin.cases.decryption import case_key_for

    with database(app).session() as session:
        key = case_key_for(
            session, session.get(Case, ref), account.reviewer.id, account.reviewer.secret_key
        )
        assert key is not None
        return key


def _item_key(app: Flask, ref: str, item: Item, account: Account) -> PrivateKey:
    from admin.cases.decryption import item_keys_for

    with database(app).session() as session:
        keys = item_keys_for(
            session, session.get(Case, ref), account.reviewer.id, account.reviewer.secret_key
        )
        return keys[item.id]


@pytest.mark.parametrize("answer", ["not_asked", "refused", "withdrawn"])
def test_a_reply_reaches_the_person_whatever_they_said_about_contact_outside(
    app: Flask, admin_app: Flask, client: FlaskClient, answer: str
) -> None:
    """Issue 15: asking is always allowed; a person who left every choice at its default (or said no
    to contact outside the service, or withdrew it) still reads the focal point's question."""
    _account, reviewer = signed_in_focal_point(admin_app)
    first = "granted" if answer == "withdrawn" else answer
    ref, codename = submitted(client, consent_contact=first)
    if answer == "withdrawn":
        record_consent(app, ref, "contact", "withdrawn")
    assert unlock(reviewer).status_code == 302
    page = reviewer.get(f"/cases/{ref}").get_data(as_text=True)
    assert 'name="reply"' in page
    assert "Messages here are always possible" in page
    assert "Contact outside this service (phone, e-mail, meeting) is not allowed" in page

    sent = form_post(reviewer, f"/cases/{ref}/reply", {"reply": "ASKING-FIRST-77"}, page)
    assert sent.status_code == 303
    (reply,) = items_of(app, ref, "reply")
    assert opens_with(app, reply, receipt_keys(codename).submitter_key) == b"ASKING-FIRST-77"
    assert enter(client, codename).status_code == 303
    followup = client.get("/followup/case").get_data(as_text=True)
    assert "ASKING-FIRST-77" in followup
    assert "The focal points can always write to you here, to your codename" in followup


def test_an_empty_or_locked_reply_is_a_form_error(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    _account, reviewer = signed_in_focal_point(admin_app)
    ref, _codename = submitted(client, consent_contact="granted")
    page = reviewer.get(f"/cases/{ref}").get_data(as_text=True)
    locked = form_post(reviewer, f"/cases/{ref}/note", {"note": "LOCKED-NOTE"}, page)
    assert locked.status_code == 409 and "LOCKED-NOTE" in locked.get_data(as_text=True)
    assert unlock(reviewer).status_code == 302
    empty = form_post(reviewer, f"/cases/{ref}/reply", {"reply": ""}, page)
    assert empty.status_code == 400 and "Write the reply." in empty.get_data(as_text=True)
    assert reviewer.post(f"/cases/{ref}/reply", data={"reply": "no token"}).status_code == 400
    assert items_of(app, ref, "reply") == [] and items_of(app, ref, "note") == []


def test_a_note_sent_as_a_file_is_a_form_error_and_nothing_is_stored(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    _account, reviewer = signed_in_focal_point(admin_app)
    ref, _codename = submitted(client)
    assert unlock(reviewer).status_code == 302
    page = reviewer.get(f"/cases/{ref}").get_data(as_text=True)
    note = (io.BytesIO(b"a note in a file"), "note.txt")
    response = form_post(reviewer, f"/cases/{ref}/note", {"note": note}, page)
    assert response.status_code == 400 and "Write the note." in response.get_data(as_text=True)
    assert items_of(app, ref, "note") == []


def test_a_reply_is_stored_after_contact_consent_is_withdrawn(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    """Issue 15's rule (flipped from the earlier one): withdrawing "contact" stops contact outside
    the service; a reply inside it, to the codename, still reaches the person."""
    _account, reviewer = signed_in_focal_point(admin_app)
    ref, codename = submitted(client, consent_contact="granted")
    record_consent(app, ref, "contact", "withdrawn")
    assert unlock(reviewer).status_code == 302
    page = reviewer.get(f"/cases/{ref}").get_data(as_text=True)
    assert "no reply can be sent" not in page
    assert "Contact outside this service (phone, e-mail, meeting) is not allowed" in page

    sent = form_post(reviewer, f"/cases/{ref}/reply", {"reply": "STILL-ASKING-12"}, page)
    assert sent.status_code == 303
    (reply,) = items_of(app, ref, "reply")
    submitter_key = receipt_keys(codename).submitter_key
    assert opens_with(app, reply, submitter_key) == b"STILL-ASKING-12"
