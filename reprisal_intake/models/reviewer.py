from __future__ import annotations

import datetime

from sqlalchemy import Boolean, Column, Date, ForeignKey, LargeBinary, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, random_id, today
from .mechanism import Mechanism

reviewer_mechanisms = Table(
    "reviewer_mechanisms",
    Base.metadata,
    Column("reviewer_id", ForeignKey("reviewers.id", ondelete="CASCADE"), primary_key=True),
    Column("mechanism_code", ForeignKey("mechanisms.code"), primary_key=True, index=True),
)


class Reviewer(Base):
    """A focal point's key: the X25519 public key that case keys are sealed to.

    Only the public half reaches the server for an offline reviewer. A key made in the admin app also
    keeps its secret half, wrapped under the reviewer's passphrase (the spec's key-file object as JSON
    text). An escrow key belongs to no account: it is sealed every new case, for recovery offline.
    """

    __tablename__ = "reviewers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created: Mapped[datetime.date] = mapped_column(Date, default=today)
    user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    wrapped_secret_key: Mapped[str | None] = mapped_column(Text)
    escrow: Mapped[bool] = mapped_column(Boolean, default=False)
    # The reader record signed by the organisation key (docs/spec/reader-record-v1.md), as the
    # record file's text. Without a valid one the key is stored but never sealed to.
    record: Mapped[str | None] = mapped_column(Text)

    mechanisms: Mapped[list[Mechanism]] = relationship(
        secondary=reviewer_mechanisms, order_by=Mechanism.position
    )


class ReaderRevocation(Base):
    """A signed revocation (reader-record spec section 3.2): its key never receives a stanza again."""

    __tablename__ = "reader_revocations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    public_key: Mapped[bytes] = mapped_column(LargeBinary, index=True)
    record: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime.date] = mapped_column(Date, default=today)
