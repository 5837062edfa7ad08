"""The signed-in user's own account: security keys, recovery codes, sign-out everywhere, and their
reviewer key (create, register offline, unlock into this session, lock, rotate)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.access import require_roles, user_reviewers
from admin.accounts import key_custody
from admin.accounts.forms import OfflineKeyForm, PassphraseForm, UnlockForm
from admin.audit import log as audit_log
from admin.auth import recovery_codes, security_keys, sessions
from admin.auth.current_user import signed_in
from admin.extensions import limiter
from admin.forms import EmptyForm
from admin.redirects import local_path
from crypto.errors import FormatError, PassphraseError
from crypto.keys import public_key_from_base64
from reprisal_intake.db import get_db
from reprisal_intake.models import Reviewer, today
from reprisal_intake.reader_records import reader_standing
from reprisal_intake.web.forms import given
from reprisal_intake.web.headers import extra_csp

bp = Blueprint("account", __name__, url_prefix="/account")

SCRIPT_CSP = {"script_src": "'self'", "connect_src": "'self'"}


def _unlock_limit() -> str:
    return str(current_app.config["ADMIN_UNLOCK_LIMIT"])


def _account_key() -> str:
    return f"user:{g.session_user_id}" if g.get("session_user_id") else "anonymous"


def _escrow_configured(db: Session) -> bool:
    return (
        db.scalar(select(Reviewer.id).where(Reviewer.escrow.is_(True), Reviewer.active.is_(True)))
        is not None
    )


@bp.get("/")
@require_roles()
@extra_csp(**SCRIPT_CSP)
def overview() -> ResponseReturnValue:
    with get_db().session() as db:
        row, user = signed_in(db)
        keys = user_reviewers(db, user)
        org_keys, day = current_app.config["ORG_PUBLIC_KEYS"], today()
        context = {
            "user": user,
            "roles": sorted(user.role_set),
            "assigned": [m.code for m in user.assigned_mechanisms],
            "keys": [
                {
                    "name": k.name,
                    "mechanisms": [m.code for m in k.mechanisms],
                    "offline": k.wrapped_secret_key is None,
                    "unlocked": row.unlocked_reviewer_id == k.id,
                    "standing": reader_standing(db, k, org_keys, day),
                }
                for k in keys
            ],
            "credentials": [
                (c.name, c.created, c.last_used, c.sign_count) for c in user.credentials
            ],
            "recovery_left": recovery_codes.remaining(user),
            "escrow": _escrow_configured(db),
        }
    return render_template(
        "admin/account.html",
        **context,
        empty=EmptyForm(),
        passphrase_form=PassphraseForm(),
        unlock_form=UnlockForm(),
        offline_form=OfflineKeyForm(prefix="offline"),
        rotate_form=PassphraseForm(prefix="rotate"),
    )


@bp.post("/signout-everywhere")
@require_roles()
def sign_out_everywhere() -> ResponseReturnValue:
    if not EmptyForm().validate_on_submit():
        abort(400)
    with get_db().session() as db:
        _row, user = signed_in(db)
        ended = sessions.end_all(db, user.id)
        audit_log.record(db, user.username, "sign_out_everywhere", detail={"sessions": ended})
    return redirect(url_for("auth.sign_in"))


@bp.post("/recovery-codes")
@require_roles()
def renew_recovery_codes() -> ResponseReturnValue:
    if not EmptyForm().validate_on_submit():
        abort(400)
    with get_db().session() as db:
        _row, user = signed_in(db)
        codes = recovery_codes.renew(user)
        audit_log.record(db, user.username, "recovery_codes_renewed")
    return render_template("admin/recovery_codes.html", codes=codes, first_time=False)


@bp.post("/security-keys/options")
@require_roles()
def security_key_options() -> ResponseReturnValue:
    with get_db().session() as db:
        row, user = signed_in(db)
        options = security_keys.registration_options(row, user)
    return current_app.response_class(options, mimetype="application/json")


@bp.post("/security-keys")
@require_roles()
def add_security_key() -> ResponseReturnValue:
    with get_db().session() as db:
        row, user = signed_in(db)
        name = request.args.get("name", "Security key")
        try:
            credential = security_keys.parse_credential(request.get_data())
            security_keys.register(row, user, credential, name)
        except Exception:  # any failed check: nothing stored
            return jsonify(error=_("The security key could not be registered.")), 400
        audit_log.record(db, user.username, "security_key_added")
    return jsonify(redirect=url_for("account.overview"))


@bp.post("/key/create")
@require_roles("focal_point", "coordinator")
def create_key() -> ResponseReturnValue:
    form = PassphraseForm()
    if not form.validate_on_submit():
        abort(400)
    with get_db().session() as db:
        row, user = signed_in(db)
        problem = key_custody.passphrase_problem(
            user, given(form.passphrase.data), given(form.confirm.data)
        )
        if problem:
            flash(problem)
            return redirect(url_for("account.overview"))
        try:
            reviewer, secret_key = key_custody.create_key(db, user, given(form.passphrase.data))
        except key_custody.KeyError_ as error:
            flash(str(error))
            return redirect(url_for("account.overview"))
        sessions.keep_unlocked_key(row, reviewer.id, secret_key)
        audit_log.record(
            db,
            user.username,
            "key_created",
            detail={"reviewer": reviewer.name, "mechanisms": [m.code for m in reviewer.mechanisms]},
        )
    flash(_("Your key was created and is unlocked for this session."))
    return redirect(url_for("account.overview"))


@bp.post("/key/offline")
@require_roles("focal_point", "coordinator")
def register_offline_key() -> ResponseReturnValue:
    form = OfflineKeyForm(prefix="offline")
    if not form.validate_on_submit():
        abort(400)
    with get_db().session() as db:
        _row, user = signed_in(db)
        try:
            public_key = public_key_from_base64(given(form.public_key.data).strip())
            reviewer = key_custody.register_offline_key(db, user, public_key)
        except FormatError:
            flash(_("That is not a public key (32 bytes in standard base64)."))
            return redirect(url_for("account.overview"))
        except key_custody.KeyError_ as error:
            flash(str(error))
            return redirect(url_for("account.overview"))
        audit_log.record(db, user.username, "key_registered", detail={"reviewer": reviewer.name})
    flash(_("Your offline public key was registered. Export case bundles to read them offline."))
    return redirect(url_for("account.overview"))


@bp.post("/key/unlock")
@require_roles("focal_point", "coordinator")
@limiter.limit(_unlock_limit, key_func=_account_key)
def unlock_key() -> ResponseReturnValue:
    form = UnlockForm()
    if not form.validate_on_submit():
        abort(400)
    with get_db().session() as db:
        row, user = signed_in(db)
        keys = [k for k in user_reviewers(db, user) if k.wrapped_secret_key is not None]
        if not keys:
            flash(_("You have no key kept in this app."))
            return redirect(url_for("account.overview"))
        reviewer = keys[0]
        try:
            secret_key = key_custody.unlock(reviewer, given(form.passphrase.data))
        except PassphraseError:
            flash(_("That passphrase does not open your key."))
            return redirect(url_for("account.overview"))
        sessions.keep_unlocked_key(row, reviewer.id, secret_key)
        audit_log.record(db, user.username, "key_unlocked", detail={"reviewer": reviewer.name})
    flash(_("Your key is unlocked until you sign out, lock it or stay idle too long."))
    return redirect(_next_or(url_for("account.overview")))


@bp.post("/key/lock")
@require_roles("focal_point", "coordinator")
def lock_key() -> ResponseReturnValue:
    if not EmptyForm().validate_on_submit():
        abort(400)
    with get_db().session() as db:
        row, user = signed_in(db)
        sessions.forget_unlocked_key(row)
        audit_log.record(db, user.username, "key_locked")
    return redirect(url_for("account.overview"))


@bp.post("/key/rotate")
@require_roles("focal_point", "coordinator")
def rotate_key() -> ResponseReturnValue:
    form = PassphraseForm(prefix="rotate")
    if not form.validate_on_submit():
        abort(400)
    with get_db().session() as db:
        row, user = signed_in(db)
        unlocked = sessions.unlocked_key(row)
        reviewer = db.get(Reviewer, unlocked[0]) if unlocked else None
        if unlocked is None or reviewer is None or reviewer.user_id != user.id:
            flash(_("Unlock your key first: rotation re-seals your cases with it."))
            return redirect(url_for("account.overview"))
        problem = key_custody.passphrase_problem(
            user, given(form.passphrase.data), given(form.confirm.data)
        )
        if problem:
            flash(problem)
            return redirect(url_for("account.overview"))
        try:
            new_key, count = key_custody.rotate(
                db, reviewer, unlocked[1], given(form.passphrase.data)
            )
        except key_custody.KeyError_ as error:
            flash(str(error))
            return redirect(url_for("account.overview"))
        sessions.keep_unlocked_key(row, reviewer.id, new_key)
        audit_log.record(
            db, user.username, "key_rotated", detail={"reviewer": reviewer.name, "stanzas": count}
        )
    flash(_("Your key was replaced; %(count)s case(s) were re-sealed to the new key.", count=count))
    return redirect(url_for("account.overview"))


def _next_or(default: str) -> str:
    return local_path(request.args.get("next")) or default
