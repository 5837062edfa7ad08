"""The data model shared by the intake and the admin app."""

# Imported for their tables; use their names from the modules themselves.
from . import alerts, annual_report, casework, links, sharing, statistics  # noqa: F401
from .account import ROLES, User, WebAuthnCredential, user_mechanisms, utcnow
from .audit import AuditEntry, AuditHead, AuditInboxEvent
from .base import Base, random_id, today
from .case import (
    AccessStanza,
    Case,
    Consent,
    EnvelopeChunk,
    Item,
    ItemAccess,
    SubmitterTag,
    case_mechanisms,
    new_case_ref,
)
from .mechanism import Mechanism
from .reviewer import ReaderRevocation, Reviewer, reviewer_mechanisms
from .session import AdminSession
from .upload import Upload, UploadPart

__all__ = [
    "ROLES",
    "AccessStanza",
    "AdminSession",
    "AuditEntry",
    "AuditHead",
    "AuditInboxEvent",
    "Base",
    "Case",
    "Consent",
    "EnvelopeChunk",
    "Item",
    "ItemAccess",
    "Mechanism",
    "ReaderRevocation",
    "Reviewer",
    "SubmitterTag",
    "Upload",
    "UploadPart",
    "User",
    "WebAuthnCredential",
    "case_mechanisms",
    "new_case_ref",
    "random_id",
    "reviewer_mechanisms",
    "today",
    "user_mechanisms",
    "utcnow",
]
