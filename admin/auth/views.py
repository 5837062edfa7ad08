"""Sign-in: password, then TOTP, a security key or a recovery code; invitations; TOTP enrolment;
sign-out. Every step starts a new server-side session (no fixation) and lands in the audit log."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
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

from admin.audit import log as audit_log
from admin.auth import recovery_codes, security_keys, sessions, throttle, totp
from admin.auth.forms import CodeForm, NewPasswordForm, RecoveryCodeForm, SignInForm
from admin.auth.passwords import hash_secret, password_problem, verify_secret
from admin.extensions import limiter
from admin.forms import EmptyForm
from admin.redirects import safe_next
from admin.users.invitations import find_invited
from reprisal_intake.db import get_db
from reprisal_intake.models import AdminSession, User
from reprisal_intake.web.forms import given
from reprisal_intake.web.headers import extra_csp

bp = Blueprint("auth", __name__)

SCRIPT_CSP = {"script_src": "'self'", "connect_src": "'self'"}


def _signin_limit() -> str:
    return str(current_app.config["ADMIN_SIGNIN_LIMIT"])


def _pending(db: Session, stage: str) -> tuple[AdminSession, User] | None:
    if g.get("session_id") is None or g.get("session_stage") != stage:
        return None
    row = db.get(AdminSession, g.session_id)
    user = db.get(User, g.session_user_id) if row else None
    if row is None or user is None:
        return None
    return row, user


def _failure(db: Session, user: User, step: str) -> bool:
    """Count a failed step for this name; True when the name is now guarded (web sign-in then
    needs password and code together). Nothing is locked: the owner still signs in."""
    audit_log.record(db, user.username, "sign_in_failed", detail={"step": step})
    throttle.register_failure(user.username)
    if throttle.guarded(user.username):
        # This attempt's pending session ends; whoever is already signed in stays signed in.
        sessions.end_current(db)
        return True
    return False


def _complete(db: Session, user: User, method: str) -> None:
    sessions.start(db, user, sessions.STAGE_FULL)
    audit_log.record(db, user.username, "sign_in", detail={"method": method})


def _guarded_sign_in(db: Session, user: User | None, password: str, code: str) -> bool:
    """A guarded name: the code first (no Argon2 unless it is right), then the password."""
    if user is None or not code or not totp.accept_code(user, code):
        return False
    return verify_secret(user.password_hash, password)


@bp.route("/signin", methods=["GET", "POST"])
@limiter.limit(_signin_limit, methods=["POST"])
def sign_in() -> ResponseReturnValue:
    form = SignInForm()
    message = None
    status = 200
    ask_code = False
    if form.validate_on_submit():
        username = given(form.username.data).strip()
        password = given(form.password.data)
        with get_db().session() as db:
            user = db.scalar(select(User).where(User.username == username, User.active.is_(True)))
            if throttle.guarded(username):
                # Known or not, the same answer and the same work (web.throttle).
                if _guarded_sign_in(db, user, password, (form.code.data or "").strip()):
                    assert user is not None
                    _complete(db, user, "totp")
                    return redirect(safe_next(request.args.get("next")))
                throttle.register_failure(username)
                if user is not None:
                    audit_log.record(
                        db, user.username, "sign_in_failed", detail={"step": "guarded"}
                    )
                message, status, ask_code = throttle.guard_message(), 401, True
            elif verify_secret(user.password_hash if user else None, password):
                assert user is not None
                stage = (
                    sessions.STAGE_SECOND_FACTOR
                    if user.totp_secret or user.credentials
                    else sessions.STAGE_ENROL
                )
                sessions.start(db, user, stage)
                target = (
                    "auth.second_factor" if stage == sessions.STAGE_SECOND_FACTOR else "auth.enrol"
                )
                return redirect(url_for(target, next=safe_next(request.args.get("next"))))
            else:
                message, status = _("Wrong user name or password."), 401
                throttle.register_failure(username)
                if user is not None:
                    audit_log.record(
                        db, user.username, "sign_in_failed", detail={"step": "password"}
                    )
                if throttle.guarded(username):
                    message, ask_code = throttle.guard_message(), True
    return render_template(
        "admin/signin.html", form=form, message=message, ask_code=ask_code
    ), status


@bp.route("/signin/verify", methods=["GET", "POST"])
@extra_csp(**SCRIPT_CSP)
@limiter.limit(_signin_limit, methods=["POST"])
def second_factor() -> ResponseReturnValue:
    form = CodeForm()
    recovery_form = RecoveryCodeForm(prefix="recovery")
    message, status = None, 200
    with get_db().session() as db:
        pending = _pending(db, sessions.STAGE_SECOND_FACTOR)
        if pending is None:
            return redirect(url_for("auth.sign_in"))
        _row, user = pending
        has_keys = bool(user.credentials)
        has_totp = bool(user.totp_secret)
        used = None
        if request.method == "POST":
            if "recovery-code" in request.form and recovery_form.validate_on_submit():
                used = (
                    "recovery_code"
                    if recovery_codes.use(user, given(recovery_form.code.data))
                    else None
                )
                step = "recovery_code"
            elif form.validate_on_submit():
                used = "totp" if totp.accept_code(user, given(form.code.data)) else None
                step = "totp"
            else:
                abort(400)
            if used:
                if used == "recovery_code":
                    audit_log.record(db, user.username, "recovery_code_used")
                _complete(db, user, used)
                return redirect(safe_next(request.args.get("next")))
            message, status = _("That code is not valid (or was used already)."), 401
            if _failure(db, user, step):
                return render_template(
                    "admin/signin.html",
                    form=SignInForm(),
                    message=throttle.guard_message(),
                    ask_code=True,
                ), 401
    return render_template(
        "admin/second_factor.html",
        form=form,
        recovery_form=recovery_form,
        has_keys=has_keys,
        has_totp=has_totp,
        message=message,
        next=safe_next(request.args.get("next")),
    ), status


@bp.post("/signin/webauthn/options")
@limiter.limit(_signin_limit)
def webauthn_options() -> ResponseReturnValue:
    with get_db().session() as db:
        pending = _pending(db, sessions.STAGE_SECOND_FACTOR)
        if pending is None or not pending[1].credentials:
            abort(403)
        row, user = pending
        options = security_keys.authentication_options(row, user)
    return current_app.response_class(options, mimetype="application/json")


@bp.post("/signin/webauthn/verify")
@limiter.limit(_signin_limit)
def webauthn_verify() -> ResponseReturnValue:
    with get_db().session() as db:
        pending = _pending(db, sessions.STAGE_SECOND_FACTOR)
        if pending is None:
            abort(403)
        row, user = pending
        try:
            credential = security_keys.parse_credential(request.get_data())
            security_keys.authenticate(row, user, credential)
        except Exception:  # any failed check is a failed attempt, not an error page
            guarded = _failure(db, user, "security_key")
            message = throttle.guard_message() if guarded else None
            return jsonify(error=message or _("The security key was not accepted.")), 401
        _complete(db, user, "security_key")
    return jsonify(redirect=safe_next(request.args.get("next")))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(_signin_limit, methods=["POST"])
def accept_invitation(token: str) -> ResponseReturnValue:
    form = NewPasswordForm()
    message = None
    with get_db().session() as db:
        user = find_invited(db, token)
        if user is None:
            return render_template(
                "error.html",
                title=_("This invitation cannot be used"),
                message=_(
                    "It was used already, has expired or never existed. Ask your administrator "
                    "for a new one."
                ),
                code=404,
            ), 404
        if form.validate_on_submit():
            problem = password_problem(given(form.password.data), user.username)
            if form.password.data != form.confirm.data:
                problem = _("The two passwords differ.")
            if problem is None:
                user.password_hash = hash_secret(given(form.password.data))
                user.invitation_hash = None
                user.invitation_expires = None
                audit_log.record(db, user.username, "invitation_accepted")
                sessions.start(db, user, sessions.STAGE_ENROL)
                return redirect(url_for("auth.enrol"))
            message = problem
        username = user.username
    return render_template("admin/invitation.html", form=form, username=username, message=message)


@bp.route("/signin/enrol", methods=["GET", "POST"])
@limiter.limit(_signin_limit, methods=["POST"])
def enrol() -> ResponseReturnValue:
    form = CodeForm()
    message = None
    with get_db().session() as db:
        pending = _pending(db, sessions.STAGE_ENROL)
        if pending is None:
            return redirect(url_for("auth.sign_in"))
        row, user = pending
        if row.pending_totp_secret is None:
            row.pending_totp_secret = totp.new_secret()
        secret = row.pending_totp_secret
        if form.validate_on_submit():
            step = totp.matching_step(secret, given(form.code.data))
            if step is not None:
                user.totp_secret = secret
                user.totp_last_step = step
                codes = recovery_codes.renew(user)
                audit_log.record(db, user.username, "totp_enrolled")
                _complete(db, user, "totp")
                return render_template("admin/recovery_codes.html", codes=codes, first_time=True)
            message = _("That code does not match. Check the time on your phone and try again.")
            if _failure(db, user, "totp_enrolment"):
                return redirect(url_for("auth.sign_in"))
        uri = totp.provisioning_uri(secret, user.username)
    return render_template(
        "admin/enrol.html", form=form, qr=totp.qr_svg(uri), secret=secret, message=message
    )


@bp.post("/signout")
def sign_out() -> ResponseReturnValue:
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    with get_db().session() as db:
        user = db.get(User, g.session_user_id) if g.get("session_id") else None
        sessions.end_current(db)
        if user is not None:
            audit_log.record(db, user.username, "sign_out")
    return redirect(url_for("auth.sign_in"))
