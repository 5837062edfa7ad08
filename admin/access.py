"""Who may do what: roles, and which cases a user may open.

* focal point: the cases of the mechanisms of their reviewer key(s);
* coordinator: every case (routing fields; content only where they hold a key the case is sealed to);
* administrator: accounts, mechanisms, reviewer keys; no case unless also focal point or coordinator;
* auditor: the audit log only.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, redirect, request, url_for
from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from reprisal_intake.models import Case, Reviewer, User, case_mechanisms, reviewer_mechanisms
from reprisal_intake.models.sharing import CaseShare

F = TypeVar("F", bound=Callable[..., Any])

CASE_ROLES = ("focal_point", "coordinator")


def current_user() -> User | None:
    user: User | None = g.get("user")
    return user


def require_roles(*roles: str) -> Callable[[F], F]:
    """Only for fully signed-in users holding one of ``roles`` (403 otherwise)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("auth.sign_in", next=request.path))
            if roles and not user.role_set.intersection(roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def user_reviewers(db: Session, user: User) -> list[Reviewer]:
    return list(
        db.scalars(
            select(Reviewer)
            .where(Reviewer.user_id == user.id, Reviewer.active.is_(True))
            .order_by(Reviewer.created)
        )
    )


def focal_point_mechanisms(db: Session, user: User) -> set[str]:
    """The mechanisms of the user's active reviewer keys."""
    return set(
        db.scalars(
            select(reviewer_mechanisms.c.mechanism_code)
            .join(Reviewer, Reviewer.id == reviewer_mechanisms.c.reviewer_id)
            .where(Reviewer.user_id == user.id, Reviewer.active.is_(True))
        )
    )


def case_scope(db: Session, user: User) -> ColumnElement[bool] | None:
    """A WHERE clause limiting cases to those ``user`` may see; None means every case.

    Raises 403 for users with no case role.
    """
    if user.has_role("coordinator"):
        return None
    if not user.has_role("focal_point"):
        abort(403)
    codes = focal_point_mechanisms(db, user)
    return exists().where(
        case_mechanisms.c.case_ref == Case.ref, case_mechanisms.c.mechanism_code.in_(codes)
    )


def may_open_case(db: Session, user: User, case: Case) -> bool:
    if user.has_role("coordinator"):
        return True
    if not user.has_role("focal_point"):
        return False
    mine = focal_point_mechanisms(db, user)
    return any(m.code in mine for m in case.mechanisms)


def summary_only_mechanisms(db: Session, case: Case) -> set[str]:
    """The mechanisms that hold ``case`` only as a summary shared with them: they read that
    summary and nothing else, and do no case work on it."""
    return set(
        db.scalars(
            select(CaseShare.mechanism_code).where(
                CaseShare.case_ref == case.ref,
                CaseShare.in_force(),
                CaseShare.part == "summary",
            )
        )
    )


def may_work_on_case(db: Session, user: User, case: Case) -> bool:
    """Whether ``user`` may change ``case`` (triage, status, owner, measures, sharing, approvals):
    a coordinator, or a focal point of a mechanism that holds more than a summary of it."""
    if user.has_role("coordinator"):
        return True
    if not user.has_role("focal_point"):
        return False
    working = {m.code for m in case.mechanisms} - summary_only_mechanisms(db, case)
    return bool(focal_point_mechanisms(db, user) & working)
