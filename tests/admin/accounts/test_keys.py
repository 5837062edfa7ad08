"""Key custody: a key made in the app is stored only wrapped, unlocked only into the session (sealed
under a key only the cookie holds), rotated by re-sealing stanzas, and an escrow key recovers cases."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from nacl.public import PublicKey
from sqlalchemy import select

from admin.cli import cli
from crypto.errors import NotARecipientError
from crypto.keyfile import unwrap_secret_key
from crypto.keys import generate_keypair, open_case_key
from reprisal_intake.models import AccessStanza, AdminSession, Case, EnvelopeChunk, Item, Reviewer
from tests.factories import KEY_PASSPHRASE, database, make_account, reader_record
from tests.support.admin import account_page, audit_actions, form_post, sign_in, unlock
from tests.support.intake import submit


def create_key(client: FlaskClient, passphrase: str, confirm: str | None = None):
    return form_post(
        client,
        "/account/key/create",
        {"passphrase": passphrase, "confirm": confirm or passphrase},
        account_page(client),
    )


def test_a_key_made_in_the_app_is_stored_only_wrapped(
    app: Flask, admin_app: Flask, tmp_path: Path
) -> None:
    account = make_account(admin_app, "focal_point", mechanisms=("CAT",))
    client = admin_app.test_client()
    sign_in(admin_app, client, account)
    create_key(client, account.password)
    assert "different from your password" in account_page(client)
    create_key(client, "first passphrase here", "second passphrase here")
    assert "differ" in account_page(client)
    assert create_key(client, "a long key passphrase").status_code == 302
    assert "unlocked" in account_page(client)

    with database(app).session() as session:
        reviewer = session.scalars(select(Reviewer).where(Reviewer.user_id == account.id)).one()
        wrapped = json.loads(reviewer.wrapped_secret_key)
        assert wrapped["format"] == "reprisal-secret-key" and wrapped["kdf"] == "argon2id13"
        assert [m.code for m in reviewer.mechanisms] == ["CAT"]
        secret = unwrap_secret_key(wrapped, "a long key passphrase")
        assert bytes(secret.public_key) == reviewer.public_key
        public_key = reviewer.public_key
        row = session.scalars(select(AdminSession)).one()
        # The session row holds the key only sealed: neither the raw key nor anything that opens it.
        assert bytes(secret) not in row.sealed_secret_key
        assert len(row.sealed_secret_key) == 72
    assert (account.username, "key_created", None) in audit_actions(admin_app)

    # The key waits for the organisation's signature: the intake does not route CAT reports to it.
    intake = app.test_client()
    assert 'name="mechanism" value="CAT"' not in intake.get("/report").get_data(as_text=True)
    assert "waiting for the organisation's signature" in account_page(client)
    # Once the organisation key holder signs its record offline and it is imported, it does.
    record = tmp_path / "key.record"
    record.write_text(reader_record(public_key, "CAT"))
    certified = CliRunner().invoke(cli, ["reviewer", "certify", str(record)], obj=admin_app)
    assert certified.exit_code == 0, certified.output
    assert 'name="mechanism" value="CAT"' in intake.get("/report").get_data(as_text=True)
    assert "Certified by the organisation until" in account_page(client)


def test_a_database_copy_opens_no_case(app: Flask, admin_app: Flask, client: FlaskClient) -> None:
    """Everything in the database, but neither the passphrase nor the browser's cookie."""
    account = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    submit(client, what_happened="SECRET-7781")
    browser = admin_app.test_client()
    sign_in(admin_app, browser, account)
    unlock(browser)
    with database(app).session() as session:
        rows = {
            "stanzas": [s.sealed_case_key for s in session.scalars(select(AccessStanza))],
            "sessions": [s.sealed_secret_key for s in session.scalars(select(AdminSession))],
            "chunks": b"".join(c.data for c in session.scalars(select(EnvelopeChunk))),
            "wrapped": [r.wrapped_secret_key for r in session.scalars(select(Reviewer))],
        }
    assert b"SECRET-7781" not in rows["chunks"]
    assert all(w is None or "SECRET" not in w for w in rows["wrapped"])
    # No 32-byte value stored anywhere opens the stanza as a key.
    from nacl.public import PrivateKey

    candidates = [s[i : i + 32] for s in rows["sessions"] if s for i in range(len(s) - 31)]
    for candidate in candidates:
        with pytest.raises(NotARecipientError):
            open_case_key(rows["stanzas"], PrivateKey(candidate))
    with pytest.raises(Exception, match="passphrase"):
        unwrap_secret_key(json.loads(rows["wrapped"][0]), "guess")


