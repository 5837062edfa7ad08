"""Hybrid (X-Wing, suite 2) keys in the admin app: made in the app by default or registered offline,
a focal point reads a case, downloads an attachment, replies and exports a bundle that
``reprisal-decrypt open`` opens with the hybrid key file and not with its X25519 half alone."""

from __future__ import annotations

import base64
import io
import json
import re
import subprocess
import sys
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from nacl.public import PrivateKey
from sqlalchemy import select

from crypto.envelope import decrypt, read_header
from crypto.keyfile import dump_key_file, load_key_file
from crypto.keys import ACCESS_STANZA_SIZES, open_case_key, public_key_from_bytes
from crypto.stanzas import SUITE_HYBRID
from crypto.xwing import PUBLIC_KEY_SIZE, XWingSecretKey
from reprisal_intake.envelopes import open_envelope
from reprisal_intake.models import AdminSession, Case, Item, ItemAccess, Reviewer
from tests.factories import database, make_account, reader_record
from tests.support.admin import account_page, audit_actions, form_post, sign_in, unlock
from tests.support.cli import run
from tests.support.intake import submit

BIN = Path(sys.executable).parent
PASSPHRASE = "a long hybrid key passphrase"
ITEM_LINK = re.compile(r'href="(/cases/[^"]+/items/[^"]+)"')
EVIDENCE = bytes(range(256)) * 300 + b"hybrid-end"


def certify(admin_app: Flask, tmp_path: Path, public_key: bytes) -> None:
    record = tmp_path / "key.record"
    record.write_text(reader_record(public_key, "CAT", suite=SUITE_HYBRID))
    result = run(admin_app, "reviewer", "certify", str(record))
    assert result.exit_code == 0, result.output


def submitted_case(app: Flask, client: FlaskClient) -> Case:
    submit(
        client,
        what_happened="HYBRID-PHRASE-7731",
        consent_contact="granted",
        attachments=[(io.BytesIO(EVIDENCE), "evidence.bin", "application/octet-stream")],
    )
    with database(app).session() as session:
        case = session.scalars(select(Case)).one()
        session.expunge_all()
        return case


def decrypt_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "reprisal-decrypt"), *args], capture_output=True, text=True, check=False
    )


def opens_offline_with_the_hybrid_key_only(
    tmp_path: Path, bundle: bytes, key_file: Path, passphrase_file: Path
) -> None:
    path = tmp_path / "case.zip"
    path.write_bytes(bundle)
    opened = decrypt_tool(
        "open", "--key", str(key_file), "--passphrase-file", str(passphrase_file), str(path),
        "--out", str(tmp_path / "opened"),
    )  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    texts = [p.read_bytes() for p in (tmp_path / "opened").rglob("*") if p.is_file()]
    assert any(b"HYBRID-PHRASE-7731" in text for text in texts)
    assert EVIDENCE in texts

    key = load_key_file(key_file.read_text(), passphrase_file.read_text().strip())
    assert isinstance(key, XWingSecretKey)
    half = tmp_path / "x25519-half.key"
    half.write_text(dump_key_file(PrivateKey(key.x25519_secret_key), None))
    refused = decrypt_tool("open", "--key", str(half), str(path), "--out", str(tmp_path / "half"))
    assert refused.returncode == 1 and "NotARecipientError" in refused.stderr
    assert not (tmp_path / "half").exists() or not any((tmp_path / "half").rglob("*.json"))


