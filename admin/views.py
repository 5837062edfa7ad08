"""Reviewer pages. Until accounts and sign-in exist, the app shows no case data at all."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

bp = Blueprint("admin", __name__)


@bp.get("/")
def home() -> ResponseReturnValue:
    return render_template("admin/home.html")
