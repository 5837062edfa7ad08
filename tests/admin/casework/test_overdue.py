"""The overdue view lists what is late in the cases a user may see, and nothing else."""

from __future__ import annotations

import datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reprisal_intake.models import Case, today
from tests.factories import database, make_account, make_reviewer
from tests.support.admin import sign_in
from tests.support.casework import a_case_on_my_desk, update_case
from tests.support.intake import submit


def test_a_focal_point_sees_only_their_mechanisms_overdue_cases_a_coordinator_sees_all(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    assert "Nothing is overdue" in work.reviewer.get("/casework/overdue").get_data(as_text=True)
    make_reviewer(app, "CCPR")
    submit(client, mechanism="CCPR")
    with database(app).session() as session:
        elsewhere = session.scalars(select(Case.ref).where(Case.ref != work.ref)).one()
    last_week = today() - datetime.timedelta(days=7)
    for ref in (work.ref, elsewhere):
        update_case(app, ref, next_review=last_week)

    mine = work.reviewer.get("/casework/overdue").get_data(as_text=True)
    assert work.ref in mine and elsewhere not in mine

    coordinator = admin_app.test_client()
    sign_in(admin_app, coordinator, make_account(admin_app, "coordinator"))
    everything = coordinator.get("/casework/overdue").get_data(as_text=True)
    assert work.ref in everything and elsewhere in everything

    # A closed case is not waiting for anyone.
    update_case(app, work.ref, status="closed")
    assert work.ref not in work.reviewer.get("/casework/overdue").get_data(as_text=True)
