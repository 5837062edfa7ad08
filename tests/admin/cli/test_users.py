"""`reprisal-admin user add/list`: accounts by invitation; the administrator never picks a password."""

from __future__ import annotations

import re

from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy import select

from admin.cli import cli
from reprisal_intake.models import User
from tests.factories import database
from tests.support.admin import form_post


def run(admin_app: Flask, *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), obj=admin_app, catch_exceptions=False)


def test_the_first_administrator_is_invited_from_the_command_line(admin_app: Flask) -> None:
    result = run(admin_app, "user", "add", "admin", "--role", "administrator")
    assert result.exit_code == 0, result.output
    token = re.search(r"/invitation/(\S+)", result.output).group(1)
    with database(admin_app).session() as session:
        user = session.scalars(select(User).where(User.username == "admin")).one()
        assert user.password_hash is None and user.invitation_hash != token
        assert token not in (user.invitation_hash or "")
    assert "admin\tadministrator\t-\tinvited" in run(admin_app, "user", "list").output
    client = admin_app.test_client()
    form_post(
        client,
        f"/invitation/{token}",
        {"password": "admin password 1", "confirm": "admin password 1"},
    )
    assert "admin\tadministrator\t-\tactive" in run(admin_app, "user", "list").output


def test_user_add_refuses_bad_input(admin_app: Flask) -> None:
    assert run(admin_app, "user", "add", "a", "--role", "king").exit_code == 2
    no_mechanism = run(admin_app, "user", "add", "fp", "--role", "focal_point")
    assert no_mechanism.exit_code == 2 and "needs at least one mechanism" in no_mechanism.output
    unknown = run(admin_app, "user", "add", "fp", "--role", "focal_point", "--mechanism", "XYZ")
    assert unknown.exit_code == 2 and "unknown mechanism XYZ" in unknown.output
    assert (
        run(admin_app, "user", "add", "fp", "--role", "focal_point", "--mechanism", "cat").exit_code
        == 0
    )
    # Inviting again before the invitation is used renews it; the old link stops working.
    first = re.search(
        r"/invitation/(\S+)", run(admin_app, "user", "add", "x", "--role", "auditor").output
    ).group(1)
    run(admin_app, "user", "add", "x", "--role", "auditor")
    assert admin_app.test_client().get(f"/invitation/{first}").status_code == 404


def test_an_administrator_invites_from_the_web_and_sees_no_password(admin_app: Flask) -> None:
    from tests.factories import make_account
    from tests.support.admin import sign_in

    admin = make_account(admin_app, "administrator")
    client = admin_app.test_client()
    sign_in(admin_app, client, admin)
    page = client.get("/users/").get_data(as_text=True)
    response = form_post(
        client,
        "/users/invite",
        {"username": "bea", "roles": ["focal_point"], "mechanisms": ["CAT"]},
        page,
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "/invitation/" in text
    with database(admin_app).session() as session:
        bea = session.scalars(select(User).where(User.username == "bea")).one()
        assert bea.roles == "focal_point" and [m.code for m in bea.assigned_mechanisms] == ["CAT"]
        bea_id = bea.id
    # A role change is audited.
    page = client.get("/users/").get_data(as_text=True)
    form_post(client, f"/users/{bea_id}/roles", {"roles": ["focal_point", "coordinator"]}, page)
    with database(admin_app).session() as session:
        assert session.get(User, bea_id).roles == "focal_point coordinator"
    from tests.support.admin import audit_actions

    assert (admin.username, "role_change", None) in audit_actions(admin_app)


def test_a_deactivated_account_is_signed_out_and_cannot_sign_in(admin_app: Flask) -> None:
    from tests.factories import make_account
    from tests.support.admin import sign_in

    admin = make_account(admin_app, "administrator")
    auditor = make_account(admin_app, "auditor")
    auditor_browser = admin_app.test_client()
    sign_in(admin_app, auditor_browser, auditor)
    client = admin_app.test_client()
    sign_in(admin_app, client, admin)
    form_post(
        client, f"/users/{auditor.id}/deactivate", {}, client.get("/users/").get_data(as_text=True)
    )
    assert auditor_browser.get("/audit/").status_code == 302
    again = form_post(
        admin_app.test_client(),
        "/signin",
        {"username": auditor.username, "password": auditor.password},
    )
    assert again.status_code == 401
