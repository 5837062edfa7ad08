"""No silent drop (issue 17): every row of ``CONDITIONAL_FIELDS`` (a case-work field that applies only in
some cases) is posted where it does not apply, through HTTP: the answer is 400 with what was typed and
the reason, and nothing is stored. A row without a scenario here fails, so a new conditional field is
covered by construction. The case page does not offer such a field where it does not apply."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from admin.casework.conditional_fields import CONDITIONAL_FIELDS, Conditional
from reprisal_intake.models import today
from reprisal_intake.models.casework import Measure
from reprisal_intake.models.statistics import CaseStatistics
from tests.factories import database
from tests.support.casework import Casework, a_case_on_my_desk, record_consent

FAR = "2031-01-15"


@dataclass
class Attempt:
    step: str
    data: dict[str, str]
    typed: str  # what must come back in the answer, as rendered
    stored: Callable[[], object]  # the state the attempt must not change


def _measures(work: Casework) -> object:
    with database(work.app).session() as session:
        return sorted(
            (m.id, m.status, m.reply_due, m.reply_grade, m.mechanism_code, m.consent_scope)
            for m in session.scalars(select(Measure).where(Measure.case_ref == work.ref))
        )


def _case(work: Casework) -> object:
    case = work.case()
    return (case.status, case.closed_reason, case.hold_reason, case.closed_on)


def _statistics(work: Casework) -> object:
    with database(work.app).session() as session:
        row = session.get(CaseStatistics, work.ref)
        return None if row is None else (row.gender, row.age_band, row.women_girls, row.confirmed)


def _planned(work: Casework, **data: str) -> str:
    assert work.post("measures", **data).status_code == 302
    with database(work.app).session() as session:
        return (
            session.scalars(
                select(Measure.id).where(Measure.case_ref == work.ref).order_by(Measure.seq.desc())
            ).first()
            or ""
        )


def send_reply_due_on_a_measure_not_to_the_state(work: Casework) -> Attempt:
    measure_id = _planned(work, kind="verify")
    assert work.assess_risk().status_code == 302
    data = {
        "sent_on": today().isoformat(),
        "channel": "email",
        "action_risk": "low",
        "consent_current": "y",
        "reply_due": FAR,
    }
    return Attempt(f"measures/{measure_id}/sent", data, f'value="{FAR}"', lambda: _measures(work))


def plan_variant_for_a_measure_without_one(work: Casework) -> Attempt:
    return Attempt(
        "measures",
        {"kind": "verify", "variant": "named"},
        '<option selected value="named">',
        lambda: _measures(work),
    )


def plan_mechanism_for_a_measure_that_names_none(work: Casework) -> Attempt:
    return Attempt(
        "measures",
        {"kind": "verify", "mechanism": "SP"},
        '<option selected value="SP">',
        lambda: _measures(work),
    )


def transition_reason_for_a_move_without_one(work: Casework) -> Attempt:
    return Attempt(
        "transition",
        {"to_status": "under_assessment", "reason": "security"},
        '<option selected value="security">',
        lambda: _case(work),
    )


def transition_close_anyway_when_not_closing(work: Casework) -> Attempt:
    return Attempt(
        "transition",
        {"to_status": "under_assessment", "close_anyway": "y"},
        'checked id="transition-close-anyway"',
        lambda: _case(work),
    )


def reply_date_with_no_reply(work: Casework) -> Attempt:
    measure_id = _planned(work, kind="state_letter", variant="anonymised")
    work.ready_to_send(measure_id)
    sent = work.post(
        f"measures/{measure_id}/sent",
        sent_on=(today() - datetime.timedelta(days=40)).isoformat(),
        channel="letter",
        action_risk="medium",
        consent_current="y",
        reply_due=(today() - datetime.timedelta(days=10)).isoformat(),
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    typed = (today() - datetime.timedelta(days=1)).isoformat()
    return Attempt(
        f"measures/{measure_id}/reply",
        {"grade": "D", "reply_on": typed},
        f'value="{typed}"',
        lambda: _measures(work),
    )


def statistics_without_consent(field: str, value: str, typed: str) -> Callable[[Casework], Attempt]:
    def attempt(work: Casework) -> Attempt:
        record_consent(work.app, work.ref, "statistics", "refused")
        data = {"stats-individuals": "5", f"stats-{field}": value}
        return Attempt("statistics", data, typed, lambda: _statistics(work))

    return attempt


SCENARIOS: dict[tuple[str, str], Callable[[Casework], Attempt]] = {
    ("SendMeasureForm", "reply_due"): send_reply_due_on_a_measure_not_to_the_state,
    ("PlanMeasureForm", "variant"): plan_variant_for_a_measure_without_one,
    ("PlanMeasureForm", "mechanism"): plan_mechanism_for_a_measure_that_names_none,
    ("TransitionForm", "reason"): transition_reason_for_a_move_without_one,
    ("TransitionForm", "close_anyway"): transition_close_anyway_when_not_closing,
    ("ReplyForm", "reply_on"): reply_date_with_no_reply,
    ("StatisticsForm", "gender"): statistics_without_consent(
        "gender", "woman", '<option selected value="woman">'
    ),
    ("StatisticsForm", "age_band"): statistics_without_consent(
        "age_band", "18_29", '<option selected value="18_29">'
    ),
    ("StatisticsForm", "women_girls"): statistics_without_consent(
        "women_girls", "3", 'name="stats-women_girls" type="number" value="3"'
    ),
}


def test_every_conditional_field_has_a_scenario() -> None:
    assert {(row.form.__name__, row.field) for row in CONDITIONAL_FIELDS} == set(SCENARIOS)


@pytest.mark.parametrize("row", CONDITIONAL_FIELDS, ids=lambda r: f"{r.form.__name__}-{r.field}")
def test_a_field_posted_where_it_does_not_apply_is_refused_with_what_was_typed(
    app: Flask, admin_app: Flask, client: FlaskClient, row: Conditional
) -> None:
    work = a_case_on_my_desk(
        app,
        admin_app,
        client,
        consent_state_anonymised="granted",
    )
    assert work.post("triage", urgency="urgent", in_detention="no").status_code == 302
    attempt = SCENARIOS[(row.form.__name__, row.field)](work)
    before = attempt.stored()
    answer = work.post(attempt.step, **attempt.data)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400, page
    assert attempt.typed in page
    assert str(row.why).replace("“", "").replace("”", "")[:40] in page.replace("“", "").replace(
        "”", ""
    ).replace("&#39;", "'")
    assert attempt.stored() == before, "nothing stored"


def test_the_case_page_offers_a_reply_date_only_on_a_measure_to_the_state(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client, consent_state_anonymised="granted")
    verify = _planned(work, kind="verify")
    letter = _planned(work, kind="state_letter", variant="anonymised")
    page = work.page()
    assert f'id="send-on-{verify}"' in page and f'id="send-due-{verify}"' not in page
    assert f'id="send-on-{letter}"' in page and f'id="send-due-{letter}"' in page


def test_the_case_page_offers_gender_and_age_only_with_consent_to_statistics(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    record_consent(work.app, work.ref, "statistics", "refused")
    page = work.page()
    for name in ("women_girls", "gender", "age_band"):
        assert f'name="stats-{name}"' not in page
    record_consent(work.app, work.ref, "statistics", "granted")
    page = work.page()
    for name in ("women_girls", "gender", "age_band"):
        assert f'name="stats-{name}"' in page
