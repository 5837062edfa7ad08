"""The case page's panels: each area (case work, sharing, contact, statistics) registers a function
that adds its part to the page's template context (admin/templates/admin/case/_<area>.html), so the
case page needs to know none of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from crypto.keys import CaseKey
from reprisal_intake.models import Case, User

Panel = Callable[[Session, User, Case, CaseKey | None], dict[str, Any]]

_registered: list[Panel] = []


def case_panel(panel: Panel) -> Panel:
    """Decorator: add ``panel`` to every case page (once, however often its module is imported)."""
    if panel not in _registered:
        _registered.append(panel)
    return panel


def panel_context(db: Session, user: User, case: Case, case_key: CaseKey | None) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for panel in _registered:
        context.update(panel(db, user, case, case_key))
    return context
