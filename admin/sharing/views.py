"""Routing: sharing a case with a further mechanism only with the submitter's consent, and unsharing."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from admin.access import CASE_ROLES, focal_point_mechanisms, require_roles
from admin.audit import log as audit_log
from admin.cases.panels import case_panel
from admin.cases.requests import forbidden, open_case_request
from admin.forms import AdminForm, EmptyForm
from admin.sharing.shares import (
    active_shares,
    identity_refusal,
    seal_to,
    share_case,
    share_consent,
    share_identity,
    share_refusal,
    unsealed_reviewers,
    unshare_case,
)
from reprisal_intake.consents import state_in_force
from reprisal_intake.db import get_db
from reprisal_intake.items import OWN_KEY_KINDS
from reprisal_intake.models import Case, Mechanism, User
from reprisal_intake.models.sharing import CaseShare
from reprisal_intake.web.forms import SelectChoice

bp = Blueprint("sharing", __name__, url_prefix="/cases")
bp.register_error_handler(Forbidden, forbidden)

REFUSALS = {
    "unknown_mechanism": _l("There is no such mechanism."),
    "already_routed": _l("The case is already with this mechanism."),
    "consent_not_asked": _l(
        "The person was never asked whether it may be shared with this mechanism."
    ),
    "consent_refused": _l("The person refused sharing with this mechanism."),
    "consent_withdrawn": _l("The person withdrew their consent to sharing with this mechanism."),
    "on_hold": _l(
        "The person withdrew a consent, so the case is on hold for any outward action until they "
        "give it again."
    ),
    "identity_consent": _l(
        "The person did not agree that their names and contact details go to this mechanism: "
        "share the case without them."
    ),
    "no_identity": _l("The person gave no names or contact details: share the case without them."),
    "identity_key_needed": _l(
        "Your key does not open the person's identity, so you cannot pass it on."
    ),
    "no_reviewers": _l("Nobody at this mechanism has a key yet, so nobody there could read it."),
    "key_needed": _l(
        "Unlock your key first: sharing seals the case key, which only a reader of the case holds."
    ),
}
CONSENT_STATES = {
    "granted": _l("consent granted"),
    "refused": _l("consent refused"),
    "withdrawn": _l("consent withdrawn"),
    "not_asked": _l("consent not asked"),
}


class ShareForm(AdminForm):
    mechanism = SelectField(
        _l("Share with"),
        validators=[DataRequired(_l("Choose a mechanism."))],
        validate_choice=False,
    )
    part = RadioField(
        _l("What the mechanism receives"),
        choices=[
            SelectChoice("without_identity", _l("The full case without the person's identity")),
            SelectChoice("with_identity", _l("The full case with the person's identity")),
        ],
        default="without_identity",
    )
    confirm_consent = BooleanField(
        _l("I checked that the person's consent to this sharing is still current."),
        validators=[DataRequired(_l("Confirm that the consent is still current."))],
    )


class UnshareForm(AdminForm):
    mechanism = StringField(validators=[DataRequired(), Length(max=16)])


def _share_choices(db: Session, case: Case) -> list[tuple[str, str]]:
    """Mechanisms the case is not with yet, those the person agreed to first."""
    routed = {m.code for m in case.mechanisms}
    granted: list[tuple[str, str]] = []
    others: list[tuple[str, str]] = []
    for mechanism in db.scalars(select(Mechanism).order_by(Mechanism.position)):
        if mechanism.code in routed:
            continue
        state = share_consent(case, mechanism.code)
        choice = (
            mechanism.code,
            f"{mechanism.code}: {mechanism.name} ({CONSENT_STATES.get(state, state)})",
        )
        (granted if state == "granted" else others).append(choice)
    return [("", _("Choose a mechanism")), *granted, *others]


@case_panel
def sharing_panel(db: Session, user: User, case: Case, case_key: Any) -> dict[str, Any]:
    """Context for this area's part of the case page (``case_key`` is None when locked)."""
    form = ShareForm(formdata=None)
    form.mechanism.choices = _share_choices(db, case)
    # The identity is offered only when the person agreed to pass it on and there is one
    # (the server checks again, per mechanism).
    identity_allowed = state_in_force(case.consents, "share_identity") == "granted" and any(
        item.kind in OWN_KEY_KINDS for item in case.items
    )
    if not identity_allowed:
        form.part.choices = [
            SelectChoice("without_identity", _l("The full case without the person's identity"))
        ]
    return {
        "share_form": form,
        "shares": active_shares(db, case),
        "unsealed": [r.name for r in unsealed_reviewers(db, case)],
    }


