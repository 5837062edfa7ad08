"""What every case action posted from the case page starts with: the signed-in user, the case they may
open (a refusal is audited like on the case page), and their key if it is unlocked in this session."""

from __future__ import annotations

from dataclasses import dataclass

from flask.typing import ResponseReturnValue
from nacl.public import PrivateKey
from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden

from reprisal_intake.models import Case, User
from reprisal_intake.web.errors import render_error

from . import sessions
from .reading import case_key_for


@dataclass
class CaseRequest:
    user: User
    case: Case
    # The case secret key, when the user's key is unlocked and the case is sealed to it.
    case_key: PrivateKey | None
    unlocked: bool


def open_case_request(db: Session, ref: str) -> CaseRequest:
    # The case page's module imports the area modules for its panels, so import it late.
    from .case_views import _case_for, _me

    row, user = _me(db)
    case = _case_for(db, user, ref)
    unlocked = sessions.unlocked_key(row)
    case_key = case_key_for(db, case, *unlocked) if unlocked else None
    return CaseRequest(user, case, case_key, unlocked is not None)


def forbidden(error: Forbidden) -> ResponseReturnValue:
    """Blueprint error handler: a case outside the user's mechanisms is audited, then refused."""
    from .case_views import CaseAccessDenied, audit_denied

    if isinstance(error, CaseAccessDenied):
        return audit_denied(error)
    return render_error(error)
