"""The words both sides read about consent (issue 15): the one-line consequence shown at each choice,
and the current effect of each answer. The follow-up page and the focal point's case page render the
same functions, so the person and the focal point read the same sentence.

``WORDING_VERSION`` names this wording; it is stored on every consent row recorded with it. Change it
whenever a consequence or an effect changes meaning.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from . import domain

WORDING_VERSION = "2026-12-02"

# What saying yes leads to, one line under each choice on the report form and the follow-up page.
CONSEQUENCES: dict[str, LazyString] = {
    "store_assess": _l(
        "Without it nothing can be done; withdrawing it later puts the report on hold and opens "
        "a review of its deletion."
    ),
    "contact": _l(
        "Only then may a focal point phone, e-mail or meet you; messages here need no consent."
    ),
    "share_with": _l("The focal points of each mechanism you tick will read your report."),
    "share_identity": _l(
        "Without it, other mechanisms read your report but never your names or contact details."
    ),
    "state_named": _l("The State will learn who complained."),
    "state_anonymised": _l(
        "The State will learn what happened, not who complained; details may still let it guess."
    ),
    "other_states_named": _l(
        "Diplomats of other States will learn who complained, and may raise it with the State."
    ),
    "other_states_anonymised": _l(
        "Diplomats of other States will learn what happened, not who complained."
    ),
    "public_named": _l(
        "A public statement is permanent: everyone, the State too, reads your name."
    ),
    "public_anonymised": _l(
        "A public statement is permanent; details may let people recognise you."
    ),
    "sg_report_named": _l(
        "The Secretary-General's report is public and permanent, and it will name you."
    ),
    "sg_report_anonymised": _l(
        "The Secretary-General's report is public and permanent; your name is left out."
    ),
    "committee_report": _l("A committee's annual report is public and permanent."),
    "statistics": _l("Only counts are published, never a detail that identifies you."),
}
DECIDE_LATER = _l("Decide later means no until a focal point asks you here.")

# What an answer allows, as a phrase that completes "Allowed now: ..." and "Not done: ...".
ACTIONS: dict[str, LazyString] = {
    "store_assess": _l("keeping this report and assessing it"),
    "contact": _l("contact outside this service (phone, e-mail, meeting)"),
    "share_identity": _l(
        "giving the person's names and contact details to a mechanism the case is shared with"
    ),
    "state_named": _l("raising it confidentially with the State, naming the person"),
    "state_anonymised": _l("raising it confidentially with the State, without naming anyone"),
    "other_states_named": _l("telling other States or diplomats, naming the person"),
    "other_states_anonymised": _l("telling other States or diplomats, without naming anyone"),
    "public_named": _l("a public statement naming the person"),
    "public_anonymised": _l("a public statement without names"),
    "sg_report_named": _l("the Secretary-General's annual report, naming the person"),
    "sg_report_anonymised": _l("the Secretary-General's annual report, without names"),
    "committee_report": _l("a committee's annual report"),
    "statistics": _l("counting the case in de-identified statistics"),
}


def consequence(scope: str) -> str:
    found = CONSEQUENCES.get(scope)
    return str(found) if found is not None else ""


def action(scope: str, mechanism_code: str | None = None) -> str:
    if scope == "share_with":
        return str(
            _(
                "sharing the case with %(mechanism)s",
                mechanism=domain.mechanism_name(mechanism_code or "-"),
            )
        )
    found = ACTIONS.get(scope)
    return str(found) if found is not None else scope


def effect(scope: str, state: str, mechanism_code: str | None = None) -> str:
    """The current effect of ``state`` for ``scope``, in the words both sides read."""
    if state == "granted":
        return str(_("Allowed now: %(action)s.", action=action(scope, mechanism_code)))
    if scope == "store_assess":
        return str(
            _(
                "On hold: nothing more is done with this report, and the focal points review "
                "whether to delete it."
            )
        )
    if state == "not_asked":
        return str(
            _(
                "Not done: %(action)s. Not asked yet, which means no until a focal point asks "
                "here.",
                action=action(scope, mechanism_code),
            )
        )
    return str(
        _(
            "Not done: %(action)s. Nothing of this kind can be planned or sent.",
            action=action(scope, mechanism_code),
        )
    )
