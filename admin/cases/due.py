"""Keeps each case's next action due (``cases.next_due``, reprisal_intake/next_due.py) current.

Every admin session notes, as it flushes, the cases whose deadlines may have moved: a case whose
status, urgency, risk review date, closing date or mechanisms changed, a case with a measure or a State
reply added or changed, a risk assessment added, and the closed cases of a mechanism whose retention
period changed. Just before the session commits, those cases' next action due is computed again from
the stored dates and written in the same transaction. So no service has to remember to call anything,
and the case list reads one indexed column.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from admin.cases.retention import retention_end
from reprisal_intake.models import Case, Mechanism, case_mechanisms
from reprisal_intake.models.annual_report import StateReply
from reprisal_intake.models.casework import Measure, RiskAssessment
from reprisal_intake.next_due import next_action_due

_CASES = "next_due_cases"
_MECHANISMS = "next_due_mechanisms"
_CASE_FIELDS = ("status", "urgency", "created", "next_review", "closed_on", "mechanisms")


def init_app(sessions: sessionmaker[Session]) -> None:
    from sqlalchemy import event

    event.listen(sessions, "before_flush", _note_changes)
    event.listen(sessions, "before_commit", _refresh_before_commit)
    event.listen(sessions, "after_rollback", _forget)


def _note_changes(session: Session, _context: Any, _instances: Any) -> None:
    refs: set[str] = session.info.setdefault(_CASES, set())
    codes: set[str] = session.info.setdefault(_MECHANISMS, set())
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Case):
            state = inspect(obj)
            if state.pending or any(state.attrs[f].history.has_changes() for f in _CASE_FIELDS):
                refs.add(obj.ref)
        elif isinstance(obj, (Measure, StateReply, RiskAssessment)):
            refs.add(obj.case_ref)
        elif isinstance(obj, Mechanism) and inspect(obj).attrs.retention_days.history.has_changes():
            codes.add(obj.code)
    for obj in session.deleted:
        if isinstance(obj, (Measure, StateReply, RiskAssessment)):
            refs.add(obj.case_ref)


def _refresh_before_commit(session: Session) -> None:
    if not session.info.get(_CASES) and not session.info.get(_MECHANISMS):
        return
    session.flush()
    refs: set[str] = session.info.pop(_CASES, set())
    codes: set[str] = session.info.pop(_MECHANISMS, set())
    if codes:
        refs.update(
            session.scalars(
                select(Case.ref)
                .join(case_mechanisms, case_mechanisms.c.case_ref == Case.ref)
                .where(case_mechanisms.c.mechanism_code.in_(codes), Case.status == "closed")
            )
        )
    refresh(session, refs)


def _forget(session: Session) -> None:
    session.info.pop(_CASES, None)
    session.info.pop(_MECHANISMS, None)


def refresh(db: Session, refs: Iterable[str]) -> None:
    """Compute the next action due of ``refs`` from their stored dates and set it where it moved."""
    refs = sorted(set(refs))
    for start in range(0, len(refs), 500):
        _refresh_batch(db, refs[start : start + 500])


def _refresh_batch(db: Session, refs: list[str]) -> None:
    cases = list(db.scalars(select(Case).where(Case.ref.in_(refs))))
    if not cases:
        return
    awaited: dict[str, datetime.date | None] = {
        ref: day
        for ref, day in db.execute(
            select(Measure.case_ref, func.min(Measure.reply_due))
            .where(
                Measure.case_ref.in_(refs),
                Measure.status == "sent",
                Measure.reply_grade.is_(None),
                Measure.reply_due.is_not(None),
            )
            .group_by(Measure.case_ref)
        )
    }
    closed = [c.ref for c in cases if c.status == "closed" and c.closed_on is not None]
    periods: dict[str, list[int | None]] = {ref: [] for ref in closed}
    if closed:
        for ref, days in db.execute(
            select(case_mechanisms.c.case_ref, Mechanism.retention_days)
            .join(Mechanism, Mechanism.code == case_mechanisms.c.mechanism_code)
            .where(case_mechanisms.c.case_ref.in_(closed))
        ):
            periods[ref].append(days)
    with db.no_autoflush:
        for case in cases:
            retention = (
                retention_end(case.closed_on, periods[case.ref])
                if case.closed_on is not None and case.ref in periods
                else None
            )
            day, reason = next_action_due(
                status=case.status,
                urgency=case.urgency,
                created=case.created,
                next_review=case.next_review,
                reply_due=awaited.get(case.ref),
                retention_due=retention,
            )
            if (case.next_due, case.next_due_reason) != (day, reason):
                case.next_due, case.next_due_reason = day, reason
