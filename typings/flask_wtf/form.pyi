from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup
from wtforms import Form
from wtforms.csrf.core import CSRFTokenField
from wtforms.fields import Field
from wtforms.meta import DefaultMeta

class FlaskForm(Form):
    class Meta(DefaultMeta):
        csrf: bool
        csrf_field_name: str
        csrf_time_limit: int | None

    # Present when Meta.csrf is on (the default).
    csrf_token: CSRFTokenField

    def __init__(self, formdata: Any = ..., **kwargs: Any) -> None: ...
    def is_submitted(self) -> bool: ...
    def validate_on_submit(
        self, extra_validators: Mapping[str, Sequence[Any]] | None = None
    ) -> bool: ...
    def hidden_tag(self, *fields: Field | str) -> Markup: ...
