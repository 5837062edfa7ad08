"""Case work records (issue 5): lifecycle changes, triage, risk assessments, measures and State replies.

Only codes, levels and dates are in the clear. Anything a reviewer writes in words (risk narrative,
measure details, the risk note of an action) is an envelope item of the case, referenced by id.
"""

from __future__ import annotations

import datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from .account import utcnow
from .base import Base, random_id, today


class StatusChange(Base):
    """One accepted lifecycle transition of a case (the audit log has the same fact, hash-chained)."""

    __tablename__ = "status_changes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    case_ref: Mapped[str] = mapped_column(ForeignKey("cases.ref", ondelete="CASCADE"), index=True)
    from_status: Mapped[str] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(24))
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)
    # The order it was made in within its case: moves of one request share a time to the microsecond.
    seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class RiskAssessment(Base):
    """One version of a case's risk assessment; the highest version is current."""

    __tablename__ = "risk_assessments"
    __table_args__ = (UniqueConstraint("case_ref", "version"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    case_ref: Mapped[str] = mapped_column(ForeignKey("cases.ref", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    likelihood: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    next_review: Mapped[datetime.date] = mapped_column(Date, index=True)
    # The envelope item (kind "risk") holding threat source, history, vulnerability and capacities.
    narrative_item_id: Mapped[str | None] = mapped_column(
        ForeignKey("items.id", ondelete="SET NULL")
    )
    assessed_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    assessed_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)


class Measure(Base):
    """A measure taken (or planned) for a case, with its consent and risk-of-action checks."""

    __tablename__ = "measures"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    case_ref: Mapped[str] = mapped_column(ForeignKey("cases.ref", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    # The consent scope the measure needs (named or anonymised variant chosen when planning) and,
    # for "share_with", the mechanism it is shared with.
    consent_scope: Mapped[str] = mapped_column(String(32))
    mechanism_code: Mapped[str | None] = mapped_column(ForeignKey("mechanisms.code"))
    status: Mapped[str] = mapped_column(String(16), default="planned")
    planned_on: Mapped[datetime.date] = mapped_column(Date, default=today)
    # The order it was recorded in within its case (1, 2, ...): same-day measures are listed by it.
    seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sent_on: Mapped[datetime.date | None] = mapped_column(Date)
    channel: Mapped[str | None] = mapped_column(String(24))
    action_risk: Mapped[str | None] = mapped_column(String(16))
    consent_confirmed: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sa_false()
    )
    # State replies: only for measures addressed to the State.
    reply_due: Mapped[datetime.date | None] = mapped_column(Date, index=True)
    reply_grade: Mapped[str | None] = mapped_column(String(1))
    reply_on: Mapped[datetime.date | None] = mapped_column(Date)
    details_item_id: Mapped[str | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"))
    risk_note_item_id: Mapped[str | None] = mapped_column(
        ForeignKey("items.id", ondelete="SET NULL")
    )
    recorded_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    sent_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    # A second focal point (or coordinator) approves named, public or State-facing measures and any
    # measure whose own risk is high or critical, before it may be sent (docs/domain.md, Do no harm).
    approved_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    approved_on: Mapped[datetime.date | None] = mapped_column(Date)
    # A planned measure may be cancelled with a reason (status "cancelled").
    cancelled_on: Mapped[datetime.date | None] = mapped_column(Date)
    cancel_reason: Mapped[str | None] = mapped_column(String(24))
    cancelled_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
