"""Reading cases: the list (routing fields only), the case page (decrypted in memory with the key
unlocked in this session, shown as escaped text), attachment downloads streamed and decrypted chunk by
chunk, and the encrypted case bundle. Every decryption, download and export is audited."""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Iterator

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden

from reprisal_intake import domain
from reprisal_intake.db import get_db
from reprisal_intake.models import AdminSession, Case, Item, Mechanism, User
from reprisal_intake.web.errors import render_error

from . import audit, casework_views, contact_views, sessions, sharing_views, statistics_views
from .access import CASE_ROLES, case_scope, may_open_case, require_roles, user_reviewers
from .caselist import CaseFilters, case_page
from .cases import write_case_bundle
from .forms import EmptyForm, UnlockForm
from .reading import attachment_stream, case_key_for, open_item, safe_filename

bp = Blueprint("cases", __name__, url_prefix="/cases")

# Each area adds its part of the case page (admin/templates/admin/case/_<area>.html).
CASE_PANELS = (
    casework_views.case_panel,
    sharing_views.case_panel,
    contact_views.case_panel,
    statistics_views.case_panel,
)

BUNDLE_CHUNK = 64 * 1024


def _date_arg(name: str) -> datetime.date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        abort(400)


def _filters() -> CaseFilters:
    def text(name: str, limit: int = 32) -> str | None:
        value = request.args.get(name, "").strip()
        return value[:limit] or None

    mechanism = text("mechanism")
    return CaseFilters(
        mechanism=mechanism.upper() if mechanism else None,
        status=text("status"),
        urgency=text("urgency"),
        created_from=_date_arg("from"),
        created_to=_date_arg("to"),
        ref=text("ref", 40),
    )


def _me(db: Session) -> tuple[AdminSession, User]:
    row = db.get(AdminSession, g.session_id)
    user = db.get(User, g.session_user_id)
    if row is None or user is None:
        abort(403)
    return row, user


class CaseAccessDenied(Forbidden):
    """A signed-in user asked for a case outside their mechanisms (audited, then 403)."""

    def __init__(self, username: str, case_ref: str) -> None:
        super().__init__()
        self.username = username
        self.case_ref = case_ref


def _case_for(db: Session, user: User, ref: str) -> Case:
    case = db.get(Case, ref.strip().upper())
    if case is None:
        abort(404)
    if not may_open_case(db, user, case):
        raise CaseAccessDenied(user.username, case.ref)
    return case


@bp.errorhandler(CaseAccessDenied)
def audit_denied(error: CaseAccessDenied) -> ResponseReturnValue:
    # The view's own transaction was rolled back by the exception; this entry has its own.
    with get_db().session() as db:
        audit.record(db, error.username, "access_denied", case_ref=error.case_ref)
    return render_error(error)


@bp.get("/")
@require_roles(*CASE_ROLES)
def case_list() -> ResponseReturnValue:
    filters = _filters()
    with get_db().session() as db:
        _row, user = _me(db)
        page = case_page(
            db,
            case_scope(db, user),
            filters,
            request.args.get("after"),
            current_app.config["ADMIN_CASES_PER_PAGE"],
        )
        mechanisms = [
            (m.code, m.name) for m in db.scalars(select(Mechanism).order_by(Mechanism.position))
        ]
    args = {k: v for k, v in request.args.items() if k != "after" and v}
    return render_template(
        "admin/cases.html",
        page=page,
        filters=filters,
        args=args,
        mechanisms=mechanisms,
        statuses=domain.CASE_STATUSES,
        urgencies=[code for code, _label in domain.URGENCIES],
        first_page=request.args.get("after") is None,
    )


@bp.get("/<ref>")
@require_roles(*CASE_ROLES)
def case_page_view(ref: str) -> ResponseReturnValue:
    with get_db().session() as db:
        row, user = _me(db)
        case = _case_for(db, user, ref)
        unlocked = sessions.unlocked_key(row)
        case_key = case_key_for(db, case, *unlocked) if unlocked else None
        opened = [open_item(db, item, case_key) for item in case.items] if case_key else []
        has_offline_key = any(k.wrapped_secret_key is None for k in user_reviewers(db, user))
        audit.record(
            db,
            user.username,
            "item_decrypted" if case_key else "case_viewed",
            case_ref=case.ref,
            detail={"items": [o.item.id for o in opened if o.error is None]} if case_key else {},
        )
        context = {
            "case": case,
            "mechanisms": [m.code for m in case.mechanisms],
            "items": list(case.items),
            "opened": opened,
            "unlocked": unlocked is not None,
            "sealed_to_me": case_key is not None,
            "has_offline_key": has_offline_key,
        }
        for panel in CASE_PANELS:
            context.update(panel(db, user, case, case_key))
        return render_template(
            "admin/case.html", **context, empty=EmptyForm(), unlock_form=UnlockForm()
        )


@bp.get("/<ref>/items/<item_id>")
@require_roles(*CASE_ROLES)
def download(ref: str, item_id: str) -> ResponseReturnValue:
    with get_db().session() as db:
        row, user = _me(db)
        case = _case_for(db, user, ref)
        item = db.get(Item, item_id)
        if item is None or item.case_ref != case.ref or item.kind != "attachment":
            abort(404)
        unlocked = sessions.unlocked_key(row)
        if unlocked is None:
            flash(_("Unlock your key to download files."))
            return redirect(url_for("cases.case_page_view", ref=case.ref))
        case_key = case_key_for(db, case, *unlocked)
        if case_key is None:
            abort(403)
        # Recorded (and committed with this block) before a single byte leaves.
        audit.record(
            db, user.username, "item_downloaded", case_ref=case.ref, detail={"item": item.id}
        )
        seq = item.seq
    metadata, chunks = attachment_stream(get_db(), item_id, case_key)
    filename = safe_filename(metadata, f"attachment-{seq}")
    response = Response(stream_with_context(chunks), mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.post("/<ref>/export")
@require_roles(*CASE_ROLES)
def export(ref: str) -> ResponseReturnValue:
    if not EmptyForm().validate_on_submit():
        abort(400)
    # The bundle holds ciphertext only (spec §3), so spooling it to a temporary file is safe.
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the generator below
    try:
        with get_db().session() as db:
            _row, user = _me(db)
            case = _case_for(db, user, ref)
            write_case_bundle(db, case, spool)
            audit.record(db, user.username, "case_exported", case_ref=case.ref)
            case_ref = case.ref
        spool.seek(0)
    except BaseException:
        spool.close()
        raise

    def generate() -> Iterator[bytes]:
        with spool:
            while piece := spool.read(BUNDLE_CHUNK):
                yield piece

    response = Response(generate(), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="case-{case_ref}.zip"'
    return response
