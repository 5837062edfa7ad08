"""The admin app's forms (Flask-WTF: every POST carries a CSRF token)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from reprisal_intake.models import ROLES

ROLE_LABELS = {
    "focal_point": _l("Focal point (reads the cases of their mechanisms)"),
    "coordinator": _l("Coordinator (triages and routes every new case)"),
    "administrator": _l("Administrator (accounts, mechanisms, keys; no case content)"),
    "auditor": _l("Auditor (reads the audit log)"),
}


class AdminForm(FlaskForm):
    """A form read from the text fields of a POST only.

    Flask-WTF would also read uploaded files and JSON bodies into it. No admin form takes either, and
    a file or a JSON number where text is expected would reach the validators as something other than
    a string; here such a value counts as not sent.
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            if formdata is None or hasattr(formdata, "getlist"):
                return formdata  # chosen by the view: no data, or data it passes
            return (request.form or None) if form.is_submitted() else None


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EmptyForm(AdminForm):
    """Only the CSRF token: for buttons that change state."""


class SignInForm(AdminForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


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


class PassphraseForm(AdminForm):
    passphrase = PasswordField(_l("Key passphrase"), validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(
        _l("The same passphrase again"), validators=[DataRequired(), Length(max=1024)]
    )


class UnlockForm(AdminForm):
    passphrase = PasswordField(_l("Key passphrase"), validators=[DataRequired(), Length(max=1024)])


class OfflineKeyForm(AdminForm):
    public_key = StringField(
        _l("Public key (base64, as printed by reprisal-decrypt keygen)"),
        validators=[DataRequired(), Length(max=64)],
    )


class InviteForm(AdminForm):
    username = StringField(
        _l("User name"),
        validators=[
            DataRequired(),
            Length(min=2, max=64),
            Regexp(
                r"^[A-Za-z0-9._-]+$", message=_l("Letters, digits, dot, dash and underscore only.")
            ),
        ],
    )
    roles = CheckboxesField(_l("Roles"), choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES])
    mechanisms = CheckboxesField(_l("Mechanisms (for focal points)"), choices=[])


class RolesForm(AdminForm):
    roles = CheckboxesField(_l("Roles"), choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES])
