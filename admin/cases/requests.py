"""Opening a case for a request: the signed-in user, the case they may open (a refusal is audited,
then answered 403), and the case key if their reviewer key is unlocked in this session and the case
is sealed to it. Every view that acts on one case starts here."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, g, request
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden

from admin.access import may_open_case, may_work_on_case
from admin.audit import log as audit_log
from admin.auth import sessions
from admin.auth.current_user import signed_in
from admin.cases.decryption import case_key_for, item_keys_for
from crypto.keys import CaseKey
from reprisal_intake.db import get_db
from reprisal_intake.models import AdminSession, Case, User
from reprisal_intake.web.errors import render_error


class CaseAccessDenied(Forbidden):
    """A signed-in user asked for a case outside their mechanisms (audited, then 403)."""

    def __init__(self, username: str, case_ref: str) -> None:
        super().__init__()
        self.username = username
        self.case_ref = case_ref


@dataclass
class CaseRequest:
    session: AdminSession
    user: User
    case: Case
    # The case secret key, when the user's key is unlocked and the case is sealed to it.
    case_key: CaseKey | None
    unlocked: bool
    # Keys of own-key items (the identity) sealed to the user's key, by item id.
    item_keys: dict[str, CaseKey]


def open_case_request(db: Session, ref: str, *, with_key: bool = True) -> CaseRequest:
    """The case ``ref`` for the signed-in user: 404 if there is none, ``CaseAccessDenied`` if it lies
    outside their mechanisms, or if the request changes something and their mechanisms hold only a
    summary of it. ``with_key=False`` skips opening the case key (for views that never
    decrypt)."""
    row, user = signed_in(db)
    case = db.get(Case, ref.strip().upper())
    if case is None:
        abort(404)
    if not may_open_case(db, user, case):
        raise CaseAccessDenied(user.username, case.ref)
    # A mechanism given a summary reads it and changes nothing: every state-changing request needs
    # a mechanism that holds more than a summary (or the coordinator role).
    if request.method not in ("GET", "HEAD") and not may_work_on_case(db, user, case):
        raise CaseAccessDenied(user.username, case.ref)
    unlocked = sessions.unlocked_key(row) if with_key else None
    case_key = case_key_for(db, case, *unlocked) if unlocked else None
    # Own-key items open without the case key too: a summary shared with a mechanism is all it has.
    item_keys = item_keys_for(db, case, *unlocked) if unlocked else {}
    g.case_item_keys = item_keys
    return CaseRequest(row, user, case, case_key, unlocked is not None, item_keys)


def current_item_keys() -> dict[str, CaseKey]:
    """The own-key item keys ``open_case_request`` found for this request (for the case page's
    panels, which receive the case key only)."""
    keys: dict[str, CaseKey] = g.get("case_item_keys", {})
    return keys


def forbidden(error: Forbidden) -> ResponseReturnValue:
    """Blueprint error handler: a case outside the user's mechanisms is audited, then refused."""
    if isinstance(error, CaseAccessDenied):
        # The view's own transaction was rolled back by the exception; this entry has its own.
        with get_db().session() as db:
            audit_log.record(db, error.username, "access_denied", case_ref=error.case_ref)
    return render_error(error)
