"""TOTP second factor (RFC 6238 with pyotp): enrolment QR as inline SVG, no code accepted twice."""

from __future__ import annotations

import hmac
import time

import pyotp
import segno
from markupsafe import Markup

from reprisal_intake.models import User

ISSUER = "Reprisal focal points"
INTERVAL = 30
# Accept the previous and next 30-second step too (clock drift), never an already used step.
DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32()


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
    if not user.totp_secret:
        return False
    step = matching_step(user.totp_secret, code, now)
    if step is None:
        return False
    if user.totp_last_step is not None and step <= user.totp_last_step:
        return False
    user.totp_last_step = step
    return True
