"""Faults answer like the service (web.admission.unavailable, web.lastread): with the database down
the report form still loads from the choices last read, and sending it gives a 503 page with the
typed report and "nothing was saved, try again in a minute"; a full disk while a file spools gives
the same page, not a cut connection or a 500."""

from __future__ import annotations

import errno
import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from reprisal_intake.db import Database, make_engine
from reprisal_intake.models import Case
from tests.factories import database, make_reviewer, report_form
from tests.support.forms import csrf_token, post_form
from tests.support.servers import free_port

TYPED = "Hours of careful writing about the arrest at the airport"


def cases(app: Flask) -> int:
    with database(app).session() as session:
        return session.scalar(select(func.count()).select_from(Case)) or 0


def assert_report_comes_back(page: str) -> None:
    assert "nothing was saved" in page
    assert "Try again in a minute" in page
    assert TYPED in page


def test_with_the_database_down_the_form_loads_and_sending_returns_the_report(
    app: Flask, client: FlaskClient
) -> None:
    make_reviewer(app, "CAT")
    assert client.get("/report").status_code == 200  # the choices are read once
    working = app.extensions["reprisal_db"]
    dead = make_engine(f"postgresql://postgres@127.0.0.1:{free_port()}/none")
    app.extensions["reprisal_db"] = Database(dead)
    try:
        page = client.get("/report")
        assert page.status_code == 200
        assert "Committee against Torture" in page.get_data(as_text=True)
        token = csrf_token(client, "/report")
        response = post_form(client, "/report", report_form(token, what_happened=TYPED))
        assert response.status_code == 503
        assert_report_comes_back(response.get_data(as_text=True))
        assert client.get("/followup").status_code == 200
    finally:
        app.extensions["reprisal_db"] = working
        dead.dispose()
    assert cases(app) == 0


class FillingDisk(io.BytesIO):
    """A spool on a disk that is full after 100 KB."""

    def write(self, data: Any) -> int:
        if self.tell() + len(data) > 100_000:
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(data)


def test_a_full_disk_while_a_file_spools_returns_the_report(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reprisal_intake.intake import uploads

    make_reviewer(app, "CAT")
    monkeypatch.setattr(uploads.tempfile, "TemporaryFile", FillingDisk)
    token = csrf_token(client, "/report")
    big = (io.BytesIO(b"\1" * 400_000), "scan.pdf", "application/pdf")
    response = post_form(
        client, "/report", report_form(token, what_happened=TYPED, attachments=[big])
    )
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert_report_comes_back(page)
    assert "Your files were not kept" in page
    assert cases(app) == 0