def test_rotation_reseals_every_stanza_and_leaves_items_alone(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    account = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    for n in range(3):
        submit(client, what_happened=f"rotation case {n}")
    with database(app).session() as session:
        items_before = {(i.id, i.sha256, i.size) for i in session.scalars(select(Item))}
        chunks_before = hashlib.sha256(
            b"".join(
                c.data
                for c in session.scalars(
                    select(EnvelopeChunk).order_by(EnvelopeChunk.item_id, EnvelopeChunk.seq)
                )
            )
        ).hexdigest()
    browser = admin_app.test_client()
    sign_in(admin_app, browser, account)
    unlock(browser)
    laptop = admin_app.test_client()
    sign_in(admin_app, laptop, account)
    unlock(laptop)
    response = form_post(
        browser,
        "/account/key/rotate",
        {"rotate-passphrase": "the new passphrase", "rotate-confirm": "the new passphrase"},
        account_page(browser),
    )
    assert response.status_code == 302
    assert "3 case(s) were re-sealed" in account_page(browser)

    with database(app).session() as session:
        reviewer = session.get(Reviewer, account.reviewer.id)
        new_key = unwrap_secret_key(json.loads(reviewer.wrapped_secret_key), "the new passphrase")
        assert (
            reviewer.public_key
            == bytes(new_key.public_key)
            != bytes(account.reviewer.secret_key.public_key)
        )
        with pytest.raises(Exception, match="passphrase"):
            unwrap_secret_key(json.loads(reviewer.wrapped_secret_key), KEY_PASSPHRASE)
        for case in session.scalars(select(Case)):
            stanzas = [s.sealed_case_key for s in case.access]
            opened = open_case_key(stanzas, new_key, case_public_key=PublicKey(case.public_key))
            assert bytes(opened.public_key) == case.public_key
            with pytest.raises(NotARecipientError):
                open_case_key(stanzas, account.reviewer.secret_key)
        assert {(i.id, i.sha256, i.size) for i in session.scalars(select(Item))} == items_before
        chunks_after = hashlib.sha256(
            b"".join(
                c.data
                for c in session.scalars(
                    select(EnvelopeChunk).order_by(EnvelopeChunk.item_id, EnvelopeChunk.seq)
                )
            )
        ).hexdigest()
        assert chunks_after == chunks_before
        ref = session.scalars(select(Case.ref)).first()
    # The session now holds the new key and still reads the cases; another session holding the old
    # key is locked and must unlock again.
    assert "rotation case" in browser.get(f"/cases/{ref}").get_data(as_text=True)
    assert "Unlock your key" in laptop.get(f"/cases/{ref}").get_data(as_text=True)
    assert (account.username, "key_rotated", None) in audit_actions(admin_app)


def test_an_escrow_key_gets_a_stanza_on_every_new_case(
    app: Flask, admin_app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    escrow = generate_keypair()
    record = tmp_path / "escrow.record"
    record.write_text(reader_record(bytes(escrow.public_key), role="escrow", holder="Escrow 1"))
    result = CliRunner().invoke(
        cli,
        [
            "escrow",
            "add",
            "Escrow 1",
            "--public-key",
            base64.b64encode(bytes(escrow.public_key)).decode(),
            "--record",
            str(record),
        ],
        obj=admin_app,
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    page = client.get("/report").get_data(as_text=True)
    assert 'name="mechanism" value="CAT"' in page
    assert 'name="mechanism" value="CCPR"' not in page  # escrow opens no mechanism
    submit(client)
    with database(app).session() as session:
        case = session.scalars(select(Case)).one()
        key = open_case_key([s.sealed_case_key for s in case.access], escrow)
        assert bytes(key.public_key) == case.public_key
        assert len(case.access) == 2


def test_an_offline_key_is_registered_by_its_public_half(app: Flask, admin_app: Flask) -> None:
    account = make_account(admin_app, "focal_point", mechanisms=("CAT",))
    key = generate_keypair()
    client = admin_app.test_client()
    sign_in(admin_app, client, account)
    bad = form_post(
        client, "/account/key/offline", {"offline-public_key": "abc"}, account_page(client)
    )
    assert bad.status_code == 302 and "not a public key" in account_page(client)
    encoded = base64.b64encode(bytes(key.public_key)).decode()
    form_post(client, "/account/key/offline", {"offline-public_key": encoded}, account_page(client))
    page = account_page(client)
    assert "offline" in page and "Unlock my key" not in page
    with database(app).session() as session:
        reviewer = session.scalars(select(Reviewer).where(Reviewer.user_id == account.id)).one()
        assert reviewer.public_key == bytes(key.public_key) and reviewer.wrapped_secret_key is None


@pytest.mark.parametrize(
    "target", ["/%0d%0aSet-Cookie:%20x=1", "/%09/elsewhere.example/", "/%5Celsewhere.example/"]
)
def test_after_unlocking_an_odd_next_address_leads_to_the_account(
    admin_app: Flask, target: str
) -> None:
    account = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    client = admin_app.test_client()
    sign_in(admin_app, client, account)
    response = form_post(
        client,
        f"/account/key/unlock?next={target}",
        {"passphrase": KEY_PASSPHRASE},
        account_page(client),
    )
    assert response.status_code == 302 and response.headers["Location"] == "/account/"
    assert "Lock my key" in account_page(client)


def test_a_passphrase_sent_as_a_file_is_refused_and_the_key_stays_locked(
    admin_app: Flask,
) -> None:
    account = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    client = admin_app.test_client()
    sign_in(admin_app, client, account)
    passphrase = (io.BytesIO(KEY_PASSPHRASE.encode()), "passphrase.txt")
    response = form_post(
        client, "/account/key/unlock", {"passphrase": passphrase}, account_page(client)
    )
    assert response.status_code == 400
    with database(admin_app).session() as session:
        assert session.scalar(select(AdminSession.sealed_secret_key)) is None
