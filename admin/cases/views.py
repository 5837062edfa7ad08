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

from admin.access import (
    CASE_ROLES,
    case_scope,
    current_user,
    may_work_on_case,
    require_roles,
    user_reviewers,
)
from admin.accounts.forms import UnlockForm
from admin.audit import log as audit_log
from admin.cases.bundles import write_case_bundle
from admin.cases.decryption import attachment_stream, open_item, safe_filename
from admin.cases.links import links_of
from admin.cases.list_display import ListedCase, listed_cases
from admin.cases.listing import DUE_FILTERS, ORDERS, CaseFilters, CaseRow, case_page
from admin.cases.news import NEWS_LABELS
from admin.cases.news import news as case_news
from admin.cases.own_key_items import SUMMARY_ABOUT
from admin.cases.panels import panel_context
from admin.cases.reading import read_report
from admin.cases.requests import CaseAccessDenied, forbidden, open_case_request
from admin.cases.timeline import report_attachments, story
from admin.forms import EmptyForm
from crypto.errors import RptenvError
from reprisal_intake import domain
from reprisal_intake.db import get_db
from reprisal_intake.models import Item, Mechanism, User, today

bp = Blueprint("cases", __name__, url_prefix="/cases")

BUNDLE_CHUNK = 64 * 1024


def _date_arg(name: str) -> datetime.date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        abort(400)


def _filters(user_id: str) -> CaseFilters:
    def text(name: str, limit: int = 32) -> str | None:
        value = request.args.get(name, "").strip()
        return value[:limit] or None

    mechanism = text("mechanism")
    due = text("due")
    order = text("order")
    owner = text("owner")
    return CaseFilters(
        mechanism=mechanism.upper() if mechanism else None,
        status=text("status"),
        urgency=text("urgency"),
        created_from=_date_arg("from"),
        created_to=_date_arg("to"),
        ref=text("ref", 40),
        owner=user_id if owner == MINE else owner,
        due=due if due in DUE_FILTERS else None,
        order=order if order in ORDERS else "received",
    )


# The owner filter's value for the signed-in user's own cases.
MINE = "mine"


def _people(db: Session) -> list[User]:
    """Who may own cases: active focal points and coordinators, by name."""
    return [
        user
        for user in db.scalars(select(User).where(User.active.is_(True)).order_by(User.username))
        if user.role_set.intersection(CASE_ROLES)
    ]


bp.register_error_handler(CaseAccessDenied, forbidden)


@bp.get("/")
@require_roles(*CASE_ROLES)
def case_list() -> ResponseReturnValue:
    # The account read for this request by load_current_user (require_roles checked it): the list
    # reads nothing it would change, so it does not read the session and the account again.
    user = current_user()
    if user is None:
        abort(403)
    with get_db().session() as db:
        filters = _filters(user.id)
        scope = case_scope(db, user)
        page = case_page(
            db,
            scope,
            filters,
            request.args.get("after"),
            current_app.config["ADMIN_CASES_PER_PAGE"],
        )
        mechanisms = [
            (m.code, m.name) for m in db.scalars(select(Mechanism).order_by(Mechanism.position))
        ]
        listed = [r.ref for r in page.immediate + page.rows]
        news = case_news(db, user.username, listed)
        case_links = links_of(db, scope, listed)
        people = _people(db)
        names = {person.id: person.username for person in people}
        # Owners no longer active are not among the people: their names are read apart.
        gone = {r.owner_id for r in page.immediate + page.rows if r.owner_id} - set(names)
        if gone:
            names.update(
                {
                    uid: name
                    for uid, name in db.execute(
                        select(User.id, User.username).where(User.id.in_(gone))
                    )
                }
            )
    args = {k: v for k, v in request.args.items() if k != "after" and v}
    day = today()

    def display(rows: list[CaseRow]) -> list[ListedCase]:
        return listed_cases(
            rows,
            owner_names=names,
            news=news,
            news_labels=NEWS_LABELS,
            links=case_links,
            today=day,
        )

    return render_template(
        "admin/cases.html",
        page=page,
        filters=filters,
        owner_choice=request.args.get("owner", ""),
        args=args,
        mechanisms=mechanisms,
        statuses=domain.CASE_STATUSES,
        urgencies=[code for code, _label in domain.URGENCIES],
        first_page=request.args.get("after") is None,
        people=people,
        immediate=display(page.immediate),
        rows=display(page.rows),
    )


