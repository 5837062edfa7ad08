"""Accounts, for administrators: invite, change roles, deactivate; list reviewer keys. Administrators
never see a password (invitees set their own) nor any case content."""

from __future__ import annotations

import datetime

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from admin.access import require_roles
from admin.audit import log as audit_log
from admin.auth import sessions
from admin.forms import EmptyForm
from admin.users.forms import InviteForm, RolesForm
from admin.users.invitations import InvitationError, invite
from reprisal_intake.db import get_db
from reprisal_intake.models import ROLES, Mechanism, Reviewer, User
from reprisal_intake.web.forms import SelectChoice, given

bp = Blueprint("users", __name__, url_prefix="/users")


def _actor() -> str:
    with get_db().session() as db:
        user = db.get(User, g.session_user_id)
        return user.username if user else "?"


def _invite_form() -> InviteForm:
    form = InviteForm()
    with get_db().session() as db:
        form.mechanisms.choices = [
            SelectChoice(m.code, f"{m.code}: {m.name}")
            for m in db.scalars(select(Mechanism).order_by(Mechanism.position))
        ]
    return form


@bp.get("/")
@require_roles("administrator")
def user_list() -> ResponseReturnValue:
    return _user_page(_invite_form())


def _user_page(form: InviteForm, status: int = 200) -> ResponseReturnValue:
    with get_db().session() as db:
        users = [
            {
                "id": u.id,
                "username": u.username,
                "roles": sorted(u.role_set),
                "mechanisms": [m.code for m in u.assigned_mechanisms],
                "active": u.active,
                "invited": u.password_hash is None,
                "totp": bool(u.totp_secret),
                "security_keys": len(u.credentials),
            }
            for u in db.scalars(select(User).order_by(User.username))
        ]
        reviewers = [
            {
                "name": r.name,
                "mechanisms": [m.code for m in r.mechanisms],
                "kind": "escrow"
                if r.escrow
                else ("offline" if r.wrapped_secret_key is None else "in app"),
                "active": r.active,
            }
            for r in db.scalars(select(Reviewer).order_by(Reviewer.name))
        ]
    return render_template(
        "admin/users.html",
        users=users,
        reviewers=reviewers,
        form=form,
        roles_form=RolesForm(),
        empty=EmptyForm(),
        roles=ROLES,
    ), status


@bp.post("/invite")
@require_roles("administrator")
def invite_user() -> ResponseReturnValue:
    form = _invite_form()
    if not form.validate_on_submit():
        # The list again, with the invitation as typed and what is wrong with it.
        return _user_page(form, 400)
    actor = _actor()
    hours = current_app.config["ADMIN_INVITATION_HOURS"]
    with get_db().session() as db:
        try:
            user, token = invite(
                db,
                given(form.username.data),
                form.roles.data or [],
                form.mechanisms.data or [],
                datetime.timedelta(hours=hours),
            )
        except InvitationError as error:
            flash(_("Not invited: %(error)s.", error=error))
            return redirect(url_for("users.user_list"))
        audit_log.record(
            db,
            actor,
            "invitation_created",
            detail={
                "user": user.username,
                "roles": sorted(user.role_set),
                "mechanisms": [m.code for m in user.assigned_mechanisms],
            },
        )
        username = user.username
    link = url_for("auth.accept_invitation", token=token, _external=True)
    return render_template("admin/invited.html", username=username, link=link, hours=hours)


@bp.post("/<user_id>/roles")
@require_roles("administrator")
def change_roles(user_id: str) -> ResponseReturnValue:
    form = RolesForm()
    if not form.validate_on_submit():
        abort(400)
    actor = _actor()
    with get_db().session() as db:
        user = db.get(User, user_id)
        if user is None:
            abort(404)
        before = sorted(user.role_set)
        wanted = [r for r in ROLES if r in (form.roles.data or [])]
        if user.id == g.session_user_id and "administrator" not in wanted:
            flash(_("You cannot remove your own administrator role."))
            return redirect(url_for("users.user_list"))
        user.roles = " ".join(wanted)
        # New roles take effect at the next sign-in everywhere.
        sessions.end_all_other(db, user.id, g.session_id)
        audit_log.record(
            db,
            actor,
            "role_change",
            detail={"user": user.username, "before": before, "after": wanted},
        )
    return redirect(url_for("users.user_list"))


@bp.post("/<user_id>/deactivate")
@require_roles("administrator")
def deactivate(user_id: str) -> ResponseReturnValue:
    if not EmptyForm().validate_on_submit():
        abort(400)
    actor = _actor()
    with get_db().session() as db:
        user = db.get(User, user_id)
        if user is None:
            abort(404)
        if user.id == g.session_user_id:
            flash(_("You cannot deactivate your own account."))
            return redirect(url_for("users.user_list"))
        user.active = False
        user.invitation_hash = None
        sessions.end_all_other(db, user.id, None)
        for reviewer in db.scalars(select(Reviewer).where(Reviewer.user_id == user.id)):
            reviewer.active = False
        audit_log.record(db, actor, "user_deactivated", detail={"user": user.username})
    return redirect(url_for("users.user_list"))
