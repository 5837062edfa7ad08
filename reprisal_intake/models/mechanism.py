from __future__ import annotations

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Mechanism(Base):
    """A human rights mechanism that cases are routed to, by its code (docs/domain.md)."""

    __tablename__ = "mechanisms"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    group: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer, default=0)
    accepts_reports: Mapped[bool] = mapped_column(Boolean, default=True)
    # Days a closed case is kept before `reprisal-admin purge --yes` deletes it; None keeps it.
    retention_days: Mapped[int | None] = mapped_column(Integer)
