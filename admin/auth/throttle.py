"""Sign-in under a guessing attack: guesses are slowed, and the owner still gets in.

Nothing here locks an account: a stranger who knows a user name would otherwise keep its owner out
(five wrong passwords used to pause the account for 15 minutes, right password or not). Instead,
failed attempts are counted per **typed** user name, known or not, in the rate-limit storage; once a
name has ``ADMIN_GUARD_AFTER`` failures ("5 per 15 minutes"), a password for it is checked only
together with a valid code from the account's authenticator app, and the code is checked first
(microseconds, no Argon2). The owner types both and signs in at once; a guesser must hit a 6-digit
code and the password in the same attempt, and their attempts without it never reach the password.

Because the count is kept for any name typed, an unknown name and a known one get the same answers
after the same attempts, and cost the same: one Argon2 verification while the name is not guarded,
none when it is and the code is wrong.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from flask_babel import gettext as _
from limits import parse

from admin.extensions import limiter

NAMESPACE = "signin-name"


def _identity(username: str) -> tuple[str, str, str]:
    digest = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
    return str(current_app.config.get("RATELIMIT_KEY_PREFIX", "reprisal-admin")), NAMESPACE, digest


def _window() -> object:
    return parse(str(current_app.config["ADMIN_GUARD_AFTER"]))


def guarded(username: str) -> bool:
    """Whether sign-in for this name now needs the password and a code together. When the storage
    cannot be reached, it does (fail closed: the owner still signs in with both)."""
    try:
        return not limiter.limiter.test(_window(), *_identity(username))  # type: ignore[arg-type]
    except Exception:
        return True


def register_failure(username: str) -> None:
    """Count a failed attempt (wrong password, code, recovery code or security key) for the name."""
    try:
        limiter.limiter.hit(_window(), *_identity(username))  # type: ignore[arg-type]
    except Exception:  # the storage is down: guarded() already says so
        return


def guard_message() -> str:
    return _(
        "Sign-in for this name is being slowed after many failed attempts. Enter your password "
        "and a current code from your authenticator app together."
    )
