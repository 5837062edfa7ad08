"""The admin app's own settings, with safe defaults; tests lower the key-derivation costs."""

from __future__ import annotations

import os
import shlex
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
        # Uploads are held in memory (admin/uploads.py): a State reply's file is the largest.
        "MAX_CONTENT_LENGTH": int(os.environ.get("REPRISAL_ADMIN_MAX_UPLOAD_MIB", "25"))
        * 1024
        * 1024,
        # Where invitation links printed by `reprisal-admin user add` point.
        "ADMIN_BASE_URL": os.environ.get("REPRISAL_ADMIN_URL", "http://127.0.0.1:8081"),
        "ADMIN_WEBAUTHN_RP_ID": os.environ.get("REPRISAL_WEBAUTHN_RP_ID") or None,
        "ADMIN_WEBAUTHN_ORIGIN": os.environ.get("REPRISAL_WEBAUTHN_ORIGIN") or None,
        # Open cases untouched this long are listed by `reprisal-admin purge` for a deletion review.
        "RETENTION_REVIEW_DAYS": int(os.environ.get("REPRISAL_RETENTION_REVIEW_DAYS", "365")),
        **alert_settings(),
    }


def alert_settings() -> dict[str, Any]:
    """Alerts (admin/alerts/): the channel and its settings, and the deadlines. Only
    ``reprisal-admin alerts run`` reads them; the SMTP password is read from a file, never the
    environment."""
    host = os.environ.get("REPRISAL_ALERT_SMTP_HOST") or None
    command = os.environ.get("REPRISAL_ALERT_COMMAND") or None
    starttls = os.environ.get("REPRISAL_ALERT_SMTP_STARTTLS")
    default_channel = "smtp" if host else "command" if command else "none"
    return {
        "ALERT_CHANNEL": os.environ.get("REPRISAL_ALERT_CHANNEL", default_channel),
        "ALERT_SMTP_HOST": host,
        "ALERT_SMTP_PORT": int(os.environ.get("REPRISAL_ALERT_SMTP_PORT", "25")),
        "ALERT_SMTP_FROM": os.environ.get("REPRISAL_ALERT_SMTP_FROM", "reprisal-alerts@localhost"),
        # None: STARTTLS unless the server is on this machine.
        "ALERT_SMTP_STARTTLS": None
        if starttls is None
        else starttls.strip().lower() in {"1", "true", "yes", "on"},
        "ALERT_SMTP_USERNAME": os.environ.get("REPRISAL_ALERT_SMTP_USERNAME") or None,
        "ALERT_SMTP_PASSWORD_FILE": os.environ.get("REPRISAL_ALERT_SMTP_PASSWORD_FILE") or None,
        "ALERT_COMMAND": shlex.split(command) if command else [],
        # An alert nobody acknowledges within this time goes to the coordinators.
        "ALERT_ACK_MINUTES": int(os.environ.get("REPRISAL_ALERT_ACK_MINUTES", "60")),
        # A case still "received" this many days after it arrived is untriaged past its deadline.
        "ALERT_TRIAGE_DAYS": int(os.environ.get("REPRISAL_ALERT_TRIAGE_DAYS", "2")),
    }
