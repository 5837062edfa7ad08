"""The case-work forms (Flask-WTF: each POST carries a CSRF token)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from admin.forms import AdminForm
from admin.vocabulary import (
    CANCEL_REASONS,
    CHANNELS,
    CLOSURE_REASONS,
    HOLD_REASONS,
    MEASURE_KINDS,
    REOPEN_REASONS,
    REPLY_GRADES,
    RISK_LEVELS,
    RISK_LIKELIHOODS,
    RISK_SEVERITIES,
    STATUS_LABELS,
    VARIANTS,
)
from reprisal_intake import domain
from reprisal_intake.web.forms import SelectChoice

TEXT_LIMIT = 8000
NONE_CHOSEN = (("", _l("(choose)")),)


def options(*pairs: Iterable[tuple[str, Any]]) -> list[SelectChoice]:
    return [SelectChoice(code, label) for group in pairs for code, label in group]


def _text(label: str) -> TextAreaField:
    return TextAreaField(
        label, validators=[Optional(), Length(max=TEXT_LIMIT)], render_kw={"dir": "auto"}
    )


class TransitionForm(AdminForm):
    # Every status is a valid choice: the lifecycle, not the form, refuses a move it does not allow.
    to_status = SelectField(_l("Move the case to"), choices=options(STATUS_LABELS.items()))
    reason = SelectField(
        _l("Reason (closing, holding or reopening)"),
        choices=options(NONE_CHOSEN, dict(CLOSURE_REASONS + HOLD_REASONS + REOPEN_REASONS).items()),
        default="",
    )
    # Offered only when closing would leave measures planned or a review date set
    # (admin/casework/closing.py).
    close_anyway = BooleanField(
        _l("I have read what stays open, and I close the case anyway (this is recorded).")
    )


class SuggestedStatusForm(AdminForm):
    """One click on a suggestion of the case page header (admin/casework/suggestions.py)."""

    to_status = HiddenField(validators=[DataRequired()])


class TriageForm(AdminForm):
    urgency = SelectField(
        _l("Urgency"), choices=options(NONE_CHOSEN, domain.URGENCIES), validators=[DataRequired()]
    )
    in_detention = SelectField(_l("In detention"), choices=options(domain.IN_DETENTION))


class RiskForm(AdminForm):
    likelihood = SelectField(
        _l("Likelihood of harm"),
        choices=options(NONE_CHOSEN, RISK_LIKELIHOODS),
        validators=[DataRequired()],
    )
    severity = SelectField(
        _l("Severity of harm"),
        choices=options(NONE_CHOSEN, RISK_SEVERITIES),
        validators=[DataRequired()],
    )
    next_review = DateField(_l("Next review"), validators=[DataRequired()])
    threat_source = _text(_l("Source of the threat"))
    history = _text(_l("History and escalation"))
    vulnerability = _text(_l("Vulnerability (detention, gender, location, dependants)"))
    capacities = _text(_l("Capacities (networks, legal support)"))


class PlanMeasureForm(AdminForm):
    kind = SelectField(
        _l("Measure"),
        choices=options(NONE_CHOSEN, ((k.code, k.label) for k in MEASURE_KINDS)),
        validators=[DataRequired()],
    )
    variant = SelectField(
        _l("Named or anonymised (letters, statements, reports)"),
        choices=options(NONE_CHOSEN, VARIANTS),
        default="",
    )
    # Filled with the mechanisms in the view.
    mechanism = SelectField(_l("Mechanism (for a referral)"), choices=[], default="")
    details = _text(_l("Details"))


class SendMeasureForm(AdminForm):
    sent_on = DateField(_l("Date sent"), validators=[DataRequired()])
    channel = SelectField(_l("Channel"), choices=options(CHANNELS))
    action_risk = SelectField(
        _l("Risk this action carries for the person"),
        choices=options(NONE_CHOSEN, RISK_LEVELS),
        default="",
    )
    risk_note = _text(_l("Why (risk of this action)"))
    consent_current = BooleanField(_l("I confirmed this consent is still current"))
    reply_due = DateField(_l("State reply due by (measures to the State)"), validators=[Optional()])


class ApproveMeasureForm(AdminForm):
    action_risk = SelectField(
        _l("Risk this action carries for the person"),
        choices=options(NONE_CHOSEN, RISK_LEVELS),
        validators=[DataRequired()],
    )


class CancelMeasureForm(AdminForm):
    reason = SelectField(
        _l("Why it is cancelled"),
        choices=options(NONE_CHOSEN, CANCEL_REASONS),
        validators=[DataRequired()],
    )


class ReplyForm(AdminForm):
    grade = SelectField(
        _l("Grade of the State's reply"),
        choices=options(NONE_CHOSEN, REPLY_GRADES),
        validators=[DataRequired()],
    )
    reply_on = DateField(_l("Date of the reply"), validators=[Optional()])
