"""Cases linked to each other (issue 17): a possible duplicate found from the coded facts, or two
cases a focal point linked as one matter. Each link is stored in both directions, so each case finds
the other on an index by its own reference; both cases stay whole and readable."""

from __future__ import annotations

import datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, today

# A possible duplicate, found by admin/cases/duplicates.py when a case's facts are coded.
POSSIBLE_DUPLICATE = "duplicate"
# Two cases a focal point linked as one matter ("merged", keeping both records).
SAME_MATTER = "same_matter"
LINK_KINDS = (POSSIBLE_DUPLICATE, SAME_MATTER)


class CaseLink(Base):
    __tablename__ = "case_links"
    __table_args__ = (Index("ix_case_links_other_ref", "other_ref"),)

    case_ref: Mapped[str] = mapped_column(
        ForeignKey("cases.ref", ondelete="CASCADE"), primary_key=True
    )
    other_ref: Mapped[str] = mapped_column(
        ForeignKey("cases.ref", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    linked_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    linked_on: Mapped[datetime.date] = mapped_column(Date, default=today)
