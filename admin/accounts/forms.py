"""The forms of the user's own reviewer key."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..forms import AdminForm


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
