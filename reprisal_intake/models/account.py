"""Reviewer-app accounts: focal points, coordinators, administrators and auditors.

No submitter is ever an account. Reviewers' timestamps are full date and time (they are staff, not
people at risk); a submitter's never are.
"""

from __future__ import annotations

import datetime

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, random_id
from .mechanism import Mechanism

ROLES = ("focal_point", "coordinator", "administrator", "auditor")


def utcnow() -> datetime.datetime:
    """Naive UTC: SQLite keeps no time zone, so every stored time is UTC by convention."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


user_mechanisms = Table(
    "user_mechanisms",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("mechanism_code", ForeignKey("mechanisms.code"), primary_key=True),
)


class User(Base):
    """A person who signs in to the admin app. Created by invitation; sets their own password."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    # Space-separated subset of ROLES.
    roles: Mapped[str] = mapped_column(String(128), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    # The last TOTP time step accepted: a code of that step or earlier is refused (no replay).
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # Newline-separated argon2 hashes of unused recovery codes.
    recovery_code_hashes: Mapped[str] = mapped_column(Text, default="")
    invitation_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invitation_expires: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)
    # The admin app's language for this account (admin/i18n.py LANGUAGES); None: the browser's.
    language: Mapped[str | None] = mapped_column(String(8))
    # Where alerts reach this person (admin/alerts/): an e-mail address, or what the command hook
    # takes. Alerts carry no case content, so this may be an ordinary mailbox or pager.
    alert_address: Mapped[str | None] = mapped_column(String(254))

    # Mechanisms an administrator assigned; a key made in the app is routed these mechanisms' cases.
    assigned_mechanisms: Mapped[list[Mechanism]] = relationship(
        secondary=user_mechanisms, order_by=Mechanism.position
    )
    credentials: Mapped[list[WebAuthnCredential]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="WebAuthnCredential.created"
    )

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(self.roles.split())

    def has_role(self, role: str) -> bool:
        return role in self.role_set


class WebAuthnCredential(Base):
    """A security key registered by a user (WebAuthn, ES256 or EdDSA public key in COSE form)."""

    __tablename__ = "webauthn_credentials"

    id: Mapped[bytes] = mapped_column(LargeBinary(1024), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(64))
    created: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)
    last_used: Mapped[datetime.datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship(back_populates="credentials")