def test_a_key_made_in_the_app_is_hybrid_and_reads_replies_and_exports(
    app: Flask, admin_app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    account = make_account(admin_app, "focal_point", mechanisms=("CAT",))
    reviewer = admin_app.test_client()
    sign_in(admin_app, reviewer, account)
    created = form_post(
        reviewer,
        "/account/key/create",
        {"passphrase": PASSPHRASE, "confirm": PASSPHRASE},
        account_page(reviewer),
    )
    assert created.status_code == 302
    with database(app).session() as session:
        row = session.scalars(select(Reviewer).where(Reviewer.user_id == account.id)).one()
        public_key, wrapped = row.public_key, row.wrapped_secret_key
        # The session keeps the key's suite beside its 32-byte seed, both sealed.
        sealed = session.scalars(select(AdminSession)).one().sealed_secret_key
        assert len(sealed) == 24 + 16 + 1 + 32
    assert len(public_key) == PUBLIC_KEY_SIZE
    assert json.loads(wrapped)["suite"] == SUITE_HYBRID
    certify(admin_app, tmp_path, public_key)

    case = submitted_case(app, client)
    with database(app).session() as session:
        stanza = session.get(Case, case.ref).access[0].sealed_case_key
    assert len(stanza) == ACCESS_STANZA_SIZES[SUITE_HYBRID]

    # The key stays unlocked in the session; lock and unlock it again to read from a fresh seal.
    form_post(reviewer, "/account/key/lock", {}, account_page(reviewer))
    assert unlock(reviewer, PASSPHRASE).status_code == 302
    page = reviewer.get(f"/cases/{case.ref}").get_data(as_text=True)
    assert "HYBRID-PHRASE-7731" in page
    download = reviewer.get(ITEM_LINK.search(page).group(1))
    assert download.status_code == 200 and download.data == EVIDENCE
    download.close()

    replied = form_post(reviewer, f"/cases/{case.ref}/reply", {"reply": "HYBRID-REPLY-88"}, page)
    assert replied.status_code == 303
    with database(app).session() as session:
        reply = session.scalars(select(Item).where(Item.kind == "reply")).one()
        key = load_key_file(wrapped, PASSPHRASE)
        stanzas = [s.sealed_case_key for s in session.get(Case, case.ref).access]
        case_key = open_case_key(
            stanzas, key, case_public_key=public_key_from_bytes(case.public_key)
        )
        assert isinstance(case_key, XWingSecretKey)  # every reader is hybrid: a suite-2 case key
        assert read_header(open_envelope(session, reply.id)).suite == SUITE_HYBRID
        assert decrypt(open_envelope(session, reply.id).read(), case_key)[1] == b"HYBRID-REPLY-88"

    exported = form_post(reviewer, f"/cases/{case.ref}/export", {}, page)
    assert exported.status_code == 200
    key_file = tmp_path / "app.key"
    key_file.write_text(wrapped)
    passphrase_file = tmp_path / "passphrase"
    passphrase_file.write_text(PASSPHRASE + "\n")
    opens_offline_with_the_hybrid_key_only(tmp_path, exported.data, key_file, passphrase_file)

    mine = [a for who, a, _r in audit_actions(admin_app) if who == account.username]
    assert "key_created" in mine and "case_exported" in mine


def test_an_offline_hybrid_key_is_registered_through_the_form_and_opens_its_export(
    app: Flask, admin_app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    passphrase_file = tmp_path / "passphrase"
    passphrase_file.write_text("correct horse battery staple hybrid\n")
    key_file = tmp_path / "cat.key"
    made = decrypt_tool("keygen", "--out", str(key_file), "--passphrase-file", str(passphrase_file))
    assert made.returncode == 0, made.stderr
    encoded = made.stdout.strip()
    assert len(base64.b64decode(encoded)) == PUBLIC_KEY_SIZE

    account = make_account(admin_app, "focal_point", mechanisms=("CAT",))
    reviewer = admin_app.test_client()
    sign_in(admin_app, reviewer, account)
    short = form_post(
        reviewer,
        "/account/key/offline",
        {"offline-public_key": encoded[:-8]},
        account_page(reviewer),
    )
    assert short.status_code == 302
    assert "1216 bytes for a hybrid key, 32 for a classical one" in account_page(reviewer)
    registered = form_post(
        reviewer, "/account/key/offline", {"offline-public_key": encoded}, account_page(reviewer)
    )
    assert registered.status_code == 302
    assert "offline public key was registered" in account_page(reviewer)
    certify(admin_app, tmp_path, base64.b64decode(encoded))

    case = submitted_case(app, client)
    page = reviewer.get(f"/cases/{case.ref}").get_data(as_text=True)
    exported = form_post(reviewer, f"/cases/{case.ref}/export", {}, page)
    assert exported.status_code == 200
    opens_offline_with_the_hybrid_key_only(tmp_path, exported.data, key_file, passphrase_file)


def test_the_refusal_of_a_bad_public_key_is_translated(admin_app: Flask) -> None:
    account = make_account(admin_app, "focal_point", mechanisms=("CAT",))
    reviewer = admin_app.test_client()
    sign_in(admin_app, reviewer, account)
    reviewer.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    form_post(
        reviewer, "/account/key/offline", {"offline-public_key": "abc"}, account_page(reviewer)
    )
    page = account_page(reviewer)
    assert "1216 octets pour une clé hybride" in page


def test_rotation_moves_a_classical_key_to_a_hybrid_one(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    account = make_account(admin_app, "focal_point", mechanisms=("CAT",), key="app")
    submit(client, what_happened="HYBRID-PHRASE-7731", identity="IDENT-ROTATE-3")
    reviewer = admin_app.test_client()
    sign_in(admin_app, reviewer, account)
    assert unlock(reviewer).status_code == 302
    rotated = form_post(
        reviewer,
        "/account/key/rotate",
        {"rotate-passphrase": PASSPHRASE, "rotate-confirm": PASSPHRASE},
        account_page(reviewer),
    )
    assert rotated.status_code == 302
    with database(app).session() as session:
        row = session.scalars(select(Reviewer).where(Reviewer.user_id == account.id)).one()
        assert len(row.public_key) == PUBLIC_KEY_SIZE
        case = session.scalars(select(Case)).one()
        stanza = next(s for s in case.access if s.reviewer_id == row.id).sealed_case_key
        assert len(stanza) == ACCESS_STANZA_SIZES[SUITE_HYBRID]
        # The identity's own key is re-sealed too, or the reader would lose it.
        (item_stanza,) = session.scalars(
            select(ItemAccess.sealed_item_key).where(ItemAccess.reviewer_id == row.id)
        )
        assert len(item_stanza) == ACCESS_STANZA_SIZES[SUITE_HYBRID]
        ref = case.ref
    page = reviewer.get(f"/cases/{ref}").get_data(as_text=True)
    assert "HYBRID-PHRASE-7731" in page
