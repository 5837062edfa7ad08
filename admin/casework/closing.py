"""Closing warns: what a case would leave open if closed now (measures still planned, and among them
those awaiting a second person's approval, and a next review date). The focal point resolves them
(cancels each measure with a reason) or closes anyway with an explicit acknowledgement, which the
status change's audit entry keeps."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.casework.consent_gate import measure_variant, needs_approval
from admin.vocabulary import MEASURE_KINDS_BY_CODE
from reprisal_intake.models import Case
from reprisal_intake.models.casework import Measure


@dataclass
class LeftOpen:
    planned: list[Measure] = field(default_factory=list)
    awaiting_approval: list[Measure] = field(default_factory=list)
    next_review: datetime.date | None = None

    def __bool__(self) -> bool:
        return bool(self.planned or self.next_review)

    def acknowledged(self) -> dict[str, object]:
        """What the focal point acknowledged by closing anyway, for the audit entry."""
        return {
            "closed_anyway": {
                "planned": [m.id for m in self.planned],
                "awaiting_approval": [m.id for m in self.awaiting_approval],
                "next_review": self.next_review.isoformat() if self.next_review else None,
            }
        }


def left_open(db: Session, case: Case) -> LeftOpen:
    """What closing ``case`` now would leave open (planned measures include blocked ones)."""
    planned = list(
        db.scalars(
            select(Measure)
            .where(Measure.case_ref == case.ref, Measure.status == "planned")
            .order_by(Measure.planned_on, Measure.seq, Measure.id)
        )
    )
    awaiting = [
        m
        for m in planned
        if m.approved_by is None
        and (kind := MEASURE_KINDS_BY_CODE.get(m.kind)) is not None
        and needs_approval(kind, measure_variant(m), m.action_risk)
    ]
    return LeftOpen(planned, awaiting, case.next_review)
