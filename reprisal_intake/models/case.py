from __future__ import annotations

import datetime
import secrets

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, random_id, today
from .mechanism import Mechanism
from .reviewer import Reviewer

# Crockford's base32 alphabet: no I, L, O or U, so a reference read aloud is not misheard.
REF_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_case_ref() -> str:
    """A random case reference (80 bits) such as ``7KQX-M2PD-9TAR-4HFE``: no name, no country."""
    symbols = "".join(secrets.choice(REF_ALPHABET) for _ in range(16))
    return "-".join(symbols[i : i + 4] for i in range(0, 16, 4))


case_mechanisms = Table(
    "case_mechanisms",
    Base.metadata,
    Column("case_ref", ForeignKey("cases.ref", ondelete="CASCADE"), primary_key=True),
    Column("mechanism_code", ForeignKey("mechanisms.code"), primary_key=True, index=True),
)


class Case(Base):
    """A reported reprisal. Only routing fields are in the clear; the report is in its items."""

    __tablename__ = "cases"
    # The case list pages newest first by (created, ref) with a keyset, never an OFFSET scan.
    # Open immediate-risk cases head the list, oldest first: (urgency, created, ref) serves that queue.
    __table_args__ = (
        Index("ix_cases_created_ref", "created", "ref"),
        Index("ix_cases_urgency_created_ref", "urgency", "created", "ref"),
        # The inbox (admin/cases/listing.py): "mine", unassigned or a person's cases, newest first;
        # and the cases ordered by their next action due (overdue, due this week).
        Index("ix_cases_owner_created_ref", "owner_id", "created", "ref"),
        Index("ix_cases_next_due_ref", "next_due", "ref"),
    )

    ref: Mapped[str] = mapped_column(String(24), primary_key=True, default=new_case_ref)
    # The case's and the submitter's public keys, of the case's suite: 32 bytes (X25519) or 1216
    # (X-Wing, docs/spec/rptenv-v2.md). The declared length is not enforced: BYTEA on PostgreSQL,
    # BLOB on SQLite (both hold either size; the schema of 0001 stays as it is).
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    submitter_public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    created: Mapped[datetime.date] = mapped_column(Date, default=today, index=True)
    status: Mapped[str] = mapped_column(String(32), default="received", index=True)
    urgency: Mapped[str | None] = mapped_column(String(16), index=True)
    in_detention: Mapped[str | None] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(16), default="en")
    # How many items the case has had; the next item's seq. See reprisal_intake.items.
    item_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Lifecycle (admin/casework/lifecycle.py). Codes only; the why of a decision is in audited case work.
    closed_on: Mapped[datetime.date | None] = mapped_column(Date, index=True)
    closed_reason: Mapped[str | None] = mapped_column(String(24))
    hold_reason: Mapped[str | None] = mapped_column(String(24))
    status_before_hold: Mapped[str | None] = mapped_column(String(32))
    next_review: Mapped[datetime.date | None] = mapped_column(Date, index=True)
    # Reviewer times (never a submitter's): when immediate risk was flagged at triage and when a
    # reviewer last acted on the case, for the 24-hour rule.
    immediate_since: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    last_action_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    # The reviewer who answers for the case (admin/alerts/): set when an alert is acknowledged or
    # someone takes the case.
    owner_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # The next action due (reprisal_intake/next_due.py, docs/domain.md "Next action due"): the
    # earliest of the case's deadlines, and which one it is. Kept up to date by whoever changes one
    # of those dates (the intake when it creates the case, admin/cases/due.py on every admin commit),
    # so the case list filters and orders on an index.
    next_due: Mapped[datetime.date | None] = mapped_column(Date)
    next_due_reason: Mapped[str | None] = mapped_column(String(16))

    mechanisms: Mapped[list[Mechanism]] = relationship(
        secondary=case_mechanisms, order_by=Mechanism.position
    )
    access: Mapped[list[AccessStanza]] = relationship(
        back_populates="case", cascade="all, delete-orphan"
    )
    items: Mapped[list[Item]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Item.seq"
    )
    consents: Mapped[list[Consent]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Consent.version"
    )


