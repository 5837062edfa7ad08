"""The forms of account administration: invitations and roles."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp

from reprisal_intake.models import ROLES
from reprisal_intake.web.forms import SelectChoice

from ..forms import AdminForm, CheckboxesField

ROLE_LABELS = {
    "focal_point": _l("Focal point (reads the cases of their mechanisms)"),
    "coordinator": _l("Coordinator (triages and routes every new case)"),
    "administrator": _l("Administrator (accounts, mechanisms, keys; no case content)"),
    "auditor": _l("Auditor (reads the audit log)"),
}


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
