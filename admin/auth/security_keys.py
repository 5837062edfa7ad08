"""WebAuthn security keys (the ``webauthn`` package): registration and assertion ceremonies.

The challenge lives in the server-side session row and is used once. The relying party is the host the
browser sees (the .onion name in production), or ADMIN_WEBAUTHN_RP_ID / ADMIN_WEBAUTHN_ORIGIN.
"""

from __future__ import annotations

import json
import secrets

import webauthn
from flask import current_app, request
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from reprisal_intake.models import AdminSession, User, WebAuthnCredential, utcnow

RP_NAME = "Reprisal focal points"


def rp_id() -> str:
    configured: str | None = current_app.config.get("ADMIN_WEBAUTHN_RP_ID")
    return configured or (
        request.host.rsplit(":", 1)[0] if "]" not in request.host else request.host
    )


def origin() -> str:
    configured: str | None = current_app.config.get("ADMIN_WEBAUTHN_ORIGIN")
    return configured or request.host_url.rstrip("/")


def _new_challenge(row: AdminSession) -> bytes:
    challenge = secrets.token_bytes(32)
    row.challenge = challenge
    return challenge


def _take_challenge(row: AdminSession) -> bytes:
    challenge = row.challenge
    row.challenge = None
    if not challenge:
        raise ValueError("no pending challenge")
    return challenge


def registration_options(row: AdminSession, user: User) -> str:
    options = webauthn.generate_registration_options(
        rp_id=rp_id(),
        rp_name=RP_NAME,
        user_name=user.username,
        user_id=user.id.encode(),
        challenge=_new_challenge(row),
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=c.id) for c in user.credentials],
    )
    return webauthn.options_to_json(options)


def register(
    row: AdminSession, user: User, credential: dict[str, object], name: str
) -> WebAuthnCredential:
    """Verify an attestation and store the credential; raises on any mismatch."""
    verified = webauthn.verify_registration_response(
        credential=credential,
        expected_challenge=_take_challenge(row),
        expected_rp_id=rp_id(),
        expected_origin=origin(),
    )
    stored = WebAuthnCredential(
        id=verified.credential_id,
        user_id=user.id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=name[:64] or "Security key",
    )
    user.credentials.append(stored)
    return stored


def authentication_options(row: AdminSession, user: User) -> str:
    options = webauthn.generate_authentication_options(
        rp_id=rp_id(),
        challenge=_new_challenge(row),
        allow_credentials=[PublicKeyCredentialDescriptor(id=c.id) for c in user.credentials],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return webauthn.options_to_json(options)


def authenticate(
    row: AdminSession, user: User, credential: dict[str, object]
) -> WebAuthnCredential:
    """Verify an assertion by one of the user's keys; the sign counter must move forward."""
    raw_id = credential.get("rawId") or credential.get("id")
    if not isinstance(raw_id, str):
        raise ValueError("no credential id")
    wanted = webauthn.base64url_to_bytes(raw_id)
    stored = next((c for c in user.credentials if c.id == wanted), None)
    challenge = _take_challenge(row)
    if stored is None:
        raise ValueError("unknown credential")
    verified = webauthn.verify_authentication_response(
        credential=credential,
        expected_challenge=challenge,
        expected_rp_id=rp_id(),
        expected_origin=origin(),
        credential_public_key=stored.public_key,
        credential_current_sign_count=stored.sign_count,
    )
    stored.sign_count = verified.new_sign_count
    stored.last_used = utcnow()
    return stored


def parse_credential(body: bytes) -> dict[str, object]:
    parsed = json.loads(body)
    if not isinstance(parsed, dict):
        raise ValueError("expected a JSON object")
    return parsed