class AccessStanza(Base):
    """The case secret key sealed to one reviewer's public key (RPTENV spec §1)."""

    __tablename__ = "access_stanzas"
    __table_args__ = (UniqueConstraint("case_ref", "reviewer_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    case_ref: Mapped[str] = mapped_column(ForeignKey("cases.ref", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[str] = mapped_column(ForeignKey("reviewers.id"), index=True)
    sealed_case_key: Mapped[bytes] = mapped_column(LargeBinary(80))
    created: Mapped[datetime.date] = mapped_column(Date, default=today)

    case: Mapped[Case] = relationship(back_populates="access")
    reviewer: Mapped[Reviewer] = relationship()


class Item(Base):
    """One envelope of a case: the report, an attachment, a follow-up, a reply or a note."""

    __tablename__ = "items"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    case_ref: Mapped[str] = mapped_column(ForeignKey("cases.ref", ondelete="CASCADE"), index=True)
    # Order within the case. Random ids cannot give it and dates are too coarse.
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    # True when the envelope has a stanza for the submitter key: replies and the submitter's own
    # follow-ups and files. The intake's database role may read back only these.
    submitter_readable: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sa_false()
    )
    created: Mapped[datetime.date] = mapped_column(Date, default=today)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))

    case: Mapped[Case] = relationship(back_populates="items")

    __table_args__ = (UniqueConstraint("case_ref", "seq"),)


class ItemAccess(Base):
    """The key of an item sealed to its own key pair (kind "identity": the person's names and
    contact details), sealed to one reviewer: only the reviewers with such a stanza read that item,
    whoever else holds the case key (docs/spec/rptenv-v1-identity.md)."""

    __tablename__ = "item_access"
    __table_args__ = (UniqueConstraint("item_id", "reviewer_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    case_ref: Mapped[str] = mapped_column(ForeignKey("cases.ref", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[str] = mapped_column(ForeignKey("reviewers.id"), index=True)
    sealed_item_key: Mapped[bytes] = mapped_column(LargeBinary(80))
    created: Mapped[datetime.date] = mapped_column(Date, default=today)


class EnvelopeChunk(Base):
    """Envelope bytes, stored in pieces so that large attachments stream in and out of the database."""

    __tablename__ = "envelope_chunks"

    # Deferred: pieces are written before their item's row (see reprisal_intake.envelopes).
    item_id: Mapped[str] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE", deferrable=True, initially="DEFERRED"),
        primary_key=True,
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class SubmitterTag(Base):
    """The lookup tag derived from a codename (docs/codename-v1.md); the codename is never stored."""

    __tablename__ = "submitter_tags"

    tag: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    case_ref: Mapped[str] = mapped_column(ForeignKey("cases.ref", ondelete="CASCADE"), unique=True)


class Consent(Base):
    """One recorded state of one consent scope; the latest row per scope is in force.

    The id is random; ``version`` orders the rows of one case only (0, 1, ...), so nothing orders
    the consents of different cases against each other."""

    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("case_ref", "version", name="uq_consents_case_ref_version"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    case_ref: Mapped[str] = mapped_column(ForeignKey("cases.ref", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(String(32))
    mechanism_code: Mapped[str | None] = mapped_column(ForeignKey("mechanisms.code"))
    state: Mapped[str] = mapped_column(String(16))
    given_by: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(16))
    recorded: Mapped[datetime.date] = mapped_column(Date, default=today)
    # The version of the wording the person was shown (reprisal_intake.consent_wording); None for
    # rows recorded before wording was versioned.
    wording: Mapped[str | None] = mapped_column(String(16))

    case: Mapped[Case] = relationship(back_populates="consents")
