"""Server-side sign-in sessions: fixation-proof, idle timeout, logout everywhere, key custody.

The browser's (signed, HttpOnly, SameSite=Strict) cookie carries two random values: the session token,
whose SHA-256 names the ``admin_sessions`` row, and the session key, under which an unlocked reviewer
secret key is sealed in that row. Neither is stored on the server, so a copy of the database opens no
session and no key. Every sign-in step starts a new row with a new token (no fixation).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import secrets

import nacl.exceptions
import nacl.secret
from flask import current_app, g, session
from nacl.public import PrivateKey
from sqlalchemy import delete
from sqlalchemy.orm import Session

from reprisal_intake.models import AdminSession, User, utcnow

TOKEN_KEY = "sid"  # noqa: S105 - the name of a cookie field, not a secret
SESSION_KEY_KEY = "skey"

STAGE_SECOND_FACTOR = "second_factor"
STAGE_ENROL = "enrol"
STAGE_FULL = "full"


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(db: Session, user: User, stage: str) -> AdminSession:
    """A new session row with a new token; any session this browser had is ended first."""
    end_current(db)
    token = secrets.token_urlsafe(32)
    row = AdminSession(id=_token_id(token), user_id=user.id, stage=stage)
    db.add(row)
    db.flush()
    # Clearing also drops the old CSRF token, so no form from before sign-in stays valid.
    session.clear()
    session[TOKEN_KEY] = token
    session[SESSION_KEY_KEY] = base64.b64encode(secrets.token_bytes(32)).decode()
    return row


def end_current(db: Session) -> None:
    token = session.get(TOKEN_KEY)
    if isinstance(token, str):
        db.execute(delete(AdminSession).where(AdminSession.id == _token_id(token)))
    session.clear()


def end_all(db: Session, user_id: str) -> int:
    """Sign the user out on every browser (their unlocked keys go with the rows)."""
    result = db.execute(delete(AdminSession).where(AdminSession.user_id == user_id))
    session.clear()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def end_all_other(db: Session, user_id: str, keep_id: str | None) -> None:
    """End another user's sessions (after a role change or deactivation), keeping ``keep_id``."""
    query = delete(AdminSession).where(AdminSession.user_id == user_id)
    if keep_id is not None:
        query = query.where(AdminSession.id != keep_id)
    db.execute(query)


def _expired(row: AdminSession, now: datetime.datetime) -> bool:
    config = current_app.config
    idle = datetime.timedelta(seconds=config["ADMIN_IDLE_TIMEOUT"])
    stage_limit = datetime.timedelta(seconds=config["ADMIN_SIGNIN_STEP_TIMEOUT"])
    lifetime = datetime.timedelta(seconds=config["ADMIN_SESSION_LIFETIME"])
    if row.stage != STAGE_FULL and now - row.created > stage_limit:
        return True
    return now - row.last_seen > idle or now - row.created > lifetime


def load(db: Session) -> AdminSession | None:
    """This browser's session row if it is still valid (and touch it), else None."""
    token = session.get(TOKEN_KEY)
    if not isinstance(token, str):
        return None
    row = db.get(AdminSession, _token_id(token))
    if row is None:
        session.clear()
        return None
    now = utcnow()
    user = db.get(User, row.user_id)
    if _expired(row, now) or user is None or not user.active:
        db.delete(row)
        session.clear()
        g.session_expired = True
        return None
    row.last_seen = now
    return row


def _session_box() -> nacl.secret.SecretBox:
    encoded = session.get(SESSION_KEY_KEY)
    if not isinstance(encoded, str):
        raise LookupError("no session key")
    return nacl.secret.SecretBox(base64.b64decode(encoded))


def keep_unlocked_key(row: AdminSession, reviewer_id: str, secret_key: PrivateKey) -> None:
    row.unlocked_reviewer_id = reviewer_id
    row.sealed_secret_key = bytes(_session_box().encrypt(bytes(secret_key)))


def forget_unlocked_key(row: AdminSession) -> None:
    row.unlocked_reviewer_id = None
    row.sealed_secret_key = None


def unlocked_key(row: AdminSession) -> tuple[str, PrivateKey] | None:
    """(reviewer id, secret key) when this session holds an unlocked key, else None."""
    if row.unlocked_reviewer_id is None or row.sealed_secret_key is None:
        return None
    try:
        secret = _session_box().decrypt(row.sealed_secret_key)
    except (LookupError, nacl.exceptions.CryptoError, ValueError):
        return None
    return row.unlocked_reviewer_id, PrivateKey(secret)
