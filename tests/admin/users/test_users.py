"""Account administration in the web app: an invalid invitation comes back as typed, with its error."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from reprisal_intake.models import User
from tests.factories import database, make_account
from tests.support.admin import form_post, sign_in


def test_an_invalid_invitation_comes_back_as_typed_with_its_error_and_stores_nothing(
    admin_app: Flask,
) -> None:
    admin = make_account(admin_app, "administrator")
    client = admin_app.test_client()
    sign_in(admin_app, client, admin)
    with database(admin_app).session() as session:
        before = session.scalar(select(func.count()).select_from(User))
    response = form_post(client, "/users/invite", {"username": "bea smith!", "roles": ["auditor"]})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="bea smith!"' in page
    assert "Letters, digits, dot, dash and underscore only." in page
    assert "Check the answers marked below." in page
    with database(admin_app).session() as session:
        assert session.scalar(select(func.count()).select_from(User)) == before
