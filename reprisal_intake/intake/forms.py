"""The submitter's forms. Choices are codes from ``domain``; labels are translated at render time."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

import wtforms
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    MultipleFileField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from crypto.codename import is_codename

from .. import domain
from ..countries import states
from ..web.forms import SelectChoice
from .submission import NewConsent

REPORT_MAX_CHARS = 50_000
SHORT_MAX_CHARS = 300

CONSENT_CHOICES = [
    ("granted", _l("Yes")),
    ("refused", _l("No")),
    ("not_asked", _l("Decide later")),
]
# Scopes asked as yes / no / later on the report form; "store_assess" is the required tick box,
# "share_with" is asked per mechanism, and domain.ASKED_LATER only on the follow-up page.
OPTIONAL_SCOPES = tuple(
    (code, label)
    for code, label in domain.CONSENT_SCOPES
    if code not in {"store_assess", "share_with"} | domain.ASKED_LATER
)


def options(pairs: Iterable[tuple[str, Any]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _left_empty(raw_data: list[Any] | None) -> bool:
    """Empty as ``Optional()`` (with its default whitespace stripping) sees it."""
    return not raw_data or (isinstance(raw_data[0], str) and not raw_data[0].strip())


class _ChoiceCheckedUnlessOptionalAndEmpty:
    """WTForms checks a choice before the validators run, so an optional question left empty builds
    (and translates, loading WTForms' message catalogue) a "Not a valid choice" error that
    ``Optional()`` then throws away. Skip the check exactly when ``Optional()`` would discard it."""

    flags: Any
    raw_data: list[Any] | None

    def pre_validate(self, form: wtforms.form.BaseForm) -> None:
        if self.flags.optional and _left_empty(self.raw_data):
            return
        super().pre_validate(form)  # type: ignore[misc]


class RadioField(_ChoiceCheckedUnlessOptionalAndEmpty, wtforms.RadioField):
    pass


class SelectField(_ChoiceCheckedUnlessOptionalAndEmpty, wtforms.SelectField):
    pass


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


@cache
def _country_options(locale: str) -> tuple[SelectChoice, ...]:
    """The State question's options in one language, built once per process (they never change)."""
    return (SelectChoice("", _l("Choose a country")), *options(states(locale)))


class ReportForm(FlaskForm):
    mechanism = RadioField(
        _l("Which mechanism did the person cooperate with?"),
        validators=[InputRequired(_l("Choose the mechanism this report is for."))],
        choices=[],
    )
    what_happened = TextAreaField(
        _l("What happened?"),
        validators=[
            DataRequired(_l("Tell us what happened, in your own words.")),
            Length(max=REPORT_MAX_CHARS),
        ],
    )
    acts = MultiCheckboxField(
        _l("What was done?"), choices=options(domain.ACTS), validators=[Optional()]
    )
    when = StringField(
        _l("When did it happen?"), validators=[Optional(), Length(max=SHORT_MAX_CHARS)]
    )
    where = StringField(
        _l("Where did it happen?"), validators=[Optional(), Length(max=SHORT_MAX_CHARS)]
    )
    setting = RadioField(
        _l("Did it happen in person or online?"),
        choices=options(domain.SETTINGS),
        validators=[Optional()],
    )
    perpetrators = MultiCheckboxField(
        _l("Who did it?"), choices=options(domain.PERPETRATORS), validators=[Optional()]
    )
    state = SelectField(
        _l("Which State do you hold responsible?"), choices=[], validators=[Optional()]
    )
    location_now = StringField(
        _l("Where is the person now?"), validators=[Optional(), Length(max=SHORT_MAX_CHARS)]
    )
    urgency = RadioField(
        _l("How urgent is it?"),
        choices=options(domain.URGENCIES),
        validators=[InputRequired(_l("Tell us how urgent it is."))],
    )
    in_detention = RadioField(
        _l("Is the person in detention now?"),
        choices=options(domain.IN_DETENTION),
        validators=[Optional()],
    )
    relation = RadioField(
        _l("How is the person connected to the mechanism?"),
        choices=options(domain.RELATIONS),
        validators=[Optional()],
    )
    activity = SelectField(
        _l("What was the cooperation?"),
        choices=options([("", _l("Choose if you know")), *domain.ACTIVITIES]),
        validators=[Optional()],
    )
    submitter_role = RadioField(
        _l("Who are you?"),
        choices=options(domain.SUBMITTER_ROLES),
        validators=[InputRequired(_l("Tell us who is sending this report."))],
    )
    victim_type = RadioField(
        _l("Who suffered the reprisal?"),
        choices=options(domain.VICTIM_TYPES),
        validators=[Optional()],
    )
    profiles = MultiCheckboxField(
        _l("Which of these describe them?"),
        choices=options(domain.VICTIM_PROFILES),
        validators=[Optional()],
    )
    identity = TextAreaField(
        _l("Names and how to reach you (optional)"),
        validators=[Optional(), Length(max=5_000)],
    )
    consent_store_assess = BooleanField(
        _l(
            "I agree that the focal points of the mechanism I chose may keep and assess this "
            "report."
        ),
        validators=[
            DataRequired(
                _l(
                    "We can only read your report if you agree that the focal points may keep and "
                    "assess it."
                )
            )
        ],
    )
    consent_given_by = RadioField(
        _l("Who is giving this consent?"),
        choices=options(domain.CONSENT_GIVERS),
        validators=[InputRequired(_l("Tell us who is giving consent."))],
    )
    share_with = MultiCheckboxField(
        _l("Other mechanisms that may receive a copy"), choices=[], validators=[Optional()]
    )
    gender = RadioField(
        _l("Gender of the person"), choices=options(domain.GENDERS), validators=[Optional()]
    )
    age_band = RadioField(
        _l("Age of the person"), choices=options(domain.AGE_BANDS), validators=[Optional()]
    )
    other_grounds = MultiCheckboxField(
        _l("Does the person belong to any of these groups?"),
        choices=options(domain.OTHER_GROUNDS),
        validators=[Optional()],
    )
    attachments = MultipleFileField(_l("Files (optional)"))

    def __init__(
        self,
        mechanisms: list[tuple[str, str]],
        all_mechanisms: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.mechanism.choices = options(mechanisms)
        self.share_with.choices = options(all_mechanisms)
        self.state.choices = list(_country_options(str(get_locale() or "en")))
        for code, label in OPTIONAL_SCOPES:
            field = getattr(self, f"consent_{code}")
            field.label.text = label

    def consent_fields(self) -> list[Field]:
        return [getattr(self, f"consent_{code}") for code, _label in OPTIONAL_SCOPES]

    def report_data(self) -> dict[str, object]:
        """The submitter's answers as the JSON object encrypted into the report item."""
        answers: dict[str, object] = {"form": "report", "form_version": 1}
        for name in (
            "mechanism",
            "what_happened",
            "acts",
            "when",
            "where",
            "setting",
            "perpetrators",
            "state",
            "location_now",
            "urgency",
            "in_detention",
            "relation",
            "activity",
            "submitter_role",
            "victim_type",
            "profiles",
            "gender",
            "age_band",
            "other_grounds",
        ):
            value = getattr(self, name).data
            if value not in (None, "", []):
                answers[name] = value
        answers["consent"] = self.consent_choices()
        return answers

    def identity_text(self) -> str:
        """Names and contact details: sealed as their own item, never in the report item."""
        return (self.identity.data or "").strip()

    def new_consents(self) -> list[NewConsent]:
        consents = [NewConsent("store_assess", "granted")]
        consents += [
            NewConsent(code, getattr(self, f"consent_{code}").data)
            for code, _label in OPTIONAL_SCOPES
        ]
        consents += [NewConsent("share_with", "granted", code) for code in self.shared_with()]
        return consents

    def shared_with(self) -> list[str]:
        """The further mechanisms ticked; the chosen one receives the report anyway, so ticking it
        there too means nothing and is not recorded."""
        return [code for code in self.share_with.data or [] if code != self.mechanism.data]

    def consent_choices(self) -> dict[str, object]:
        choices: dict[str, object] = {"store_assess": "granted"}
        for code, _label in OPTIONAL_SCOPES:
            choices[code] = getattr(self, f"consent_{code}").data
        choices["share_with"] = self.shared_with()
        choices["given_by"] = self.consent_given_by.data
        return choices


for _code, _label in OPTIONAL_SCOPES:
    setattr(
        ReportForm,
        f"consent_{_code}",
        RadioField(
            _label,
            choices=options(CONSENT_CHOICES),
            default="not_asked",
            validators=[InputRequired()],
        ),
    )


def well_formed_codename(_form: FlaskForm, field: Field) -> None:
    if not is_codename(field.data or ""):
        raise ValidationError(
            _l(
                "A codename is the 10 or 12 words you received, in their order, separated by "
                "spaces. Check each word."
            )
        )


class CodenameForm(FlaskForm):
    codename = StringField(
        _l("Your codename"),
        validators=[
            DataRequired(_l("Enter your codename.")),
            Length(max=400),
            well_formed_codename,
        ],
    )


class FollowupForm(FlaskForm):
    message = TextAreaField(
        _l("New information"), validators=[Optional(), Length(max=REPORT_MAX_CHARS)]
    )
    attachments = MultipleFileField(_l("Files (optional)"))


CHANGE_CHOICES = [("granted", _l("Yes")), ("refused", _l("No"))]


class ConsentChangeForm(FlaskForm):
    """The submitter's consents, changed with the codename. Only changed answers are recorded."""

    share_with = MultiCheckboxField(
        _l("Other mechanisms that may receive a copy"), choices=[], validators=[Optional()]
    )
    consent_given_by = RadioField(
        _l("Who is giving this consent?"),
        choices=options(domain.CONSENT_GIVERS),
        validators=[InputRequired(_l("Tell us who is giving consent."))],
    )

    def __init__(self, all_mechanisms: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.share_with.choices = options(all_mechanisms)

    def scope_fields(self) -> list[Field]:
        return [getattr(self, f"scope_{code}") for code in CHANGEABLE_SCOPES]


CHANGEABLE_SCOPES = tuple(code for code, _label in domain.CONSENT_SCOPES if code != "share_with")
for _code, _label in domain.CONSENT_SCOPES:
    if _code != "share_with":
        setattr(
            ConsentChangeForm,
            f"scope_{_code}",
            RadioField(_label, choices=options(CHANGE_CHOICES), validators=[Optional()]),
        )


class EmptyForm(FlaskForm):
    """A form with only its CSRF token (sign out)."""
