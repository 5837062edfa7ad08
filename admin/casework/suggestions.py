"""Status follows the work: after an assessment, a risk assessment, a share, a measure planned or sent
or a State reply, the case page suggests the status that work implies (docs/domain.md, "Status follows
the work"). The table below is the whole rule; the lifecycle still decides every move.

A suggestion is made only for work done since the case's last status change, from the statuses listed
for it, and only along moves the lifecycle allows without a reason (never closing, holding or
reopening), through open statuses only: a case still "Triaged" after a measure was sent to the State
is offered "Awaiting the State's reply" through "Under assessment", "Action planned" and "Action taken",
each step recorded and audited as a status change like any other.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.audit.sentences import details
from admin.casework import lifecycle
from admin.vocabulary import MEASURE_KINDS_BY_CODE
from reprisal_intake.models import AuditEntry, Case

# What the audit log says was done, in the words of the table below.
WORK_LABELS: dict[str, LazyString] = {
    "assessed_credible": _l("The case was assessed as a credible reprisal"),
    "assessed_unclear": _l("The case was assessed as unclear"),
    "assessed_none": _l("The case was assessed as not a reprisal for cooperation"),
    "risk_assessed": _l("A risk assessment was recorded"),
    "shared": _l("The case was shared with another mechanism"),
    "measure_planned": _l("A measure was planned"),
    "measure_sent": _l("A measure was recorded as sent"),
    "measure_sent_to_state": _l("A measure was sent to the State"),
    "state_reply": _l("A State reply was recorded"),
}

EARLY = ("triaged", "consent_pending")


@dataclass(frozen=True)
class Implies:
    """``work`` done while the case is in one of ``when`` suggests moving it to ``status``."""

    work: str
    when: tuple[str, ...]
    status: str


# The table (docs/domain.md repeats it; tests/admin/casework/test_suggestions.py is generated from it).
SUGGESTIONS: tuple[Implies, ...] = (
    Implies("assessed_none", (*EARLY, "under_assessment"), "out_of_scope"),
    Implies("assessed_unclear", EARLY, "under_assessment"),
    Implies("assessed_credible", (*EARLY, "under_assessment"), "action_planned"),
    Implies("risk_assessed", EARLY, "under_assessment"),
    Implies("measure_planned", (*EARLY, "under_assessment", "follow_up"), "action_planned"),
    Implies("shared", (*EARLY, "under_assessment", "action_planned", "follow_up"), "action_taken"),
    Implies(
        "measure_sent", (*EARLY, "under_assessment", "action_planned", "follow_up"), "action_taken"
    ),
    Implies(
        "measure_sent_to_state",
        (*EARLY, "under_assessment", "action_planned", "action_taken", "follow_up"),
        "awaiting_state_reply",
    ),
    Implies(
        "state_reply",
        (*EARLY, "under_assessment", "action_planned", "action_taken", "awaiting_state_reply"),
        "follow_up",
    ),
)

# The audit actions the table reads, and the status change that resets it.
WORK_ACTIONS = (
    "assessed",
    "risk_assessed",
    "case_shared",
    "measure_recorded",
    "state_reply_recorded",
)


def work_of(action: str, detail: dict[str, object]) -> str | None:
    """The table's name for an audited piece of work, or None if it implies no status."""
    if action == "assessed":
        return f"assessed_{detail.get('outcome')}"
    if action == "risk_assessed":
        return "risk_assessed"
    if action == "case_shared":
        return "shared"
    if action == "state_reply_recorded":
        return "state_reply"
    if action == "measure_recorded":
        if detail.get("status") == "planned":
            return "measure_planned"
        if detail.get("status") == "sent":
            kind = MEASURE_KINDS_BY_CODE.get(str(detail.get("kind")))
            return "measure_sent_to_state" if kind and kind.to_state else "measure_sent"
    return None


def path(current: str, target: str) -> list[str] | None:
    """The shortest list of moves from ``current`` to ``target`` the lifecycle allows without a
    reason and through open statuses only (``target`` last), or None if there is none."""
    if current == target or current not in lifecycle.OPEN_STATUSES:
        return None
    came_from: dict[str, str] = {}
    queue = deque([current])
    while queue:
        status = queue.popleft()
        for following in sorted(lifecycle.TRANSITIONS.get(status, frozenset())):
            if following in came_from or following == current or following == "closed":
                continue
            came_from[following] = status
            if following == target:
                steps = [following]
                while came_from[steps[-1]] != current:
                    steps.append(came_from[steps[-1]])
                return list(reversed(steps))
            if following in lifecycle.OPEN_STATUSES:
                queue.append(following)
    return None


@dataclass(frozen=True)
class Suggestion:
    status: str
    steps: tuple[str, ...]
    work: str


def suggest(status: str, works: Iterable[str]) -> list[Suggestion]:
    """What ``works`` (oldest first) suggest for a case in ``status``: one per status, the one the
    latest work implies first."""
    found: dict[str, Suggestion] = {}
    for work in reversed(list(works)):
        for row in SUGGESTIONS:
            if row.work != work or status not in row.when or row.status in found:
                continue
            steps = path(status, row.status)
            if steps is not None:
                found[row.status] = Suggestion(row.status, tuple(steps), work)
    return list(found.values())


def works_since_last_status_change(db: Session, case: Case) -> list[str]:
    """The table's names for the work audited on ``case`` since its last status change."""
    entries = db.execute(
        select(AuditEntry.action, AuditEntry.detail)
        .where(
            AuditEntry.case_ref == case.ref,
            AuditEntry.action.in_((*WORK_ACTIONS, "status_changed")),
        )
        .order_by(AuditEntry.seq)
    ).all()
    works: list[str] = []
    for action, detail in entries:
        if action == "status_changed":
            works = []
            continue
        work = work_of(action, details(detail))
        if work is not None:
            works.append(work)
    return works


def suggestions(db: Session, case: Case) -> list[Suggestion]:
    return suggest(case.status, works_since_last_status_change(db, case))
