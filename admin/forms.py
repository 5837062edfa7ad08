"""The admin app's forms (Flask-WTF: every POST carries a CSRF token)."""

from __future__ import annotations

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


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EmptyForm(FlaskForm):
    """Only the CSRF token: for buttons that change state."""


class SignInForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class RecoveryCodeForm(FlaskForm):
    code = StringField(
        _l("Recovery code"),
        validators=[DataRequired(), Length(max=32)],
        render_kw={"autocomplete": "off"},
    )


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(
        _l("The same password again"), validators=[DataRequired(), Length(max=1024)]
    )


class PassphraseForm(FlaskForm):
    passphrase = PasswordField(_l("Key passphrase"), validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(
        _l("The same passphrase again"), validators=[DataRequired(), Length(max=1024)]
    )


class UnlockForm(FlaskForm):
    passphrase = PasswordField(_l("Key passphrase"), validators=[DataRequired(), Length(max=1024)])


class OfflineKeyForm(FlaskForm):
    public_key = StringField(
        _l("Public key (base64, as printed by reprisal-decrypt keygen)"),
        validators=[DataRequired(), Length(max=64)],
    )


class InviteForm(FlaskForm):
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


class RolesForm(FlaskForm):
    roles = CheckboxesField(_l("Roles"), choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES])
