"""Retention of closed cases: a case goes, for good, once it has been closed for longer than the
retention period of every mechanism it is routed to. A mechanism without a period keeps its cases. A
period of 0 days lets a case closed today go today (a same-day trial of the purge).

Cases nobody closes are not kept silently for ever: a case still open (never triaged, or never
closed) with no reviewer action for ``review_days`` days, and a case whose person withdrew "keep and
assess", are listed for a deletion review (closing them starts their retention).

Deleting a case deletes every row that names it (its envelopes and their pieces, access stanzas, lookup
tag, consents, case work and sharing records), except the audit log, which keeps only the reference.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import Engine, Table, delete, select
from sqlalchemy.orm import Session

from reprisal_intake.consents import current_consents
from reprisal_intake.models import AuditEntry, Base, Case, EnvelopeChunk, Item


@dataclass(frozen=True)
class PurgeCandidate:
    ref: str
    closed_on: datetime.date
    mechanisms: tuple[str, ...]
    # The first day on which every mechanism's period has run out.
    due_since: datetime.date


def due_date(case: Case) -> datetime.date | None:
    """The first day on which ``case`` may be purged, or None while it is kept."""
    if case.closed_on is None or case.status != "closed" or not case.mechanisms:
        return None
    return retention_end(case.closed_on, [m.retention_days for m in case.mechanisms])


def retention_end(closed_on: datetime.date, periods: list[int | None]) -> datetime.date | None:
    """The first day a case closed on ``closed_on`` may be purged, given its mechanisms' periods
    (None: a mechanism keeps its cases)."""
    if not periods or any(days is None for days in periods):
        return None
    longest = max(d for d in periods if d is not None)
    # Kept N days after closing: it goes the day after the Nth; with 0 days, the day it was closed.
    return closed_on + datetime.timedelta(days=longest + (1 if longest else 0))


def purge_candidates(db: Session, on: datetime.date) -> list[PurgeCandidate]:
    """The closed cases whose every mechanism's retention period has run out on ``on``."""
    found = []
    closed = select(Case).where(Case.closed_on.is_not(None)).order_by(Case.closed_on, Case.ref)
    for case in db.scalars(closed):
        due = due_date(case)
        if due is not None and due <= on:
            found.append(
                PurgeCandidate(
                    case.ref, case.closed_on or due, tuple(m.code for m in case.mechanisms), due
                )
            )
    return found


@dataclass(frozen=True)
class NothingDue:
    """Why no closed case is due, as counts: kept by a mechanism without a period, within their
    period (and the first day one becomes due), and cases not closed at all."""

    kept: int
    kept_by: tuple[str, ...]
    waiting: int
    next_due: datetime.date | None
    not_closed: int


def nothing_due(db: Session) -> NothingDue:
    kept = waiting = not_closed = 0
    kept_by: set[str] = set()
    next_due: datetime.date | None = None
    for case in db.scalars(select(Case)):
        if case.status != "closed":
            not_closed += 1
            continue
        due = due_date(case)
        if due is None:
            kept += 1
            kept_by.update(m.code for m in case.mechanisms if m.retention_days is None)
            continue
        waiting += 1
        next_due = due if next_due is None else min(next_due, due)
    return NothingDue(kept, tuple(sorted(kept_by)), waiting, next_due, not_closed)


@dataclass(frozen=True)
class ReviewCandidate:
    ref: str
    status: str
    created: datetime.date
    # "stale": open, no reviewer action for the review period; "withdrawn": the person withdrew
    # "keep and assess".
    why: str


def review_candidates(db: Session, on: datetime.date, review_days: int) -> list[ReviewCandidate]:
    """Open cases to review for deletion (see the module's docstring), oldest first."""
    limit = on - datetime.timedelta(days=review_days)
    found = []
    for case in db.scalars(
        select(Case).where(Case.status != "closed").order_by(Case.created, Case.ref)
    ):
        latest = current_consents(case.consents).get(("store_assess", None))
        if latest is not None and latest.state == "withdrawn":
            found.append(ReviewCandidate(case.ref, case.status, case.created, "withdrawn"))
            continue
        last = case.last_action_at.date() if case.last_action_at else case.created
        if case.created <= limit and last <= limit:
            found.append(ReviewCandidate(case.ref, case.status, case.created, "stale"))
    return found


def _case_tables() -> list[Table]:
    """Every table with a row per case, children before parents, never the audit log."""
    audit_table = AuditEntry.__table__
    return [
        table
        for table in reversed(Base.metadata.sorted_tables)
        if "case_ref" in table.c and table is not audit_table
    ]


def purge_case(db: Session, ref: str) -> None:
    """Delete the case and every row that belongs to it, in this transaction."""
    db.flush()
    item_ids = select(Item.id).where(Item.case_ref == ref).scalar_subquery()
    db.execute(delete(EnvelopeChunk).where(EnvelopeChunk.item_id.in_(item_ids)))
    for table in _case_tables():
        db.execute(delete(table).where(table.c.case_ref == ref))
    db.execute(delete(Case).where(Case.ref == ref))
    stale = db.get(Case, ref)
    if stale is not None:
        db.expunge(stale)


def compact(engine: Engine) -> str:
    """After a purge: on SQLite (which runs with ``secure_delete``, so freed pages are zeroed),
    VACUUM rewrites the file without the free pages and the write-ahead log is checkpointed and
    truncated, so no deleted envelope piece is left in either. PostgreSQL has no such switch: see
    docs/design.md, Retention, for what the administrator runs there. Returns what was done."""
    if engine.dialect.name != "sqlite":
        return "not compacted (PostgreSQL: see docs/design.md, Retention)"
    # Straight on the driver's connection: SQLAlchemy would open a transaction, and VACUUM runs
    # outside one (the connection is in autocommit mode: see reprisal_intake.db).
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("VACUUM")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
    finally:
        raw.close()
    return "compacted (SQLite VACUUM, write-ahead log truncated)"
