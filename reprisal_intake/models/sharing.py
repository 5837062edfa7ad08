"""Routing (issue 5): which cases are shared with which further mechanism, and since when."""

from __future__ import annotations

import datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, random_id, today


class CaseShare(Base):
    """One sharing of a case with a further mechanism, made with the submitter's consent.

    While ``unshared_on`` is None the mechanism is among the case's mechanisms and its reviewers hold
    access stanzas. The case's original mechanism never has a row here, so it cannot be unshared.
    """

    __tablename__ = "case_shares"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    case_ref: Mapped[str] = mapped_column(ForeignKey("cases.ref", ondelete="CASCADE"), index=True)
    mechanism_code: Mapped[str] = mapped_column(ForeignKey("mechanisms.code"))
    shared_on: Mapped[datetime.date] = mapped_column(Date, default=today)
    shared_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    unshared_on: Mapped[datetime.date | None] = mapped_column(Date)
    unshared_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
