"""Invitations: an administrator names the account, its roles and mechanisms; the invitee alone sets
the password (and then enrols TOTP), so no administrator ever learns it."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from reprisal_intake.models import ROLES, Mechanism, User, utcnow


class InvitationError(ValueError):
    pass


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(
    db: Session,
    username: str,
    roles: Sequence[str],
    mechanism_codes: Sequence[str],
    valid_for: datetime.timedelta,
) -> tuple[User, str]:
    """Create the account (or renew an unused invitation); return it and the one-time token."""
    unknown_roles = sorted(set(roles) - set(ROLES))
    if unknown_roles or not roles:
        raise InvitationError(f"roles must be among {', '.join(ROLES)}")
    codes = sorted({c.upper() for c in mechanism_codes})
    mechanisms = list(db.scalars(select(Mechanism).where(Mechanism.code.in_(codes))))
    missing = sorted(set(codes) - {m.code for m in mechanisms})
    if missing:
        raise InvitationError(f"unknown mechanism {', '.join(missing)}")
    if "focal_point" in roles and not mechanisms:
        raise InvitationError("a focal point needs at least one mechanism")
    user = db.scalar(select(User).where(User.username == username))
    if user is not None and user.password_hash is not None:
        raise InvitationError(f"the account {username!r} exists already")
    if user is None:
        user = User(username=username)
        db.add(user)
    user.roles = " ".join(r for r in ROLES if r in roles)
    user.assigned_mechanisms = mechanisms
    token = secrets.token_urlsafe(32)
    user.invitation_hash = token_hash(token)
    user.invitation_expires = utcnow() + valid_for
    db.flush()
    return user, token


def find_invited(db: Session, token: str) -> User | None:
    user = db.scalar(select(User).where(User.invitation_hash == token_hash(token)))
    if user is None or user.invitation_expires is None or user.invitation_expires < utcnow():
        return None
    if not user.active or user.password_hash is not None:
        return None
    return user
