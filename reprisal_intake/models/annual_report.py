"""Assessment and the Secretary-General's annual report on reprisals (issue 16): whether a case is a
reprisal linked to cooperation, its place in a report (period, document symbol, paragraph), and what
the State replied. Codes, dates and references only; a State reply's text and file are envelope items
of the case, sealed like every other case content."""

from __future__ import annotations

import datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, random_id, today


class Assessment(Base):
    """One assessment of a case; the latest (by ``seq``) is in force."""

    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("case_ref", "seq"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    case_ref: Mapped[str] = mapped_column(ForeignKey("cases.ref", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    # admin.vocabulary.ASSESSMENT_OUTCOMES: credible, unclear, none.
    outcome: Mapped[str] = mapped_column(String(16))
    assessed_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assessed_on: Mapped[datetime.date] = mapped_column(Date, default=today)


class ReportInclusion(Base):
    """A case in one reporting period of the Secretary-General's report (one row per period)."""

    __tablename__ = "report_inclusions"
    __table_args__ = (UniqueConstraint("case_ref", "period"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    case_ref: Mapped[str] = mapped_column(ForeignKey("cases.ref", ondelete="CASCADE"), index=True)
    # admin.annual_report.periods: "2025-2026" is 1 May 2025 to 30 April 2026.
    period: Mapped[str] = mapped_column(String(9), index=True)
    # admin.vocabulary.INCLUSION_STATUSES: proposed, included, withheld (for protection).
    status: Mapped[str] = mapped_column(String(16))
    document_symbol: Mapped[str | None] = mapped_column(String(32))
    paragraph: Mapped[str | None] = mapped_column(String(32))
    # A follow-up of the case's place in an earlier report: that row, or (from before this service)
    # the earlier document symbol and paragraph as written.
    follows_up_id: Mapped[str | None] = mapped_column(
        ForeignKey("report_inclusions.id", ondelete="SET NULL")
    )
    follows_up_reference: Mapped[str | None] = mapped_column(String(64))
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_on: Mapped[datetime.date] = mapped_column(Date, default=today)


class StateReply(Base):
    """What a State replied about a case, asked for (``measure_id``) or not."""

    __tablename__ = "state_replies"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    case_ref: Mapped[str] = mapped_column(ForeignKey("cases.ref", ondelete="CASCADE"), index=True)
    measure_id: Mapped[str | None] = mapped_column(ForeignKey("measures.id", ondelete="SET NULL"))
    received_on: Mapped[datetime.date] = mapped_column(Date)
    # The order it was recorded in within its case (1, 2, ...): same-day replies are listed by it.
    seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # admin.vocabulary.REPLY_GRADES, A to E (E: contrary to the recommendation).
    grade: Mapped[str] = mapped_column(String(1))
    text_item_id: Mapped[str | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"))
    file_item_id: Mapped[str | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"))
    recorded_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_on: Mapped[datetime.date] = mapped_column(Date, default=today)