def _refused(case: Case, username: str, db: Session, code: str, reason: str) -> ResponseReturnValue:
    audit_log.record(
        db,
        username,
        "share_refused",
        case_ref=case.ref,
        detail={"mechanism": code, "reason": reason},
    )
    return render_template(
        "admin/sharing/refused.html", case=case, mechanism=code, message=REFUSALS[reason]
    ), 409


@bp.post("/<ref>/share")
@require_roles(*CASE_ROLES)
def share(ref: str) -> ResponseReturnValue:
    with get_db().session() as db:
        opened = open_case_request(db, ref)
        case = opened.case
        form = ShareForm()
        form.mechanism.choices = _share_choices(db, case)
        if not form.validate_on_submit():
            messages = [str(e) for errors in form.errors.values() for e in errors]
            return render_template(
                "admin/sharing/refused.html", case=case, mechanism=None, message=" ".join(messages)
            ), 400
        code = (form.mechanism.data or "").strip().upper()[:16]
        mechanism = db.get(Mechanism, code)
        if opened.case_key is None:
            return _refused(case, opened.user.username, db, code, "key_needed")
        reason = share_refusal(db, case, mechanism)
        if reason is not None or mechanism is None:
            return _refused(case, opened.user.username, db, code, reason or "unknown_mechanism")
        with_identity = form.part.data == "with_identity"
        if with_identity:
            identity_reason = identity_refusal(case, code, opened.item_keys)
            if identity_reason is not None:
                return _refused(case, opened.user.username, db, code, identity_reason)
        added = share_case(db, case, mechanism, opened.case_key, opened.user)
        identity_stanzas = share_identity(db, case, code, opened.item_keys) if with_identity else 0
        audit_log.record(
            db,
            opened.user.username,
            "case_shared",
            case_ref=case.ref,
            detail={"mechanism": code, "stanzas": added, "identity_stanzas": identity_stanzas},
        )
        flash(_("The case is now shared with %(code)s.", code=code))
        return redirect(url_for("cases.case_page_view", ref=case.ref), code=303)


def _may_unshare(db: Session, user: User, case: Case, code: str) -> bool:
    """Coordinators, and focal points of a mechanism that keeps the case: the mechanism a case was
    shared with cannot send it away from itself (nor cut off the others)."""
    if user.has_role("coordinator"):
        return True
    keeping = {m.code for m in case.mechanisms} - {code}
    return bool(keeping & focal_point_mechanisms(db, user))


@bp.post("/<ref>/unshare")
@require_roles(*CASE_ROLES)
def unshare(ref: str) -> ResponseReturnValue:
    with get_db().session() as db:
        opened = open_case_request(db, ref)
        case = opened.case
        form = UnshareForm()
        if not form.validate_on_submit():
            abort(400)
        code = (form.mechanism.data or "").strip().upper()
        found = db.scalar(
            select(CaseShare).where(
                CaseShare.case_ref == case.ref,
                CaseShare.mechanism_code == code,
                CaseShare.unshared_on.is_(None),
            )
        )
        if found is None:
            # The original mechanism was never shared, so it cannot be unshared.
            abort(404)
        if not _may_unshare(db, opened.user, case, code):
            abort(403)
        removed = unshare_case(db, case, found, opened.user)
        audit_log.record(
            db,
            opened.user.username,
            "case_unshared",
            case_ref=case.ref,
            detail={"mechanism": code, "stanzas_removed": removed},
        )
        flash(
            _(
                "%(code)s no longer receives this case. What was already read or exported there "
                "cannot be unread.",
                code=code,
            )
        )
        return redirect(url_for("cases.case_page_view", ref=case.ref), code=303)


@bp.post("/<ref>/reseal")
@require_roles(*CASE_ROLES)
def reseal(ref: str) -> ResponseReturnValue:
    """Seal the case to keys its mechanisms received after it was sealed or shared."""
    with get_db().session() as db:
        opened = open_case_request(db, ref)
        if not EmptyForm().validate_on_submit():
            abort(400)
        if opened.case_key is None:
            flash(str(REFUSALS["key_needed"]))
            return redirect(url_for("cases.case_page_view", ref=opened.case.ref), code=303)
        reviewers = unsealed_reviewers(db, opened.case)
        added = seal_to(db, opened.case, opened.case_key, reviewers)
        if added:
            audit_log.record(
                db,
                opened.user.username,
                "routing",
                case_ref=opened.case.ref,
                detail={"reviewers": [r.name for r in reviewers]},
            )
        flash(_("The case is now sealed to %(count)d more key(s).", count=added))
        return redirect(url_for("cases.case_page_view", ref=opened.case.ref), code=303)
