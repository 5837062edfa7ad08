"""Two-way contact: replies to the submitter (sealed to the submitter key too) and internal notes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from admin.access import CASE_ROLES, require_roles
from admin.audit import log as audit_log
from admin.cases.own_key_items import NO_RECORD_READERS, NoReaders
from admin.cases.panels import case_panel
from admin.cases.requests import CaseRequest, forbidden, open_case_request
from admin.contact.messages import add_note, add_reply, contact_consent, language_name
from admin.forms import AdminForm
from reprisal_intake.db import get_db
from reprisal_intake.models import Case, User

bp = Blueprint("contact", __name__, url_prefix="/cases")
bp.register_error_handler(Forbidden, forbidden)

MESSAGE_LIMIT = 20_000
# Replies inside this service are always allowed (docs/domain.md, Consent): asking is how consent is
# obtained. The "contact" scope is about contact outside the service, which the reply form is not.
OUTSIDE_CONTACT = {
    "granted": _l(
        "The person agreed to be contacted outside this service (phone, e-mail, meeting) too."
    ),
}
NOT_OUTSIDE = _l(
    "Contact outside this service (phone, e-mail, meeting) is not allowed: write only here."
)


class ReplyForm(AdminForm):
    reply = TextAreaField(
        _l("Reply to the person"),
        validators=[DataRequired(_l("Write the reply.")), Length(max=MESSAGE_LIMIT)],
        render_kw={"dir": "auto"},
    )


class NoteForm(AdminForm):
    note = TextAreaField(
        _l("Internal note (for reviewers only; the person never sees it)"),
        validators=[DataRequired(_l("Write the note.")), Length(max=MESSAGE_LIMIT)],
        render_kw={"dir": "auto"},
    )


def _panel(case: Case, case_key: Any) -> dict[str, Any]:
    consent = contact_consent(case)
    return {
        "contact_consent": consent,
        "outside_contact": OUTSIDE_CONTACT.get(consent, NOT_OUTSIDE),
        "case_language": language_name(case.language),
        "can_write": case_key is not None,
    }


@case_panel
def contact_panel(db: Session, user: User, case: Case, case_key: Any) -> dict[str, Any]:
    """Context for this area's part of the case page (``case_key`` is None when locked)."""
    return {
        **_panel(case, case_key),
        "reply_form": ReplyForm(formdata=None),
        "note_form": NoteForm(formdata=None),
    }


def _compose_again(
    opened: CaseRequest, reply: ReplyForm | None, note: NoteForm | None, message: str | None
) -> ResponseReturnValue:
    """The text comes back in its box with the reason: nothing written is lost."""
    return render_template(
        "admin/contact/compose.html",
        case=opened.case,
        reply_form=reply,
        note_form=note,
        message=message,
        **_panel(opened.case, opened.case_key),
    ), (409 if message else 400)


KEY_NEEDED = _l("Unlock your key first: only a reader of the case may write in it.")


@bp.post("/<ref>/reply")
@require_roles(*CASE_ROLES)
def reply(ref: str) -> ResponseReturnValue:
    with get_db().session() as db:
        opened = open_case_request(db, ref)
        form = ReplyForm()
        if not form.validate_on_submit():
            return _compose_again(opened, form, None, None)
        if opened.case_key is None:
            return _compose_again(opened, form, None, str(KEY_NEEDED))
        item = add_reply(db, opened.case, form.reply.data or "")
        audit_log.record(
            db,
            opened.user.username,
            "reply_sent",
            case_ref=opened.case.ref,
            detail={"item": item.id},
        )
        flash(_("Your reply was encrypted and stored. The person reads it with their codename."))
        return redirect(url_for("cases.case_page_view", ref=opened.case.ref), code=303)


@bp.post("/<ref>/note")
@require_roles(*CASE_ROLES)
def note(ref: str) -> ResponseReturnValue:
    with get_db().session() as db:
        opened = open_case_request(db, ref)
        form = NoteForm()
        if not form.validate_on_submit():
            return _compose_again(opened, None, form, None)
        if opened.case_key is None:
            return _compose_again(opened, None, form, str(KEY_NEEDED))
        try:
            item = add_note(db, opened.case, form.note.data or "")
        except NoReaders:
            return _compose_again(opened, None, form, str(NO_RECORD_READERS))
        audit_log.record(
            db,
            opened.user.username,
            "note_added",
            case_ref=opened.case.ref,
            detail={"item": item.id},
        )
        flash(
            _(
                "Your note was encrypted and stored. Only the focal points of the mechanism the "
                "person chose (and of a mechanism it was shared with together with the internal "
                "record) can read it."
            )
        )
        return redirect(url_for("cases.case_page_view", ref=opened.case.ref), code=303)
