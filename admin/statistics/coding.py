"""Statistics coding of one case: the form on the case page, prefilled from the decrypted report.

Only codes and counts are stored. Gender, age band and the number of women and girls are coded only
when the case's latest "statistics" consent is granted.
"""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from admin.annual_report.rules import anonymity_requested
from admin.cases.decryption import OpenedItem
from admin.forms import AdminForm, CheckboxesField
from reprisal_intake import domain
from reprisal_intake.countries import states
from reprisal_intake.models import Case, Consent, utcnow
from reprisal_intake.models.statistics import CaseStatistics
from reprisal_intake.web.forms import SelectChoice

MAX_PEOPLE = 100_000


def _choices(pairs: Any, blank: Any = None) -> list[SelectChoice]:
    choices = [SelectChoice(code, label) for code, label in pairs]
    return [SelectChoice("", blank), *choices] if blank is not None else choices


class StatisticsForm(AdminForm):
    state = SelectField(_l("State held responsible"), choices=[], validators=[Optional()])
    victim_type = SelectField(
        _l("Who was targeted"),
        choices=_choices(domain.VICTIM_TYPES, _l("Not known")),
        validators=[Optional()],
    )
    individuals = IntegerField(
        _l("Number of individuals"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=MAX_PEOPLE)],
    )
    organisations = IntegerField(
        _l("Number of organisations"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=MAX_PEOPLE)],
    )
    women_girls = IntegerField(
        _l("Of the individuals, women and girls"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=MAX_PEOPLE)],
    )
    gender = SelectField(
        _l("Gender"), choices=_choices(domain.GENDERS, _l("Not known")), validators=[Optional()]
    )
    age_band = SelectField(
        _l("Age"), choices=_choices(domain.AGE_BANDS, _l("Not known")), validators=[Optional()]
    )
    setting = SelectField(
        _l("Online or offline"),
        choices=_choices(domain.SETTINGS, _l("Not known")),
        validators=[Optional()],
    )
    acts = CheckboxesField(_l("Acts"), choices=_choices(domain.ACTS), validators=[Optional()])
    perpetrators = CheckboxesField(
        _l("Perpetrators"), choices=_choices(domain.PERPETRATORS), validators=[Optional()]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "stats")  # ids unique on the case page, among other forms
        super().__init__(*args, **kwargs)
        self.state.choices = _choices(states(str(get_locale() or "en")), _l("Not known"))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if valid and (self.women_girls.data or 0) > (self.individuals.data or 0):
            self.women_girls.errors = [_l("More women and girls than individuals.")]
            return False
        return valid


def statistics_consent(db: Session, case: Case) -> str:
    """The state of the case's latest "statistics" consent ("not_asked" if never recorded)."""
    state = db.scalar(
        select(Consent.state)
        .where(Consent.case_ref == case.ref, Consent.scope == "statistics")
        .order_by(Consent.id.desc())
        .limit(1)
    )
    return state or "not_asked"


def from_report(answers: dict[str, object], consented: bool) -> dict[str, object]:
    """A first coding from the submitter's answers (intake/forms.py ReportForm), for the focal
    point to check: unknown codes are dropped, never guessed."""

    def code(name: str, vocabulary: Any) -> str:
        value = answers.get(name)
        return value if isinstance(value, str) and value in dict(vocabulary) else ""

    def codes(name: str, vocabulary: Any) -> list[str]:
        value = answers.get(name)
        known = dict(vocabulary)
        return (
            [v for v in value if isinstance(v, str) and v in known]
            if isinstance(value, list)
            else []
        )

    victim_type = code("victim_type", domain.VICTIM_TYPES)
    data: dict[str, object] = {
        "state": code("state", states()),
        "victim_type": victim_type,
        "individuals": 1 if victim_type in ("individual", "") else 0,
        "organisations": 1 if victim_type == "organisation" else 0,
        "setting": code("setting", domain.SETTINGS),
        "acts": codes("acts", domain.ACTS),
        "perpetrators": codes("perpetrators", domain.PERPETRATORS),
    }
    if consented:
        gender = code("gender", domain.GENDERS)
        data["gender"] = gender
        data["age_band"] = code("age_band", domain.AGE_BANDS)
        data["women_girls"] = 1 if gender == "woman" and data["individuals"] == 1 else 0
    return data


def from_stored(row: CaseStatistics) -> dict[str, object]:
    return {
        "state": row.state or "",
        "victim_type": row.victim_type or "",
        "individuals": row.individuals,
        "organisations": row.organisations,
        "women_girls": row.women_girls,
        "gender": row.gender or "",
        "age_band": row.age_band or "",
        "setting": row.setting or "",
        "acts": row.act_codes,
        "perpetrators": row.perpetrator_codes,
    }


def prefill(
    db: Session, case: Case, opened: list[OpenedItem], consented: bool
) -> tuple[dict[str, object], str]:
    """The form's data and where it came from: "stored", "report" or "empty"."""
    row = db.get(CaseStatistics, case.ref)
    if row is not None:
        return from_stored(row), "stored"
    for item in opened:
        if item.item.kind == "report" and item.answers is not None:
            return from_report(item.answers, consented), "report"
    return {}, "empty"


def save(db: Session, case: Case, form: StatisticsForm, consented: bool, user_id: str) -> None:
    row = db.get(CaseStatistics, case.ref)
    if row is None:
        row = CaseStatistics(case_ref=case.ref)
        db.add(row)
    row.state = form.state.data or None
    row.victim_type = form.victim_type.data or None
    row.individuals = form.individuals.data or 0
    row.organisations = form.organisations.data or 0
    row.women_girls = (form.women_girls.data or 0) if consented else 0
    row.gender = (form.gender.data or None) if consented else None
    row.age_band = (form.age_band.data or None) if consented else None
    # From the person's consent to the Secretary-General's report, never from the form.
    row.anonymity_requested = anonymity_requested(case)
    row.setting = form.setting.data or None
    row.acts = " ".join(sorted(set(form.acts.data or [])))
    row.perpetrators = " ".join(sorted(set(form.perpetrators.data or [])))
    row.coded_by = user_id
    row.coded_at = utcnow()
