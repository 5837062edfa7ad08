"""Two-way contact: replies to the submitter (sealed to the submitter key too) and internal notes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy.orm import Session

from reprisal_intake.models import Case, User

bp = Blueprint("contact", __name__)


def case_panel(db: Session, user: User, case: Case, case_key: Any) -> dict[str, Any]:
    """Context for this area's part of the case page (``case_key`` is None when locked)."""
    return {}
