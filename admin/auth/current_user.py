"""Before each request: find this browser's session and its user (read into ``g``); in a view, the
signed-in user's session row and account."""

from __future__ import annotations

from flask import abort, flash, g, request
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from admin.auth import sessions
from reprisal_intake.db import get_db
from reprisal_intake.models import AdminSession, User

# Static files need no session; everything else looks one up (and refreshes its idle timer).
_NO_SESSION_ENDPOINTS = {"static"}


def load_current_user() -> None:
    g.user = None
    g.session_id = None
    g.session_stage = None
    if request.endpoint in _NO_SESSION_ENDPOINTS:
        return
    with get_db().session() as db:
        row = sessions.load(db)
        if row is None:
            if g.get("session_expired"):
                flash(_("You were signed out after a period of inactivity. Sign in again."))
            return
        g.session_id = row.id
        g.session_stage = row.stage
        g.session_user_id = row.user_id
        g.key_unlocked = row.sealed_secret_key is not None
        if row.stage == sessions.STAGE_FULL:
            user = db.get(User, row.user_id)
            g.user = user
            if user is not None:
                # Read the roles now: the object is used after this session closes.
                g.user_roles = user.role_set


def signed_in(db: Session) -> tuple[AdminSession, User]:
    """The session row and account of the signed-in user, read in ``db`` (403 if either is gone)."""
    row = db.get(AdminSession, g.session_id)
    user = db.get(User, g.session_user_id)
    if row is None or user is None:
        abort(403)
    return row, user
