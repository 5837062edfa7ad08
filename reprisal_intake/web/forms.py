"""What both apps' forms and views share."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, TypeVar

from flask import abort

if TYPE_CHECKING:
    # An option of a select, radio or checkbox field. WTForms 3.3 takes SelectChoice (it deprecates
    # tuples); types-WTForms describes 3.2, which had no SelectChoice and took (value, label) tuples.
    # To the type checker it is that tuple; at run time it is WTForms' own class.
    class SelectChoice(NamedTuple):
        value: str
        label: str

else:
    from wtforms.fields.choices import SelectChoice

__all__ = ["SelectChoice", "given"]

_Value = TypeVar("_Value")


def given(value: _Value | None) -> _Value:
    """The data of a field a validated form requires (``DataRequired``, ``InputRequired``).

    WTForms types every field's data as optional; after validation a required field holds a value.
    A field that still holds none is bad input (400), never an AttributeError (500).
    """
    if value is None:
        abort(400)
    return value