@bp.get("/<ref>")
@require_roles(*CASE_ROLES)
def case_page_view(ref: str) -> ResponseReturnValue:
    with get_db().session() as db:
        opened_case = open_case_request(db, ref)
        user, case, case_key = opened_case.user, opened_case.case, opened_case.case_key
        # Without the case key (a case shared as a summary) only own-key items may open.
        opened = (
            [open_item(db, item, case_key, opened_case.item_keys) for item in case.items]
            if case_key or opened_case.item_keys
            else []
        )
        has_offline_key = any(k.wrapped_secret_key is None for k in user_reviewers(db, user))
        shown = [o.item.id for o in opened if o.error is None and not o.withheld]
        # One entry per read of the case, with how many items it opened (and which).
        audit_log.record(
            db,
            user.username,
            "case_read" if case_key else "case_viewed",
            case_ref=case.ref,
            detail={"items_opened": len(shown), "items": shown} if case_key else {},
        )
        report = next((o for o in opened if o.item.kind == "report"), None)
        # A mechanism given a summary sees that summary and nothing of the case work.
        summary_only = not may_work_on_case(db, user, case)
        context = {
            "case": case,
            "mechanisms": [m.code for m in case.mechanisms],
            "mechanism_names": [domain.mechanism_name(m.code, m.name) for m in case.mechanisms],
            "items": list(case.items),
            "opened": opened,
            "report": report,
            "reading": read_report(report.answers) if report and report.answers else None,
            "report_files": report_attachments(opened),
            "identity": next((o for o in opened if o.item.kind == "identity"), None),
            "summaries": [
                o
                for o in opened
                if o.item.kind == "note"
                and o.metadata.get("about") == SUMMARY_ABOUT
                and o.error is None
                and not o.withheld
            ],
            "story": story(db, case, opened) if case_key else [],
            "unlocked": opened_case.unlocked,
            "sealed_to_me": case_key is not None,
            "has_offline_key": has_offline_key,
            "summary_only": summary_only,
        }
        if not summary_only:
            context.update(panel_context(db, user, case, case_key))
        return render_template(
            "admin/case.html", **context, empty=EmptyForm(), unlock_form=UnlockForm()
        )


@bp.get("/<ref>/items/<item_id>")
@require_roles(*CASE_ROLES)
def download(ref: str, item_id: str) -> ResponseReturnValue:
    with get_db().session() as db:
        opened_case = open_case_request(db, ref)
        user, case, case_key = opened_case.user, opened_case.case, opened_case.case_key
        item = db.get(Item, item_id)
        if item is None or item.case_ref != case.ref or item.kind != "attachment":
            abort(404)
        if not opened_case.unlocked:
            flash(_("Unlock your key to download files."))
            return redirect(url_for("cases.case_page_view", ref=case.ref))
        if case_key is None:
            abort(403)
        # Recorded (and committed with this block) before a single byte leaves.
        audit_log.record(
            db, user.username, "item_downloaded", case_ref=case.ref, detail={"item": item.id}
        )
        seq = item.seq
    try:
        metadata, chunks = attachment_stream(get_db(), item_id, case_key)
    except RptenvError:  # a damaged or hostile envelope (its metadata does not parse): nothing sent
        abort(400)
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
            # With the reader's key unlocked, the manifest is authenticated (bundle version 2).
            opened_case = open_case_request(db, ref)
            user, case = opened_case.user, opened_case.case
            write_case_bundle(db, case, spool, opened_case.case_key)
            audit_log.record(db, user.username, "case_exported", case_ref=case.ref)
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
