"""Routing (issue 5): which cases are shared with which further mechanism, what part of them, and
since when (issue 15: share levels and the do-no-harm steps of sharing)."""

from __future__ import annotations

import datetime

from sqlalchemy import Boolean, ColumnElement, Date, ForeignKey, String, and_
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, random_id, today

# What a mechanism receives (docs/domain.md, "Sharing a case"): a summary a focal point wrote (its own
# key, sealed to that mechanism's focal points only: the report stays out), the full case without
# the person's identity (the case key), or the full case with it (the case key and the identity's).
SHARE_PARTS = ("summary", "without_identity", "with_identity")
# proposed -> (approved) -> shared; a share that needs no approval is shared at once.
SHARE_STATUSES = ("proposed", "approved", "shared")


class CaseShare(Base):
    """One sharing of a case with a further mechanism, made with the submitter's consent.

    While ``status`` is "shared" and ``unshared_on`` is None the mechanism is among the case's
    mechanisms and its reviewers hold the stanzas ``part`` promises. The case's original mechanism
    never has a row here, so it cannot be unshared.
    """

    __tablename__ = "case_shares"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    case_ref: Mapped[str] = mapped_column(ForeignKey("cases.ref", ondelete="CASCADE"), index=True)
    mechanism_code: Mapped[str] = mapped_column(ForeignKey("mechanisms.code"))
    shared_on: Mapped[datetime.date] = mapped_column(Date, default=today)
    shared_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    unshared_on: Mapped[datetime.date | None] = mapped_column(Date)
    unshared_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    part: Mapped[str] = mapped_column(
        String(24), default="without_identity", server_default="without_identity"
    )
    # The internal record (internal notes, risk narratives, the risk notes of measures) went too:
    # only when the focal point who shared chose it.
    internal_record: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    status: Mapped[str] = mapped_column(String(16), default="shared", server_default="shared")
    action_risk: Mapped[str | None] = mapped_column(String(16))
    proposed_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_on: Mapped[datetime.date | None] = mapped_column(Date)
    summary_item_id: Mapped[str | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"))

    @classmethod
    def in_force(cls) -> ColumnElement[bool]:
        """The shares that hold now: carried out ("shared") and not undone."""
        return and_(cls.status == "shared", cls.unshared_on.is_(None))
