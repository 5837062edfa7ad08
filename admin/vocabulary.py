"""The admin side's case-work vocabularies (docs/domain.md: Lifecycle, Risk, Measures), kept as data.

Codes are stored; labels are shown and translated. The submitter-facing vocabularies stay in
reprisal_intake/domain.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from reprisal_intake.consents import OUTWARD_ACTIONS, PUBLIC, STATE_FACING, action_scopes

STATUS_LABELS: dict[str, LazyString] = {
    "received": _l("Received"),
    "triaged": _l("Triaged"),
    "consent_pending": _l("Consent pending"),
    "under_assessment": _l("Under assessment"),
    "action_planned": _l("Action planned"),
    "action_taken": _l("Action taken"),
    "awaiting_state_reply": _l("Awaiting the State's reply"),
    "follow_up": _l("Follow-up"),
    "out_of_scope": _l("Out of scope"),
    "referred_elsewhere": _l("Referred elsewhere"),
    "closed": _l("Closed"),
    "on_hold": _l("On hold"),
}

CLOSURE_REASONS = (
    ("resolved", _l("Resolved")),
    ("at_request", _l("At the person's request")),
    ("consent_withdrawn", _l("Consent withdrawn")),
    ("no_contact", _l("No contact")),
    ("merged", _l("Merged with another case")),
)
HOLD_REASONS = (
    ("consent_withdrawn", _l("Consent withdrawn")),
    ("security", _l("Security")),
)
REOPEN_REASONS = (("new_incident", _l("A new incident")),)

RISK_LIKELIHOODS = (
    ("unlikely", _l("Unlikely")),
    ("possible", _l("Possible")),
    ("likely", _l("Likely")),
    ("almost_certain", _l("Almost certain")),
)
RISK_SEVERITIES = (
    ("minor", _l("Minor")),
    ("moderate", _l("Moderate")),
    ("serious", _l("Serious")),
    ("grave", _l("Grave (life, liberty, torture)")),
)
RISK_LEVELS = (
    ("low", _l("Low")),
    ("medium", _l("Medium")),
    ("high", _l("High")),
    ("critical", _l("Critical")),
)

REPLY_GRADES = (
    ("A", _l("A: satisfactory")),
    ("B", _l("B: partly satisfactory")),
    ("C", _l("C: not satisfactory")),
    ("D", _l("D: no reply")),
    ("E", _l("E: contrary to the recommendation (for example, prosecuting the person)")),
)

# Is this a reprisal, linked to cooperation with a mechanism? (issue 16)
ASSESSMENT_OUTCOMES = (
    ("credible", _l("Credible: a reprisal linked to cooperation")),
    ("unclear", _l("Unclear: the link to cooperation is not established")),
    ("none", _l("None: not a reprisal for cooperation")),
)
# A case's place in the Secretary-General's annual report for one reporting period.
INCLUSION_STATUSES = (
    ("proposed", _l("Proposed for the report")),
    ("included", _l("Included in the report")),
    ("withheld", _l("Withheld for the person's protection")),
)

CHANNELS = (
    ("note_verbale", _l("Note verbale")),
    ("letter", _l("Letter")),
    ("email", _l("Email")),
    ("meeting", _l("Meeting")),
    ("phone", _l("Telephone")),
    ("secure_message", _l("Secure message through this service")),
    ("public", _l("Public (statement, report)")),
    ("other", _l("Other")),
)

CANCEL_REASONS = (
    ("consent", _l("Consent is missing or was withdrawn")),
    ("risk", _l("The risk to the person is too high")),
    ("not_needed", _l("No longer needed")),
    ("other", _l("Another reason")),
)

VARIANTS = (
    ("named", _l("Naming the person")),
    ("anonymised", _l("Without naming anyone")),
)


@dataclass(frozen=True)
class MeasureKind:
    """A measure. The consent scopes it discloses under are in ``reprisal_intake.consents``'s
    ``OUTWARD_ACTIONS`` table, by variant (named or anonymised) where it has variants;
    ``refer_mechanism`` names a mechanism."""

    code: str
    label: LazyString
    to_state: bool = False
    names_mechanism: bool = False

    @property
    def variants(self) -> tuple[str, ...]:
        return tuple(v for v in OUTWARD_ACTIONS[self.code] if v is not None)

    def scopes(self, variant: str | None) -> tuple[str, ...] | None:
        """The scopes this measure discloses under with ``variant``; None if it needs a variant
        (or has none and was given one)."""
        return action_scopes(self.code, variant if self.variants else None)

    def consent_scope(self, variant: str | None) -> str | None:
        """The scope stored on the measure ("" for one that discloses under none)."""
        scopes = self.scopes(variant)
        if scopes is None:
            return None
        return scopes[0] if scopes else ""

    @property
    def public(self) -> bool:
        return self.code in PUBLIC

    @property
    def state_facing(self) -> bool:
        return self.code in STATE_FACING


MEASURE_KINDS = (
    MeasureKind("acknowledge", _l("Acknowledge and inform the person (in this service)")),
    MeasureKind("verify", _l("Verify the information")),
    MeasureKind("state_letter", _l("Confidential letter to the State"), to_state=True),
    MeasureKind("state_meeting", _l("Meeting with State officials"), to_state=True),
    MeasureKind("dialogue", _l("Raise in a dialogue or session"), to_state=True),
    MeasureKind("interim_measures", _l("Request interim or protection measures"), to_state=True),
    MeasureKind("state_follow_up", _l("Follow-up request to the State"), to_state=True),
    MeasureKind("public_statement", _l("Public statement")),
    MeasureKind(
        "refer_mechanism",
        _l("Refer to another mechanism (special procedures, ASG, treaty body, regional, field)"),
        names_mechanism=True,
    ),
    MeasureKind("mobilise_diplomats", _l("Mobilise diplomats (tell other States)")),
    MeasureKind("sg_report", _l("Include in the Secretary-General's report")),
    MeasureKind("committee_report", _l("Include in a committee's annual report")),
)
MEASURE_KINDS_BY_CODE = {kind.code: kind for kind in MEASURE_KINDS}


def label(vocabulary: tuple[tuple[str, LazyString], ...], code: str | None) -> str:
    """The label of ``code`` (or the code itself if unknown, or "-" if none)."""
    if code is None:
        return "-"
    return str(dict(vocabulary).get(code, code))


MEASURE_STATUS_LABELS = {
    "planned": _l("planned"),
    "blocked": _l("blocked: consent missing"),
    "sent": _l("sent"),
    "cancelled": _l("cancelled"),
}

CONSENT_STATE_LABELS = (
    ("granted", _l("granted")),
    ("refused", _l("refused")),
    ("not_asked", _l("not asked")),
    ("withdrawn", _l("withdrawn")),
)
