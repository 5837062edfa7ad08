"""The case lifecycle of docs/domain.md as a state machine: the allowed transitions are data, anything else
is refused and changes nothing; every accepted transition is recorded and audited in the caller's
transaction."""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from admin.audit import log as audit_log
from admin.casework.ordering import next_in_case
from admin.vocabulary import CLOSURE_REASONS, HOLD_REASONS, REOPEN_REASONS, STATUS_LABELS
from reprisal_intake.models import Case, User, today, utcnow
from reprisal_intake.models.casework import StatusChange

# Moves a reviewer may make with the transition form. received -> triaged is made by triage (it sets
# the urgency); closing needs a closure reason; reopening needs a reopening reason; holding from
# any open state and resuming to the state held from are handled below.
TRANSITIONS: dict[str, frozenset[str]] = {
    "received": frozenset({"closed"}),
    "triaged": frozenset(
        {"consent_pending", "under_assessment", "out_of_scope", "referred_elsewhere", "closed"}
    ),
    "consent_pending": frozenset({"under_assessment", "closed"}),
    "under_assessment": frozenset(
        {"consent_pending", "action_planned", "out_of_scope", "referred_elsewhere", "closed"}
    ),
    "action_planned": frozenset({"under_assessment", "action_taken", "closed"}),
    "action_taken": frozenset({"awaiting_state_reply", "follow_up", "closed"}),
    "awaiting_state_reply": frozenset({"follow_up", "closed"}),
    "follow_up": frozenset({"under_assessment", "action_planned", "closed"}),
    # Settled without action of this mechanism: not a reprisal for cooperation with it, or passed to
    # another body. Either may be looked at again or closed.
    "out_of_scope": frozenset({"under_assessment", "closed"}),
    "referred_elsewhere": frozenset({"under_assessment", "follow_up", "closed"}),
    "closed": frozenset({"triaged", "under_assessment"}),
    "on_hold": frozenset(),
}
SETTLED_STATUSES = frozenset({"out_of_scope", "referred_elsewhere", "closed"})
OPEN_STATUSES = frozenset(TRANSITIONS) - SETTLED_STATUSES - {"on_hold"}
REASONS_FOR = {
    "closed": dict(CLOSURE_REASONS),
    "on_hold": dict(HOLD_REASONS),
    "reopen": dict(REOPEN_REASONS),
}


class TransitionRefused(Exception):
    """A move the lifecycle does not allow; the message says why, for the reviewer."""


def allowed_targets(case: Case) -> list[str]:
    """Where this case may go next, in lifecycle order."""
    if case.status == "on_hold":
        targets = {case.status_before_hold} if case.status_before_hold else set()
    else:
        targets = set(TRANSITIONS.get(case.status, frozenset()))
        if case.status in OPEN_STATUSES:
            targets.add("on_hold")
    return [status for status in STATUS_LABELS if status in targets]


def reason_kind(case: Case, target: str) -> str | None:
    """Which reasons a move needs: "closed", "on_hold", "reopen" or None."""
    if target in ("closed", "on_hold"):
        return target
    if case.status == "closed":
        return "reopen"
    return None


def check(case: Case, target: str, reason: str | None) -> None:
    """Raise TransitionRefused unless ``case`` may move to ``target`` with ``reason``."""
    if target not in allowed_targets(case):
        raise TransitionRefused(
            _(
                "A case cannot go from “%(current)s” to “%(target)s”.",
                current=STATUS_LABELS.get(case.status, case.status),
                target=STATUS_LABELS.get(target, target),
            )
        )
    kind = reason_kind(case, target)
    if kind is not None and reason not in REASONS_FOR[kind]:
        raise TransitionRefused(_("Choose a reason for this change."))


def note_action(case: Case, at: datetime.datetime | None = None) -> None:
    """A reviewer acted on the case (for the 24-hour rule on immediate-risk cases)."""
    case.last_action_at = at or utcnow()


def move(
    db: Session,
    user: User,
    case: Case,
    target: str,
    reason: str | None = None,
    *,
    audited_with: Mapping[str, object] | None = None,
) -> StatusChange:
    """Make an allowed move: record it, audit it (with ``audited_with`` added to the entry's
    details), keep closure and hold fields in step."""
    check(case, target, reason)
    return _record(db, user, case, target, reason, audited_with)


def mark_triaged(db: Session, user: User, case: Case) -> StatusChange | None:
    """Triage moves a received case to triaged (the only way there); later triage changes no status."""
    if case.status != "received":
        return None
    return _record(db, user, case, "triaged", None)


def _record(
    db: Session,
    user: User,
    case: Case,
    target: str,
    reason: str | None,
    audited_with: Mapping[str, object] | None = None,
) -> StatusChange:
    previous = case.status
    kind = reason_kind(case, target)
    if kind == "closed":
        case.closed_on = today()
        case.closed_reason = reason
    elif kind == "reopen":
        case.closed_on = None
        case.closed_reason = None
    if target == "on_hold":
        case.status_before_hold = previous
        case.hold_reason = reason
    elif previous == "on_hold":
        case.status_before_hold = None
        case.hold_reason = None
    case.status = target
    note_action(case)
    change = StatusChange(
        case_ref=case.ref,
        from_status=previous,
        to_status=target,
        reason=reason,
        actor_id=user.id,
        seq=next_in_case(db, StatusChange, case.ref),
    )
    db.add(change)
    audit_log.record(
        db,
        user.username,
        "status_changed",
        case_ref=case.ref,
        detail={**(audited_with or {}), "from": previous, "to": target, "reason": reason},
    )
    return change
