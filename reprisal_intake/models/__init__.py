"""The data model shared by the intake and the admin app."""

from .base import Base, random_id, today
from .case import (
    AccessStanza,
    Case,
    Consent,
    EnvelopeChunk,
    Item,
    SubmitterTag,
    case_mechanisms,
    new_case_ref,
)
from .mechanism import Mechanism
from .reviewer import Reviewer, reviewer_mechanisms

__all__ = [
    "AccessStanza",
    "Base",
    "Case",
    "Consent",
    "EnvelopeChunk",
    "Item",
    "Mechanism",
    "Reviewer",
    "SubmitterTag",
    "case_mechanisms",
    "new_case_ref",
    "random_id",
    "reviewer_mechanisms",
    "today",
]
