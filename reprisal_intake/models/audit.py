from __future__ import annotations

import datetime

from sqlalchemy import CheckConstraint, Date, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, random_id, today


class AuditEntry(Base):
    """One action, chained to the previous one by a MAC under a key the database does not hold
    (append-only; admin.audit.log). ``hash`` holds the MAC."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime.datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48), index=True)
    case_ref: Mapped[str | None] = mapped_column(String(24), index=True)
    # Canonical JSON of non-secret details (an item id, a role list); never case content.
    detail: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The single row that names the chain's last entry; appends lock it, so they are serialized, and
    a deleted tail entry shows as a mismatch with it."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class AuditInboxEvent(Base):
    """A content-free event the intake leaves for the audit log (it holds no audit key): which case,
    what kind, the date. The admin side chains it and deletes it (admin.audit.log)."""

    __tablename__ = "audit_inbox"
    __table_args__ = (CheckConstraint("action IN ('consent_changed')", name="submitter_action"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    case_ref: Mapped[str] = mapped_column(String(24))
    action: Mapped[str] = mapped_column(String(48))
    recorded: Mapped[datetime.date] = mapped_column(Date, default=today)
