"""The case list says what is new on each case since the reader last read it (issue 17)."""

from __future__ import annotations

import datetime
import io

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from admin.audit import log as audit_log
from reprisal_intake.items import add_item
from reprisal_intake.models import AuditEntry
from tests.factories import database
from tests.support.admin import unlock
from tests.support.casework import a_case_on_my_desk, record_consent


def news_cell(work) -> str:  # type: ignore[no-untyped-def]
    response = work.reviewer.get("/cases/")
    assert response.status_code == 200, response.status_code
    page = response.get_data(as_text=True)
    row = page.split(f">{work.ref}</a>", 1)[1].split("</tr>", 1)[0]
    return row.split('class="news">', 1)[1].split("</td>", 1)[0]


def test_the_list_says_what_happened_since_my_last_read(
    app: Flask, admin_app: Flask, client: FlaskClient
) -> None:
    work = a_case_on_my_desk(app, admin_app, client)
    unlock(work.reviewer)
    assert "not read yet" in news_cell(work)
    work.page()  # read it
    assert news_cell(work).strip() == ""
    # The person writes back (an item after what I read) and changes a consent the next day.
    with database(app).session() as session:
        add_item(session, work.ref, "followup", io.BytesIO(b"sealed"), submitter_readable=True)
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.case_ref == work.ref)
            .values(
                at=datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
                - datetime.timedelta(days=1)
            )
        )
    record_consent(app, work.ref, "contact", "withdrawn")
    with admin_app.app_context(), database(admin_app).session() as session:
        audit_log.record(session, "colleague", "case_shared", case_ref=work.ref, detail={})
        audit_log.record(session, "colleague", "state_reply_recorded", case_ref=work.ref, detail={})
    cell = news_cell(work)
    for words in ("the person wrote", "consent changed", "State reply", "shared"):
        assert words in cell, words
    assert "not read yet" not in cell
