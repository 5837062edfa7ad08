"""Who gets 403: every role x every route x a case of their own mechanism or another one."""

from __future__ import annotations

import itertools

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reprisal_intake.models import Case, Item
from tests.factories import database, make_account, make_reviewer
from tests.support.admin import csrf_of, sign_in
from tests.support.intake import submit

ROLES = ("focal_point", "coordinator", "administrator", "auditor")
# (method, route template, who may use it: roles, and for case routes whether the case must be theirs)
ROUTES = (
    ("GET", "/cases/", {"focal_point", "coordinator"}),
    ("GET", "/cases/{ref}", {"focal_point", "coordinator"}),
    ("GET", "/cases/{ref}/items/{item}", {"focal_point", "coordinator"}),
    ("POST", "/cases/{ref}/export", {"focal_point", "coordinator"}),
    ("GET", "/audit/", {"auditor"}),
    ("GET", "/users/", {"administrator"}),
    ("POST", "/users/invite", {"administrator"}),
    ("POST", "/account/key/create", {"focal_point", "coordinator"}),
    ("POST", "/account/key/unlock", {"focal_point", "coordinator"}),
    ("GET", "/account/", set(ROLES)),
)
CASE_ROUTES = {r for _m, r, _who in ROUTES if "{ref}" in r}


@pytest.mark.parametrize(
    ("role", "route", "mechanism"),
    list(itertools.product(ROLES, ROUTES, ("own", "other"))),
    ids=lambda value: value[1] if isinstance(value, tuple) else str(value),
)
def test_access_matrix(
    app: Flask,
    admin_app: Flask,
    client: FlaskClient,
    role: str,
    route: tuple[str, str, set[str]],
    mechanism: str,
) -> None:
    method, template, allowed_roles = route
    account = make_account(admin_app, role, mechanisms=("CAT",), key="app")
    make_reviewer(app, "CCPR")
    import io

    submit(
        client,
        mechanism="CAT" if mechanism == "own" else "CCPR",
        attachments=[(io.BytesIO(b"file"), "a.txt", "text/plain")],
    )
    with database(app).session() as session:
        case = session.scalars(select(Case)).one()
        item = session.scalars(
            select(Item.id).where(Item.case_ref == case.ref, Item.kind == "attachment")
        ).one()
        ref = case.ref
    reviewer = admin_app.test_client()
    sign_in(admin_app, reviewer, account)
    token = csrf_of(reviewer.get("/account/").get_data(as_text=True))
    path = template.format(ref=ref, item=item)
    if method == "GET":
        response = reviewer.get(path)
    else:
        response = reviewer.post(path, data={"csrf_token": token})

    allowed = role in allowed_roles
    if template in CASE_ROUTES and role == "focal_point" and mechanism == "other":
        allowed = False
    if allowed:
        assert response.status_code != 403, (role, path)
        assert response.status_code in (200, 302, 400), (role, path, response.status_code)
    else:
        assert response.status_code == 403, (role, path, response.status_code)
    response.close()


def test_signed_out_visitors_are_sent_to_sign_in(app: Flask, admin_app: Flask) -> None:
    visitor = admin_app.test_client()
    for _method, template, _who in ROUTES:
        if _method == "GET":
            response = visitor.get(template.format(ref="X", item="Y"))
            assert response.status_code == 302
            assert "/signin" in response.headers["Location"]
