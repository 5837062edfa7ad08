"""Per-account sign-in throttling, kept in the database (every request behind Tor is 127.0.0.1, so the
account, never the address, is what is counted). Wrong passwords, TOTP codes, recovery codes and
security-key assertions all count; a success resets the counter."""

from __future__ import annotations

import datetime

from flask import current_app
from flask_babel import gettext as _

from reprisal_intake.models import User, utcnow


def locked_until(user: User) -> datetime.datetime | None:
    if user.locked_until is not None and user.locked_until > utcnow():
        return user.locked_until
    return None


def register_failure(user: User) -> bool:
    """Count a failed attempt; return True when this failure locked the account."""
    config = current_app.config
    user.failed_attempts = (user.failed_attempts or 0) + 1
    if user.failed_attempts >= config["ADMIN_MAX_FAILED_ATTEMPTS"]:
        user.locked_until = utcnow() + datetime.timedelta(seconds=config["ADMIN_LOCKOUT_SECONDS"])
        user.failed_attempts = 0
        return True
    return False


def register_success(user: User) -> None:
    user.failed_attempts = 0
    user.locked_until = None


def lockout_message(until: datetime.datetime) -> str:
    return _(
        "Too many failed attempts for this account. Sign-in is paused until %(time)s UTC. "
        "If this was not you, tell your administrator.",
        time=until.strftime("%H:%M"),
    )
