"""Retention of closed cases: a case goes, for good, once it has been closed for longer than the
retention period of every mechanism it is routed to. A mechanism without a period keeps its cases.

Deleting a case deletes every row that names it (its envelopes and their pieces, access stanzas, lookup
tag, consents, case work and sharing records), except the audit log, which keeps only the reference.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from reprisal_intake.models import AuditEntry, Base, Case, EnvelopeChunk, Item


@dataclass(frozen=True)
class PurgeCandidate:
    ref: str
    closed_on: datetime.date
    mechanisms: tuple[str, ...]
    # The first day on which every mechanism's period has run out.
    due_since: datetime.date


def due_date(case: Case) -> datetime.date | None:
    """The day after which ``case`` may be purged, or None while it is kept."""
    if case.closed_on is None or case.status != "closed" or not case.mechanisms:
        return None
    periods = [m.retention_days for m in case.mechanisms]
    if any(days is None for days in periods):
        return None
    return case.closed_on + datetime.timedelta(days=max(d for d in periods if d is not None))


def purge_candidates(db: Session, on: datetime.date) -> list[PurgeCandidate]:
    """The closed cases whose every mechanism's retention period ended before ``on``."""
    found = []
    closed = select(Case).where(Case.closed_on.is_not(None)).order_by(Case.closed_on, Case.ref)
    for case in db.scalars(closed):
        due = due_date(case)
        if due is not None and due < on:
            found.append(
                PurgeCandidate(
                    case.ref, case.closed_on or due, tuple(m.code for m in case.mechanisms), due
                )
            )
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
