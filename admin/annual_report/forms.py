"""The case page's assessment, report and State reply forms."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from admin.forms import AdminForm
from admin.vocabulary import ASSESSMENT_OUTCOMES, INCLUSION_STATUSES, REPLY_GRADES
from reprisal_intake.web.forms import SelectChoice

TEXT_LIMIT = 20_000
NONE_CHOSEN = _l("Choose…")


def choices(pairs: Iterable[tuple[str, Any]], blank: Any = None) -> list[SelectChoice]:
    listed = [SelectChoice(code, label) for code, label in pairs]
    return [SelectChoice("", blank), *listed] if blank is not None else listed


class AssessmentForm(AdminForm):
    outcome = SelectField(
        _l("Is this a reprisal linked to cooperation?"),
        choices=choices(ASSESSMENT_OUTCOMES, NONE_CHOSEN),
        validators=[DataRequired(_l("Choose an outcome."))],
    )


class InclusionForm(AdminForm):
    # Choices set per request: the current reporting period and the ones before it.
    period = SelectField(_l("Reporting period"), choices=[], validators=[InputRequired()])
    status = SelectField(
        _l("In the Secretary-General's report"),
        choices=choices(INCLUSION_STATUSES, NONE_CHOSEN),
        validators=[DataRequired(_l("Choose what happens in the report."))],
    )
    document_symbol = StringField(
        _l("Document symbol (for example A/HRC/60/62)"), validators=[Optional(), Length(max=32)]
    )
    paragraph = StringField(_l("Paragraph"), validators=[Optional(), Length(max=32)])
    # Choices set per case: its places in earlier reports.
    follows_up = SelectField(
        _l("Follow-up of this case in an earlier report"), choices=[], validators=[Optional()]
    )
    follows_up_reference = StringField(
        _l("Or the earlier report's symbol and paragraph, if it is not listed"),
        validators=[Optional(), Length(max=64)],
    )


class StateReplyForm(AdminForm):
    received_on = DateField(
        _l("Date of the State's reply"), validators=[InputRequired(_l("Give the date."))]
    )
    grade = SelectField(
        _l("Grade of the State's reply"),
        choices=choices(REPLY_GRADES, NONE_CHOSEN),
        validators=[DataRequired(_l("Choose a grade."))],
    )
    # Choices set per case: its measures sent to the State, or none (an unsolicited reply).
    measure = SelectField(_l("In reply to"), choices=[], validators=[Optional()])
    text = TextAreaField(
        _l("What the State said (sealed to the case: only its readers can open it)"),
        validators=[Optional(), Length(max=TEXT_LIMIT)],
    )
