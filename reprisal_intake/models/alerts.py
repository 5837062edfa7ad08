"""Alerts (issue 16): who is on call for a mechanism, and the content-free notifications sent about
new immediate-risk or untriaged cases (admin/alerts/).

Only codes and dates, except ``escalate_after``: the time an unacknowledged alert goes to the
coordinators. It is cleared as soon as the alert is acknowledged or escalated, so what stays says
no more about when a report came in than the case's own date does.
"""

from __future__ import annotations

import datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, random_id, today


class OnCall(Base):
    """One stretch of a focal point's on-call rota for one mechanism, both dates included."""

    __tablename__ = "on_call"
    __table_args__ = (Index("ix_on_call_mechanism_starts", "mechanism_code", "starts"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    mechanism_code: Mapped[str] = mapped_column(ForeignKey("mechanisms.code"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    starts: Mapped[datetime.date] = mapped_column(Date)
    ends: Mapped[datetime.date] = mapped_column(Date)


class Alert(Base):
    """One notification about one case for one mechanism, until someone acknowledges it."""

    __tablename__ = "alerts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    case_ref: Mapped[str] = mapped_column(ForeignKey("cases.ref", ondelete="CASCADE"), index=True)
    mechanism_code: Mapped[str] = mapped_column(ForeignKey("mechanisms.code"))
    # admin.alerts.dispatch.REASONS: "immediate" (a new immediate-risk case) or "untriaged".
    reason: Mapped[str] = mapped_column(String(16))
    # The on-call focal point it went to; None when nobody was on call (it went to the coordinators).
    recipient_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_on: Mapped[datetime.date] = mapped_column(Date, default=today)
    escalate_after: Mapped[datetime.datetime | None] = mapped_column(DateTime, index=True)
    escalated_on: Mapped[datetime.date | None] = mapped_column(Date)
    acknowledged_on: Mapped[datetime.date | None] = mapped_column(Date)
    acknowledged_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
