"""The sign-in forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import AdminForm


class SignInForm(AdminForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    # Asked for only while sign-in for the name is slowed (admin.auth.throttle).
    code = StringField(
        _l("Code from your authenticator app"),
        validators=[Optional(), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class CodeForm(AdminForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class RecoveryCodeForm(AdminForm):
    code = StringField(
        _l("Recovery code"),
        validators=[DataRequired(), Length(max=32)],
        render_kw={"autocomplete": "off"},
    )


class NewPasswordForm(AdminForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(
        _l("The same password again"), validators=[DataRequired(), Length(max=1024)]
    )
