"""Statistics coding (issue 7): the de-identified facts of a case that the dashboard counts.

Reports are encrypted, so the dashboard cannot read them. A focal point codes each case's facts here,
as codes and counts only (never words): the State held responsible, who was targeted, how many, the
acts and perpetrators. Gender and age band are coded only when the case's statistics consent allows.
"""

from __future__ import annotations

import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column

from .account import utcnow
from .base import Base


class CaseStatistics(Base):
    """One case's coded facts; replaced as a whole each time the case is coded again."""

    __tablename__ = "case_statistics"

    case_ref: Mapped[str] = mapped_column(
        ForeignKey("cases.ref", ondelete="CASCADE"), primary_key=True
    )
    # ISO 3166-1 alpha-2 (reprisal_intake.countries).
    state: Mapped[str | None] = mapped_column(String(2), index=True)
    victim_type: Mapped[str | None] = mapped_column(String(16))
    individuals: Mapped[int] = mapped_column(Integer, default=0)
    organisations: Mapped[int] = mapped_column(Integer, default=0)
    women_girls: Mapped[int] = mapped_column(Integer, default=0)
    gender: Mapped[str | None] = mapped_column(String(16))
    age_band: Mapped[str | None] = mapped_column(String(16))
    anonymity_requested: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sa_false()
    )
    setting: Mapped[str | None] = mapped_column(String(8))
    # Space-separated codes of reprisal_intake.domain.ACTS and PERPETRATORS.
    acts: Mapped[str] = mapped_column(String(512), default="")
    perpetrators: Mapped[str] = mapped_column(String(256), default="")
    # False for a coding proposed from the report when a focal point opened the case, until a focal
    # point confirms it (the statistics count it, and count it as unconfirmed).
    confirmed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    coded_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    coded_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def act_codes(self) -> list[str]:
        return self.acts.split()

    @property
    def perpetrator_codes(self) -> list[str]:
        return self.perpetrators.split()
