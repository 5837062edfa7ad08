"""The case page's "linked cases" part and its two actions: link this case and another as one
matter (a merge that keeps both records), and undo that link. See admin/cases/links.py."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from admin.access import CASE_ROLES, case_scope, require_roles
from admin.audit import log as audit_log
from admin.cases import links
from admin.cases.listing import normalise_ref
from admin.cases.panels import case_panel
from admin.cases.requests import CaseAccessDenied, forbidden, open_case_request
from admin.forms import AdminForm
from reprisal_intake.db import get_db
from reprisal_intake.models import Case, User

bp = Blueprint("matters", __name__, url_prefix="/cases")
bp.register_error_handler(Forbidden, forbidden)


class SameMatterForm(AdminForm):
    other = StringField(
        "", validators=[DataRequired(), Length(max=40)], render_kw={"autocomplete": "off"}
    )


class UnlinkForm(AdminForm):
    """A button: the other case is in the address."""


@case_panel
def links_panel(db: Session, user: User, case: Case, case_key: Any) -> dict[str, Any]:
    """Context for admin/templates/admin/case/_links.html."""
    return {
        "case_links": links.links_of(db, case_scope(db, user), [case.ref])[case.ref],
        "may_link": links.can_read(db, user, case),
        "same_matter_form": SameMatterForm(formdata=None),
        "unlink_form": UnlinkForm(formdata=None),
    }


def _refused(case: Case, message: str, typed: str, status: int) -> ResponseReturnValue:
    return (
        render_template("admin/cases/link_refused.html", case=case, message=message, typed=typed),
        status,
    )


@bp.post("/<ref>/same-matter")
@require_roles(*CASE_ROLES)
def link(ref: str) -> ResponseReturnValue:
    form = SameMatterForm()
    with get_db().session() as db:
        opened = open_case_request(db, ref, with_key=False)
        user, case = opened.user, opened.case
        typed = (form.other.data or "").strip()[:40]
        if not form.validate():
            return _refused(case, _("Type the reference of the other case."), typed, 400)
        other = db.get(Case, normalise_ref(typed))
        if other is None or other.ref == case.ref:
            return _refused(case, _("No other case has this reference."), typed, 400)
        for one in (case, other):
            if not links.can_read(db, user, one):
                raise CaseAccessDenied(user.username, one.ref)
        if links.link_same_matter(db, case.ref, other.ref, user.id):
            for this, that in ((case.ref, other.ref), (other.ref, case.ref)):
                audit_log.record(
                    db, user.username, "cases_linked", case_ref=this, detail={"other": that}
                )
    return redirect(url_for("cases.case_page_view", ref=case.ref) + "#links")


@bp.post("/<ref>/same-matter/<other_ref>/undo")
@require_roles(*CASE_ROLES)
def unlink(ref: str, other_ref: str) -> ResponseReturnValue:
    form = UnlinkForm()
    with get_db().session() as db:
        opened = open_case_request(db, ref, with_key=False)
        user, case = opened.user, opened.case
        if not form.validate():
            return _refused(case, _("The form had expired: try again."), other_ref[:40], 400)
        other = db.get(Case, normalise_ref(other_ref))
        if other is None:
            return _refused(case, _("No other case has this reference."), other_ref[:40], 404)
        for one in (case, other):
            if not links.can_read(db, user, one):
                raise CaseAccessDenied(user.username, one.ref)
        if links.unlink_same_matter(db, case.ref, other.ref):
            for this, that in ((case.ref, other.ref), (other.ref, case.ref)):
                audit_log.record(
                    db, user.username, "cases_unlinked", case_ref=this, detail={"other": that}
                )
    return redirect(url_for("cases.case_page_view", ref=case.ref) + "#links")
