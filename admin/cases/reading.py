"""A decrypted report as the person wrote it: every answer under its question's label in the reader's
language, every coded answer in words, the identity set apart, the consent choices as sentences.

The labels repeat the intake form's own wording (reprisal_intake/intake/forms.py), so the intake's
catalogue, which the admin app loads too, translates them; the admin app may not import the intake's
package (tests/test_architecture.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from reprisal_intake import domain
from reprisal_intake.countries import countries

# Answers the person typed, shown as written (dir="auto", line breaks kept).
WRITTEN = {
    "what_happened": _l("What happened?"),
    "when": _l("When did it happen?"),
    "where": _l("Where did it happen?"),
    "location_now": _l("Where is the person now?"),
}
# Answers chosen from a list, in the form's order: (label, the list's codes and labels).
CHOSEN: dict[str, tuple[LazyString, Iterable[tuple[str, object]]]] = {
    "acts": (_l("What was done?"), domain.ACTS),
    "setting": (_l("Did it happen in person or online?"), domain.SETTINGS),
    "perpetrators": (_l("Who did it?"), domain.PERPETRATORS),
    "state": (_l("Which State do you hold responsible?"), ()),
    "urgency": (_l("How urgent is it?"), domain.URGENCIES),
    "in_detention": (_l("Is the person in detention now?"), domain.IN_DETENTION),
    "relation": (_l("How is the person connected to the mechanism?"), domain.RELATIONS),
    "activity": (_l("What was the cooperation?"), domain.ACTIVITIES),
    "submitter_role": (_l("Who are you?"), domain.SUBMITTER_ROLES),
    "victim_type": (_l("Who suffered the reprisal?"), domain.VICTIM_TYPES),
    "profiles": (_l("Which of these describe them?"), domain.VICTIM_PROFILES),
    "gender": (_l("Gender of the person"), domain.GENDERS),
    "age_band": (_l("Age of the person"), domain.AGE_BANDS),
    "other_grounds": (_l("Does the person belong to any of these groups?"), domain.OTHER_GROUNDS),
}
MECHANISM_LABEL = _l("Which mechanism did the person cooperate with?")
IDENTITY_LABEL = _l("Names and how to reach you (optional)")
CONSENT_ANSWERS = {
    "granted": _l("Yes"),
    "refused": _l("No"),
    "not_asked": _l("Decide later"),
    "withdrawn": _l("Withdrawn"),
}
GIVEN_BY_LABEL = _l("Who is giving this consent?")
SHARE_LABEL = _l("Other mechanisms that may receive a copy")
# Bookkeeping of the form itself, not the person's words.
NOT_SHOWN = {"form", "form_version", "consent", "identity", "mechanism"}


@dataclass
class Answer:
    label: str
    text: str
    # True when the person typed it (shown with dir="auto", line breaks kept).
    written: bool = False


@dataclass
class ReportReading:
    answers: list[Answer] = field(default_factory=list)
    identity: str | None = None
    consent: list[Answer] = field(default_factory=list)


def _in_words(code: object, table: Iterable[tuple[str, object]]) -> str:
    labels = {str(value): str(label) for value, label in table}
    return labels.get(str(code), str(code).replace("_", " "))


def _list_in_words(value: object, table: Iterable[tuple[str, object]]) -> str:
    table = list(table)
    values = value if isinstance(value, list) else [value]
    return ", ".join(_in_words(v, table) for v in values)


def _country_table() -> tuple[tuple[str, str], ...]:
    return countries(str(get_locale() or "en"))


def _mechanisms(value: object) -> str:
    values = value if isinstance(value, list) else [value]
    return ", ".join(domain.mechanism_name(str(v)) for v in values)


def read_report(answers: Mapping[str, object]) -> ReportReading:
    reading = ReportReading()
    if "mechanism" in answers:
        reading.answers.append(Answer(str(MECHANISM_LABEL), _mechanisms(answers["mechanism"])))
    known = set(WRITTEN) | set(CHOSEN)
    for name in [*WRITTEN, *CHOSEN]:
        value = answers.get(name)
        if value in (None, "", []):
            continue
        if name in WRITTEN:
            reading.answers.append(Answer(str(WRITTEN[name]), str(value), written=True))
            continue
        label, table = CHOSEN[name]
        shown = _list_in_words(value, _country_table() if name == "state" else table)
        reading.answers.append(Answer(str(label), shown))
    # An answer of a later form version this reader does not know: its words, never its code.
    for name in sorted(set(answers) - known - NOT_SHOWN):
        value = answers[name]
        if isinstance(value, str | int | float) and str(value).strip():
            reading.answers.append(Answer(name.replace("_", " ").capitalize(), str(value), True))
    identity = answers.get("identity")
    if isinstance(identity, str) and identity.strip():
        reading.identity = identity
    consent = answers.get("consent")
    if isinstance(consent, Mapping):
        reading.consent = _consent_answers(consent)
    return reading


def _consent_answers(consent: Mapping[str, object]) -> list[Answer]:
    scopes = dict(domain.CONSENT_SCOPES)
    shown: list[Answer] = []
    for code, label in domain.CONSENT_SCOPES:
        state = consent.get(code)
        if code == "share_with" or not isinstance(state, str):
            continue
        shown.append(Answer(str(label), str(CONSENT_ANSWERS.get(state, scopes.get(state, "")))))
    share_with = consent.get("share_with")
    if isinstance(share_with, list) and share_with:
        shown.append(Answer(str(SHARE_LABEL), _mechanisms(share_with)))
    given_by = consent.get("given_by")
    if isinstance(given_by, str):
        shown.append(Answer(str(GIVEN_BY_LABEL), _in_words(given_by, domain.CONSENT_GIVERS)))
    return [answer for answer in shown if answer.text]
