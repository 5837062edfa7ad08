"""No silent drop: the case-work fields that apply only in some cases, as one table. A field that does
not apply is not offered, and if it is posted anyway the view answers 400 with the form as sent and
says why, instead of storing the rest and dropping it (docs/domain.md, "Status follows the work").

Each row names a form, one of its fields, and when it applies, as a test of the form's *subject*: the
thing the field depends on, which the view knows (the measure being sent, the kind being planned, the
kind of reason a move takes, the grade chosen, whether the person agreed to statistics).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import Field

from admin.casework.forms import PlanMeasureForm, ReplyForm, SendMeasureForm, TransitionForm
from admin.statistics.coding import StatisticsForm
from admin.vocabulary import MEASURE_KINDS_BY_CODE


def _to_state(measure: Any) -> bool:
    kind = MEASURE_KINDS_BY_CODE.get(measure.kind)
    return kind is not None and kind.to_state


@dataclass(frozen=True)
class Conditional:
    """``form``'s ``field`` applies only when ``applies(subject)``; ``why`` is shown otherwise."""

    form: type[FlaskForm]
    field: str
    subject: str
    applies: Callable[[Any], bool]
    why: LazyString


CONDITIONAL_FIELDS: tuple[Conditional, ...] = (
    Conditional(
        SendMeasureForm,
        "reply_due",
        "the measure being sent",
        _to_state,
        _l("A State reply date is asked only of a measure sent to the State: leave it empty."),
    ),
    Conditional(
        PlanMeasureForm,
        "variant",
        "the kind of measure planned",
        lambda kind: bool(kind.variants),
        _l("This measure is not named or anonymised: leave this empty."),
    ),
    Conditional(
        PlanMeasureForm,
        "mechanism",
        "the kind of measure planned",
        lambda kind: kind.names_mechanism,
        _l("A mechanism is chosen only for a referral to another mechanism: leave it empty."),
    ),
    Conditional(
        TransitionForm,
        "reason",
        "the kind of reason the move takes",
        lambda reason_kind: reason_kind is not None,
        _l("Only closing, holding and reopening take a reason: leave it empty."),
    ),
    Conditional(
        TransitionForm,
        "close_anyway",
        "the kind of reason the move takes",
        lambda reason_kind: reason_kind == "closed",
        _l("Only closing is confirmed this way."),
    ),
    Conditional(
        ReplyForm,
        "reply_on",
        "the grade chosen",
        lambda grade: grade != "D",
        _l("“No reply” has no reply date: leave it empty."),
    ),
    *(
        Conditional(
            StatisticsForm,
            name,
            "whether the person agreed to statistics",
            bool,
            _l("Not coded: the person has not agreed to statistics. Leave it empty."),
        )
        for name in ("women_girls", "gender", "age_band")
    ),
)


def posted(field: Field) -> bool:
    """Whether the request gave ``field`` a value (not just an empty input)."""
    return any(str(value).strip() for value in (field.raw_data or ()))


def offered(form: FlaskForm, name: str, subject: Any) -> bool:
    """Show ``form``'s field ``name`` for ``subject``: it applies, or it was posted anyway (so what was
    typed comes back with the reason it cannot be kept)."""
    for rule in CONDITIONAL_FIELDS:
        if isinstance(form, rule.form) and rule.field == name and not rule.applies(subject):
            return posted(form[name])
    return True


def refuse_inapplicable(form: FlaskForm, subject: Any) -> bool:
    """Mark every field of ``form`` posted although it does not apply to ``subject``; True if any
    (the view then answers 400 with the form as sent)."""
    refused = False
    for rule in CONDITIONAL_FIELDS:
        if not isinstance(form, rule.form) or rule.applies(subject):
            continue
        field = form[rule.field]
        if posted(field):
            field.errors = [*field.errors, str(rule.why)]
            refused = True
    return refused
