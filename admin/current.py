"""Before each request: find this browser's session and its user (read into ``g``)."""

from __future__ import annotations

from flask import flash, g, request
from flask_babel import gettext as _

from reprisal_intake.db import get_db
from reprisal_intake.models import User

from . import sessions

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
