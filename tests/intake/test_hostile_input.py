"""A file part sent where a form expects text is a 400 that stores nothing, on every text field of
the report and follow-up forms (built from the forms' own fields)."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from wtforms import MultipleFileField
from wtforms.fields.core import UnboundField

from reprisal_intake.intake.forms import FollowupForm, ReportForm
from reprisal_intake.models import Case, Item
from tests.factories import database, make_reviewer, report_form
from tests.support.forms import csrf_token, post_form

CODENAME = re.compile(r'<p class="codename" id="codename"[^>]*>([a-z \-]+)</p>')


def rows(app: Flask) -> tuple[int, int]:
    with database(app).session() as session:
        return (
            session.scalar(select(func.count()).select_from(Case)) or 0,
            session.scalar(select(func.count()).select_from(Item)) or 0,
        )


def text_fields(form_class: type) -> list[str]:
    return sorted(
        name
        for klass in form_class.__mro__
        for name, value in vars(klass).items()
        if isinstance(value, UnboundField) and value.field_class is not MultipleFileField
    )


@pytest.mark.parametrize("field", text_fields(ReportForm))
def test_a_file_where_the_report_expects_text_is_a_400(
    app: Flask, client: FlaskClient, field: str
) -> None:
    make_reviewer(app, "CAT")
    token = csrf_token(client, "/report")
    before = rows(app)
    data = report_form(token)
    data[field] = (io.BytesIO(b"text sent as a file"), "a.txt")
    response = post_form(client, "/report", data)
    assert response.status_code == 400, field
    assert rows(app) == before


@pytest.mark.parametrize("field", text_fields(FollowupForm))
def test_a_file_where_the_follow_up_expects_text_is_a_400(
    app: Flask, client: FlaskClient, field: str
) -> None:
    make_reviewer(app, "CAT")
    token = csrf_token(client, "/report")
    page = post_form(client, "/report", report_form(token)).get_data(as_text=True)
    codename = CODENAME.search(page).group(1)
    token = csrf_token(client, "/followup")
    assert (
        client.post("/followup", data={"csrf_token": token, "codename": codename}).status_code
        == 303
    )
    before = rows(app)
    data: dict[str, object] = {"csrf_token": token, "message": "hello"}
    data[field] = (io.BytesIO(b"text sent as a file"), "a.txt")
    response = post_form(client, "/followup/case", data)
    assert response.status_code == 400, field
    assert rows(app) == before
