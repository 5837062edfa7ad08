"""The admin app's own settings, with safe defaults; tests lower the key-derivation costs."""

from __future__ import annotations

import os
from typing import Any

import nacl.pwhash


def admin_settings() -> dict[str, Any]:
    return {
        # Signed in but idle this long: signed out, unlocked key gone.
        "ADMIN_IDLE_TIMEOUT": int(os.environ.get("REPRISAL_ADMIN_IDLE_MINUTES", "20")) * 60,
        "ADMIN_SESSION_LIFETIME": 12 * 60 * 60,
        # Time allowed between the password and the second factor.
        "ADMIN_SIGNIN_STEP_TIMEOUT": 10 * 60,
        # After this many failed attempts for a typed name, its password is checked only with a
        # valid code (admin.auth.throttle): guesses slowed, nobody locked out.
        "ADMIN_GUARD_AFTER": "5 per 15 minutes",
        # Per browser session, never global (behind Tor every request is 127.0.0.1).
        "ADMIN_SIGNIN_LIMIT": "60 per minute",
        "ADMIN_UNLOCK_LIMIT": "10 per minute",
        "ADMIN_ARGON2_TIME_COST": 3,
        "ADMIN_ARGON2_MEMORY_KIB": 64 * 1024,
        "ADMIN_KEY_OPSLIMIT": nacl.pwhash.argon2id.OPSLIMIT_MODERATE,
        "ADMIN_KEY_MEMLIMIT": nacl.pwhash.argon2id.MEMLIMIT_MODERATE,
        "ADMIN_INVITATION_HOURS": 72,
        "ADMIN_CASES_PER_PAGE": 50,
        # Where invitation links printed by `reprisal-admin user add` point.
        "ADMIN_BASE_URL": os.environ.get("REPRISAL_ADMIN_URL", "http://127.0.0.1:8081"),
        "ADMIN_WEBAUTHN_RP_ID": os.environ.get("REPRISAL_WEBAUTHN_RP_ID") or None,
        "ADMIN_WEBAUTHN_ORIGIN": os.environ.get("REPRISAL_WEBAUTHN_ORIGIN") or None,
    }
