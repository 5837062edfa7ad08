"""Account administration in the web app: an invalid invitation comes back as typed, with its error."""

from __future__ import annotations

import pytest
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


@pytest.mark.parametrize(
    "path",
    [
        "/users/invite",
        "/cases/ANY-REF/reply",
        "/cases/ANY-REF/note",
        "/cases/ANY-REF/share",
        "/cases/ANY-REF/unshare",
        "/cases/ANY-REF/reseal",
        "/cases/ANY-REF/triage",
        "/cases/ANY-REF/statistics",
    ],
)
def test_a_form_without_its_csrf_token_gets_the_one_expired_form_page(
    admin_app: Flask, path: str
) -> None:
    """One convention: CSRFProtect checks every POST before any view runs; no view checks the
    token itself, so a missing token is always this 400 page."""
    admin = make_account(admin_app, "focal_point", "administrator")
    client = admin_app.test_client()
    sign_in(admin_app, client, admin)
    response = client.post(path, data={"reply": "typed text"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
