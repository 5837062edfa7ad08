"""Who answers for a mechanism today: the on-call rota, and the coordinators an alert escalates to."""

from __future__ import annotations

import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from reprisal_intake.models import User
from reprisal_intake.models.alerts import OnCall


def reachable(user: User | None) -> bool:
    """Active, enrolled (an invitation not yet accepted cannot sign in to acknowledge) and with an
    alert address."""
    return (
        user is not None
        and user.active
        and user.password_hash is not None
        and bool(user.alert_address)
    )


def on_call(db: Session, mechanism: str, day: datetime.date) -> User | None:
    """The focal point on call for ``mechanism`` on ``day`` who can be reached; the stretch that
    started last wins when stretches overlap."""
    stretches = db.scalars(
        select(OnCall)
        .where(OnCall.mechanism_code == mechanism, OnCall.starts <= day, OnCall.ends >= day)
        .order_by(OnCall.starts.desc(), OnCall.id)
    )
    for stretch in stretches:
        user = db.get(User, stretch.user_id)
        if reachable(user) and user is not None and user.has_role("focal_point"):
            return user
    return None


def coordinators(db: Session, mechanism: str) -> list[User]:
    """The reachable coordinators assigned to ``mechanism``, or every reachable coordinator when
    none is assigned to it."""
    everyone = [
        user
        for user in db.scalars(select(User).where(User.active.is_(True)).order_by(User.username))
        if user.has_role("coordinator") and reachable(user)
    ]
    assigned = [u for u in everyone if any(m.code == mechanism for m in u.assigned_mechanisms)]
    return assigned or everyone
