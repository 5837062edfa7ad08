"""TOTP second factor (RFC 6238 with pyotp): enrolment QR as inline SVG, no code accepted twice.

The secrets are stored encrypted (``seal_secret``) with a key derived from the admin app's secret
key, which is never in the database (``REPRISAL_SECRET_KEY`` or the instance folder): whoever reads
the database or a backup learns no TOTP secret, and whoever writes it cannot plant one (SecretBox
authenticates). A stored value that does not open counts as no TOTP at all.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pyotp
import segno
from flask import current_app
from markupsafe import Markup
from nacl.exceptions import CryptoError
from nacl.secret import SecretBox
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reprisal_intake.models import AdminSession, User

ISSUER = "Reprisal focal points"
INTERVAL = 30
# Accept the previous and next 30-second step too (clock drift), never an already used step.
DRIFT_STEPS = 1


SEALED_PREFIX = "v1:"


def new_secret() -> str:
    return pyotp.random_base32()


def _box() -> SecretBox:
    key = hmac.new(
        current_app.config["SECRET_KEY"], b"reprisal admin totp secrets v1", hashlib.sha256
    ).digest()
    return SecretBox(key)


def seal_secret(secret: str, user_id: str) -> str:
    """What is stored for ``user_id``'s ``secret`` (fits the 160-character columns of migration
    0011). The user id is sealed with it, so a value copied to another account opens to nothing."""
    sealed = _box().encrypt(f"{user_id}\n{secret}".encode())
    return SEALED_PREFIX + base64.urlsafe_b64encode(sealed).decode()


def open_secret(stored: str | None, user_id: str) -> str | None:
    """The secret, or None when nothing is stored, or it does not open with this app's key, or it
    was sealed for another account."""
    if not stored or not stored.startswith(SEALED_PREFIX):
        return None
    try:
        opened = _box().decrypt(base64.urlsafe_b64decode(stored[len(SEALED_PREFIX) :])).decode()
    except (CryptoError, ValueError):
        return None
    owner, _, secret = opened.partition("\n")
    return secret if hmac.compare_digest(owner, user_id) and secret else None


def is_sealed(stored: str) -> bool:
    return stored.startswith(SEALED_PREFIX)


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret, interval=INTERVAL).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> Markup:
    """The enrolment QR code as inline SVG (no image request, no JavaScript)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    return Markup(svg)  # noqa: S704 - segno's own SVG built from our URI, not user content


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code equals ``code``, within the allowed drift, else None."""
    code = "".join(code.split())
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret, interval=INTERVAL)
    current = int((time.time() if now is None else now) // INTERVAL)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.at(step * INTERVAL), code):
            found = step
    return found


def accept_code(user: User, code: str, now: float | None = None) -> bool:
    """Check a code against the user's secret and burn its step: the same code never works twice."""
    secret = open_secret(user.totp_secret, user.id)
    if secret is None:
        return False
    step = matching_step(secret, code, now)
    if step is None:
        return False
    if user.totp_last_step is not None and step <= user.totp_last_step:
        return False
    user.totp_last_step = step
    return True


def seal_plain_secrets(session: Session) -> int:
    """Once, when ``reprisal-admin init`` migrates across 0011: encrypt the secrets stored in the
    clear before it (and drop enrolments in progress); returns how many were encrypted."""
    count = 0
    for user in session.scalars(select(User).where(User.totp_secret.is_not(None))):
        if user.totp_secret and not is_sealed(user.totp_secret):
            user.totp_secret = seal_secret(user.totp_secret, user.id)
            count += 1
    session.execute(update(AdminSession).values(pending_totp_secret=None))
    return count
