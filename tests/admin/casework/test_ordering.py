"""Stable ordering (issue 17): measures, State replies, status changes and risk versions recorded on the
same day are listed in the order they were recorded (date, then the number each takes within its
case), never by their random ids."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from reprisal_intake.models import today
from reprisal_intake.models.annual_report import StateReply
from reprisal_intake.models.casework import Measure, StatusChange
from tests.factories import database
from tests.support.annual_report import state_reply
from tests.support.casework import Casework, a_case_on_my_desk

KINDS = ("verify", "acknowledge")


def ids_in_page(page: str, prefix: str) -> list[str]:
    return re.findall(rf'id="{prefix}-([A-Za-z0-9_-]+)"', page)


def plan_until_ids_are_not_in_creation_order(work: Casework, at_least: int) -> list[str]:
    """Plan same-day measures until their random ids, sorted, differ from the order of planning (so
    an order by id would show)."""
    made: list[str] = []
    while len(made) < at_least or made == sorted(made):
        assert work.post("measures", kind=KINDS[len(made) % 2]).status_code == 302
        with database(work.app).session() as session:
            rows = session.scalars(select(Measure.id).where(Measure.case_ref == work.ref))
            (new,) = set(rows) - set(made)
        made.append(new)
        assert len(made) < 30
    return made


def test_same_day_measures_are_listed_in_the_order_they_were_planned(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    made = plan_until_ids_are_not_in_creation_order(work, 5)
    with database(admin_app).session() as session:
        days = set(session.scalars(select(Measure.planned_on)))
        numbers = list(
            session.scalars(
                select(Measure.seq).where(Measure.case_ref == work.ref).order_by(Measure.seq)
            )
        )
    assert days == {today()}
    assert numbers == list(range(1, len(made) + 1))
    assert ids_in_page(work.page(), "measure") == made


def test_same_day_state_replies_are_listed_newest_recorded_first(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    made: list[str] = []
    while len(made) < 4 or made == sorted(made, reverse=True):
        recorded = state_reply(
            work.reviewer, work.ref, received_on=today().isoformat(), grade="B", measure=""
        )
        assert recorded.status_code == 302, recorded.get_data(as_text=True)
        with database(admin_app).session() as session:
            (new,) = set(session.scalars(select(StateReply.id))) - set(made)
        made.append(new)
        assert len(made) < 30
    assert ids_in_page(work.page(), "state-reply") == list(reversed(made))


def test_status_changes_of_one_moment_keep_the_order_they_were_made_in(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    assert work.post("triage", urgency="urgent", in_detention="no").status_code == 302
    for step in ("under_assessment", "action_planned", "action_taken", "follow_up"):
        assert work.post("transition", to_status=step).status_code == 302
    with database(admin_app).session() as session:
        moment = session.scalars(select(StatusChange.changed_at)).first()
        session.execute(
            update(StatusChange).where(StatusChange.case_ref == work.ref).values(changed_at=moment)
        )
    page = work.page()
    history = page[page.index("<th>When (UTC)</th>") :].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td>", history)
    assert rows == [
        ("Received", "Triaged"),
        ("Triaged", "Under assessment"),
        ("Under assessment", "Action planned"),
        ("Action planned", "Action taken"),
        ("Action taken", "Follow-up"),
    ]


def test_same_day_risk_versions_are_listed_newest_first(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    for _ in range(3):
        assert work.assess_risk().status_code == 302
    page = work.page()
    assert "Version 3, " in page
    earlier = page[page.index("Earlier versions") :]
    assert earlier.index("Version 2") < earlier.index("Version 1")
