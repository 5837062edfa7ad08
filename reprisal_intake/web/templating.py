"""Template helpers: dates per locale and labels for stored codes."""

from __future__ import annotations

import datetime

from flask import Flask
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from .. import domain

STATUS_LABELS = {
    "received": _l("Received"),
    "triaged": _l("Being looked at"),
    "consent_pending": _l("Waiting for your consent"),
    "under_assessment": _l("Being assessed"),
    "action_planned": _l("Action planned"),
    "action_taken": _l("Action taken"),
    "awaiting_state_reply": _l("Waiting for the State's reply"),
    "follow_up": _l("Being followed up"),
    "closed": _l("Closed"),
    "on_hold": _l("On hold"),
}
CONSENT_STATE_LABELS = {
    "granted": _l("Yes"),
    "refused": _l("No"),
    "not_asked": _l("Not decided"),
    "withdrawn": _l("Withdrawn"),
}
CONSENT_SCOPE_LABELS = dict(domain.CONSENT_SCOPES)


def status_label(code: str) -> str:
    return str(STATUS_LABELS.get(code, code))


def consent_state_label(code: str) -> str:
    return str(CONSENT_STATE_LABELS.get(code, code))


def consent_label(consent: object) -> str:
    scope = str(getattr(consent, "scope", ""))
    mechanism = getattr(consent, "mechanism_code", None)
    if scope == "share_with" and mechanism:
        return str(_l("Share with %(mechanism)s", mechanism=mechanism))
    return str(CONSENT_SCOPE_LABELS.get(scope, scope))


def date_filter(value: datetime.date) -> str:
    return format_date(value, format="long")


def init_app(app: Flask) -> None:
    app.jinja_env.filters["format_date"] = date_filter
    app.jinja_env.globals.update(
        status_label=status_label,
        consent_state_label=consent_state_label,
        consent_label=consent_label,
    )
