"""The admin app's base forms; each area keeps its own forms beside its views.

One convention for bad input, everywhere in the admin app:

* CSRF: ``CSRFProtect`` (admin/extensions.py) checks every POST before any view runs; a missing or
  stale token is always the shared "This form has expired" page (400). No view checks the token.
* An invalid form: a view tests ``form.validate_on_submit()``; when it fails, a form with text a
  person typed comes back on its page with the answers and their errors (400, nothing stored); a
  form of buttons, choices or secrets only (nothing to give back) answers ``abort(400)``.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


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
