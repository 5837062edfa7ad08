"""The landing page: sends each person where their role works."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask.typing import ResponseReturnValue

from admin.access import current_user

bp = Blueprint("admin", __name__)


@bp.get("/")
def home() -> ResponseReturnValue:
    user = current_user()
    if user is None:
        return redirect(url_for("auth.sign_in"))
    roles = user.role_set
    if roles & {"focal_point", "coordinator"}:
        return redirect(url_for("cases.case_list"))
    if "administrator" in roles:
        return redirect(url_for("users.user_list"))
    if "auditor" in roles:
        return redirect(url_for("audit.log"))
    return redirect(url_for("account.overview"))
