"""Security keys: a software authenticator (EC P-256, ES256, "none" attestation) built here with
`cryptography` goes through the app's real registration and sign-in endpoints."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
from dataclasses import dataclass, field

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reprisal_intake.models import WebAuthnCredential
from tests.factories import database, make_account
from tests.support.admin import audit_actions, csrf_of, form_post, sign_in

ORIGIN = "http://localhost"
RP_ID = "localhost"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def from_b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class SoftwareAuthenticator:
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    credential_id: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    counter: int = 0

    def _cose_public_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": ORIGIN}).encode()

    def create(self, options: dict) -> dict:
        assert options["rp"]["id"] == RP_ID
        client_data = self._client_data("webauthn.create", options["challenge"])
        auth_data = (
            hashlib.sha256(RP_ID.encode()).digest()
            + bytes([0x41])  # user present, attested credential data
            + struct.pack(">I", self.counter)
            + bytes(16)  # AAGUID
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + self._cose_public_key()
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
            },
        }

    def get(self, options: dict, *, advance: bool = True) -> dict:
        assert from_b64url(options["allowCredentials"][0]["id"]) == self.credential_id
        if advance:
            self.counter += 1
        client_data = self._client_data("webauthn.get", options["challenge"])
        auth_data = (
            hashlib.sha256(RP_ID.encode()).digest()
            + bytes([0x01])
            + struct.pack(">I", self.counter)
        )
        signature = self.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": None,
            },
        }


def post_json(client: FlaskClient, path: str, token: str, body: object | None = None):
    return client.post(
        path,
        data=json.dumps(body or {}),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )


def register(client: FlaskClient, authenticator: SoftwareAuthenticator) -> None:
    page = client.get("/account/")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    token = csrf_of(page.get_data(as_text=True))
    options = post_json(client, "/account/security-keys/options", token).get_json()
    response = post_json(client, "/account/security-keys", token, authenticator.create(options))
    assert response.status_code == 200, response.get_data(as_text=True)


def password_step(client: FlaskClient, username: str, password: str) -> str:
    response = form_post(client, "/signin", {"username": username, "password": password})
    assert response.status_code == 302
    page = client.get("/signin/verify")
    text = page.get_data(as_text=True)
    assert 'id="webauthn-signin"' in text and "/static/webauthn.js" in text
    assert "<script>" not in text  # no inline script
    return csrf_of(text)


def stored_count(app: Flask) -> int:
    with database(app).session() as session:
        return session.scalars(select(WebAuthnCredential.sign_count)).one()


def test_a_security_key_registers_and_signs_in_with_a_moving_counter(admin_app: Flask) -> None:
    account = make_account(admin_app, "auditor")
    authenticator = SoftwareAuthenticator()
    client = admin_app.test_client()
    sign_in(admin_app, client, account)
    register(client, authenticator)
    assert stored_count(admin_app) == 0

    browser = admin_app.test_client()
    token = password_step(browser, account.username, account.password)
    options = post_json(browser, "/signin/webauthn/options", token).get_json()
    assert options["rpId"] == RP_ID
    response = post_json(browser, "/signin/webauthn/verify", token, authenticator.get(options))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["redirect"] == "/"
    assert browser.get("/audit/").status_code == 200
    assert stored_count(admin_app) == 1
    assert (account.username, "security_key_added", None) in audit_actions(admin_app)
    assert ("sign_in") in [a for who, a, _ in audit_actions(admin_app) if who == account.username]


def test_a_cloned_key_with_a_stale_counter_and_a_replayed_challenge_are_refused(
    admin_app: Flask,
) -> None:
    account = make_account(admin_app, "auditor")
    authenticator = SoftwareAuthenticator()
    client = admin_app.test_client()
    sign_in(admin_app, client, account)
    register(client, authenticator)

    first = admin_app.test_client()
    token = password_step(first, account.username, account.password)
    options = post_json(first, "/signin/webauthn/options", token).get_json()
    assertion = authenticator.get(options)
    assert post_json(first, "/signin/webauthn/verify", token, assertion).status_code == 200

    # The same assertion again: its challenge was used.
    replay = admin_app.test_client()
    token = password_step(replay, account.username, account.password)
    post_json(replay, "/signin/webauthn/options", token)
    refused = post_json(replay, "/signin/webauthn/verify", token, assertion)
    assert refused.status_code == 401
    # A fresh challenge signed with a counter that did not move (a cloned key).
    options = post_json(replay, "/signin/webauthn/options", token).get_json()
    stale = post_json(
        replay, "/signin/webauthn/verify", token, authenticator.get(options, advance=False)
    )
    assert stale.status_code == 401
    assert replay.get("/audit/").status_code == 302
    assert stored_count(admin_app) == 1


def test_a_forged_signature_is_refused(admin_app: Flask) -> None:
    account = make_account(admin_app, "auditor")
    genuine = SoftwareAuthenticator()
    client = admin_app.test_client()
    sign_in(admin_app, client, account)
    register(client, genuine)
    forger = SoftwareAuthenticator(credential_id=genuine.credential_id, counter=10)
    browser = admin_app.test_client()
    token = password_step(browser, account.username, account.password)
    options = post_json(browser, "/signin/webauthn/options", token).get_json()
    assert (
        post_json(browser, "/signin/webauthn/verify", token, forger.get(options)).status_code == 401
    )
