from __future__ import annotations

import datetime

from sqlalchemy import DateTime, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .account import utcnow
from .base import Base


class AdminSession(Base):
    """A server-side sign-in session of the admin app.

    The row is found by the SHA-256 of a random token that only the browser's cookie holds, so a copy
    of the database cannot be replayed as a session. An unlocked reviewer secret key is kept here only
    as SecretBox ciphertext under a second random key that, too, only the cookie holds.
    """

    __tablename__ = "admin_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the cookie token
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # "second_factor" (password checked), "enrol" (invited, TOTP not yet set up) or "full".
    stage: Mapped[str] = mapped_column(String(16))
    created: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)
    # A pending WebAuthn challenge (registration or assertion), used once.
    challenge: Mapped[bytes | None] = mapped_column(LargeBinary(64))
    # TOTP secret offered during enrolment, until the first code confirms it.
    pending_totp_secret: Mapped[str | None] = mapped_column(String(160))  # sealed, as totp_secret
    unlocked_reviewer_id: Mapped[str | None] = mapped_column(
        ForeignKey("reviewers.id", ondelete="SET NULL")
    )
    sealed_secret_key: Mapped[bytes | None] = mapped_column(LargeBinary(72))
