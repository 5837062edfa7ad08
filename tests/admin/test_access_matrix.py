"""Who gets what, built from the admin app's route map: every route x every visitor (each role, and
signed out) x a case of the focal point's own mechanism or another one answers exactly the status in
ADMIN_ACCESS, and every route that changes state refuses a request without a valid CSRF token.

A route added to the app and not to ADMIN_ACCESS fails test_the_table_names_every_admin_route.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, select

from reprisal_intake.models import Case, Item
from reprisal_intake.models.casework import Measure
from reprisal_intake.models.sharing import CaseShare
from tests.factories import Account, database, make_account, make_reviewer
from tests.support.admin import csrf_of
from tests.support.intake import submit
from tests.support.routes import Route, routes, signed_in_client, undone

VISITORS = ("signed_out", "focal_point", "coordinator", "administrator", "auditor")
MECHANISMS = ("own", "other")
EXPIRED_FORM = "This form has expired"


@dataclass(frozen=True)
class Access:
    """The status each visitor gets, for the case of their own mechanism (a focal point's: CAT).
    ``other``: the visitors who get something else for the case of another mechanism (CCPR)."""

    signed_out: int
    focal_point: int
    coordinator: int
    administrator: int
    auditor: int
    other: Mapping[str, int] = field(default_factory=dict)

    def status(self, visitor: str, mechanism: str) -> int:
        if mechanism == "other" and visitor in self.other:
            return self.other[visitor]
        status: int = getattr(self, visitor)
        return status


# (endpoint, method) -> who gets what, for a request with a valid CSRF token and no other field.
# Signed out, every route but the sign-in pages, the static files, the shared stylesheet and a
# language link is a 302 to the sign-in page. Signed in, a form sent empty is a 400 (or comes back
# with its errors, 200) unless it has no field to fill. A focal point's key is kept in the app but
# locked: a download is sent back to the case page to unlock it (302). Only the focal point's answer
# depends on the case's mechanism.
ADMIN_ACCESS: dict[tuple[str, str], Access] = {
    # The visitor's own account: every role has one; only case readers hold a key.
    ("account.overview", "GET"): Access(302, 200, 200, 200, 200),
    ("account.add_security_key", "POST"): Access(302, 400, 400, 400, 400),
    ("account.security_key_options", "POST"): Access(302, 200, 200, 200, 200),
    ("account.renew_recovery_codes", "POST"): Access(302, 200, 200, 200, 200),
    ("account.sign_out_everywhere", "POST"): Access(302, 302, 302, 302, 302),
    ("account.create_key", "POST"): Access(302, 400, 400, 403, 403),
    ("account.register_offline_key", "POST"): Access(302, 400, 400, 403, 403),
    ("account.unlock_key", "POST"): Access(302, 400, 400, 403, 403),
    ("account.lock_key", "POST"): Access(302, 302, 302, 403, 403),
    ("account.rotate_key", "POST"): Access(302, 400, 400, 403, 403),
    ("language.switch", "GET"): Access(302, 302, 302, 302, 302),
    ("language.save_preference", "POST"): Access(302, 400, 400, 400, 400),
    ("admin.home", "GET"): Access(302, 302, 302, 302, 302),
    ("static", "GET"): Access(200, 200, 200, 200, 200),
    ("design.common_css", "GET"): Access(200, 200, 200, 200, 200),
    # Signing in: the sign-in form is open to all; the later steps belong to a half-open session
    # (a full session is sent on, 302; the security-key steps refuse it, 403).
    ("auth.sign_in", "GET"): Access(200, 200, 200, 200, 200),
    ("auth.sign_in", "POST"): Access(200, 200, 200, 200, 200),
    ("auth.second_factor", "GET"): Access(302, 302, 302, 302, 302),
    ("auth.second_factor", "POST"): Access(302, 302, 302, 302, 302),
    ("auth.enrol", "GET"): Access(302, 302, 302, 302, 302),
    ("auth.enrol", "POST"): Access(302, 302, 302, 302, 302),
    ("auth.webauthn_options", "POST"): Access(403, 403, 403, 403, 403),
    ("auth.webauthn_verify", "POST"): Access(403, 403, 403, 403, 403),
    ("auth.accept_invitation", "GET"): Access(404, 404, 404, 404, 404),
    ("auth.accept_invitation", "POST"): Access(404, 404, 404, 404, 404),
    ("auth.sign_out", "POST"): Access(302, 302, 302, 302, 302),
    # Cases: focal points (their mechanisms' cases only) and coordinators.
    ("cases.case_list", "GET"): Access(302, 200, 200, 403, 403),
    ("cases.case_page_view", "GET"): Access(302, 200, 200, 403, 403, other={"focal_point": 403}),
    ("cases.download", "GET"): Access(302, 302, 302, 403, 403, other={"focal_point": 403}),
    ("cases.export", "POST"): Access(302, 200, 200, 403, 403, other={"focal_point": 403}),
    ("casework.overdue_view", "GET"): Access(302, 200, 200, 403, 403),
    ("casework.triage", "POST"): Access(302, 400, 400, 403, 403, other={"focal_point": 403}),
    ("casework.transition", "POST"): Access(302, 400, 400, 403, 403, other={"focal_point": 403}),
    ("casework.follow_suggestion", "POST"): Access(
        302, 400, 400, 403, 403, other={"focal_point": 403}
    ),
    ("casework.assess_risk", "POST"): Access(302, 400, 400, 403, 403, other={"focal_point": 403}),
    ("casework.plan_measure", "POST"): Access(302, 400, 400, 403, 403, other={"focal_point": 403}),
    ("casework.send_measure", "POST"): Access(302, 400, 400, 403, 403, other={"focal_point": 403}),
    ("casework.approve_measure", "POST"): Access(
        302, 400, 400, 403, 403, other={"focal_point": 403}
    ),
    ("casework.cancel_measure", "POST"): Access(
        302, 400, 400, 403, 403, other={"focal_point": 403}
    ),
    # A reply to a measure not sent yet: 409.
    ("casework.record_reply", "POST"): Access(302, 409, 409, 403, 403, other={"focal_point": 403}),
    ("contact.note", "POST"): Access(302, 400, 400, 403, 403, other={"focal_point": 403}),
    ("contact.reply", "POST"): Access(302, 400, 400, 403, 403, other={"focal_point": 403}),
    # Re-sealing needs the unlocked key: sent back to the case page (303).
    ("sharing.reseal", "POST"): Access(302, 303, 303, 403, 403, other={"focal_point": 403}),
    ("sharing.share", "POST"): Access(302, 400, 400, 403, 403, other={"focal_point": 403}),
    ("sharing.unshare", "POST"): Access(302, 400, 400, 403, 403, other={"focal_point": 403}),
    # Approving or carrying out a proposed sharing without confirming the consent: 400.
    ("sharing.approve_share", "POST"): Access(302, 400, 400, 403, 403, other={"focal_point": 403}),
    ("sharing.carry_out_share", "POST"): Access(
        302, 400, 400, 403, 403, other={"focal_point": 403}
    ),
    # Every statistics coding field is optional: an empty coding is saved (302).
    ("statistics.code_case", "POST"): Access(302, 302, 302, 403, 403, other={"focal_point": 403}),
    ("statistics.dashboard", "GET"): Access(302, 200, 200, 403, 403),
    ("statistics.export", "POST"): Access(302, 400, 400, 403, 403),
    # Alerts and owners (issue 16): case readers; an alert that does not exist is 404.
    ("alerts.alert_list", "GET"): Access(302, 200, 200, 403, 403),
    ("alerts.acknowledge", "POST"): Access(302, 404, 404, 403, 403),
    ("alerts.take_case", "POST"): Access(302, 302, 302, 403, 403, other={"focal_point": 403}),
    # Cases linked as one matter (issue 17): no other case typed is 400; no such other case, 404.
    ("matters.link", "POST"): Access(302, 400, 400, 403, 403, other={"focal_point": 403}),
    ("matters.unlink", "POST"): Access(302, 404, 404, 403, 403, other={"focal_point": 403}),
    # Assessment and the Secretary-General's report: case readers; forms sent empty are 400. The
    # periods and the drafting team's export: coordinators (no period named "fr": 404).
    ("annual_report.assess", "POST"): Access(302, 400, 400, 403, 403, other={"focal_point": 403}),
    ("annual_report.place_in_report", "POST"): Access(
        302, 400, 400, 403, 403, other={"focal_point": 403}
    ),
    ("annual_report.record_state_reply", "POST"): Access(
        302, 400, 400, 403, 403, other={"focal_point": 403}
    ),
    ("annual_report.periods_page", "GET"): Access(302, 403, 200, 403, 403),
    ("annual_report.export_period", "GET"): Access(302, 403, 404, 403, 403),
    # The audit log: auditors only.
    ("audit.log", "GET"): Access(302, 403, 403, 403, 200),
    ("audit.case_readers", "GET"): Access(302, 403, 403, 403, 200),
    # Accounts: administrators only (no role chosen is a valid answer: 302).
    ("users.user_list", "GET"): Access(302, 403, 403, 200, 403),
    ("users.invite_user", "POST"): Access(302, 403, 403, 400, 403),
    ("users.change_roles", "POST"): Access(302, 403, 403, 302, 403),
    ("users.deactivate", "POST"): Access(302, 403, 403, 302, 403),
}


@dataclass
class World:
    """One CAT case (or CCPR, for "other") with an attachment and a planned measure, the visitor's
    account (CAT; a key kept in the app) and another account to administer."""

    values: dict[str, object]
    account: Account | None


def _world(
    app: Flask, admin_app: Flask, client: FlaskClient, visitor: str, mechanism: str
) -> World:
    account = None
    if visitor != "signed_out":
        account = make_account(admin_app, visitor, mechanisms=("CAT",), key="app")
    make_reviewer(app, "CAT", "CCPR")
    other_user = make_account(admin_app, "focal_point", mechanisms=("CAT",))
    response = submit(
        client,
        mechanism="CAT" if mechanism == "own" else "CCPR",
        attachments=[(io.BytesIO(b"file"), "a.txt", "text/plain")],
    )
    assert response.status_code == 200
    with database(app).session() as session:
        ref = session.scalars(select(Case.ref)).one()
        item = session.scalars(select(Item.id).where(Item.kind == "attachment")).one()
        measure = Measure(case_ref=ref, kind="acknowledge", consent_scope="contact")
        session.add(measure)
        proposal = CaseShare(case_ref=ref, mechanism_code="ASG", status="proposed")
        session.add(proposal)
        session.flush()
        measure_id = measure.id
        share_id = proposal.id
    values = {
        "ref": ref,
        "item_id": item,
        "measure_id": measure_id,
        "share_id": share_id,
        "user_id": other_user.id,
        "code": "fr",
        "token": "no-such-invitation",
        "filename": "admin.css",
        "alert_id": "no-such-alert",
        "other_ref": "ZZZZ-ZZZZ-ZZZZ-ZZZZ",
    }
    return World(values, account)


def _browser(admin_app: Flask, world: World) -> FlaskClient:
    if world.account is None:
        return admin_app.test_client()
    return signed_in_client(admin_app, world.account)


def _token(browser: FlaskClient, signed_in: bool) -> str:
    return csrf_of(browser.get("/account/" if signed_in else "/signin").get_data(as_text=True))


def _status(browser: FlaskClient, route: Route, world: World, token: str | None) -> int:
    path = route.path(world.values)
    if route.method == "GET":
        response = browser.get(path)
    else:
        data = {} if token is None else {"csrf_token": token}
        response = browser.open(path, method=route.method, data=data)
    status = response.status_code
    response.close()
    return status


@pytest.mark.parametrize("mechanism", MECHANISMS)
@pytest.mark.parametrize("visitor", VISITORS)
def test_every_admin_route_answers_as_the_table_says(
    app: Flask,
    admin_app: Flask,
    client: FlaskClient,
    connection: Connection,
    visitor: str,
    mechanism: str,
) -> None:
    world = _world(app, admin_app, client, visitor, mechanism)
    observed = {}
    for route in routes(admin_app):
        with undone(connection):
            browser = _browser(admin_app, world)
            token = _token(browser, world.account is not None)
            observed[(route.endpoint, route.method)] = _status(browser, route, world, token)
    expected = {
        key: access.status(visitor, mechanism)
        for key, access in ADMIN_ACCESS.items()
        if key in observed
    }
    wrong = {
        key: (observed[key], expected.get(key))
        for key in observed
        if observed[key] != expected.get(key)
    }
    assert not wrong, f"{visitor}, {mechanism} case: (got, expected): {wrong}"


def test_the_table_names_every_admin_route(admin_app: Flask) -> None:
    in_app = {(route.endpoint, route.method) for route in routes(admin_app)}
    assert set(ADMIN_ACCESS) == in_app, (
        f"add to ADMIN_ACCESS: {sorted(in_app - set(ADMIN_ACCESS))}; "
        f"remove: {sorted(set(ADMIN_ACCESS) - in_app)}"
    )


@pytest.mark.parametrize("visitor", VISITORS)
def test_every_admin_route_that_changes_state_needs_a_valid_csrf_token(
    app: Flask, admin_app: Flask, client: FlaskClient, connection: Connection, visitor: str
) -> None:
    world = _world(app, admin_app, client, visitor, "own")
    refused = {}
    for route in routes(admin_app, unsafe_only=True):
        for token in (None, "not-a-token"):
            with undone(connection):
                browser = _browser(admin_app, world)
                path = route.path(world.values)
                data = {} if token is None else {"csrf_token": token}
                response = browser.open(path, method=route.method, data=data)
                refused[(route.endpoint, token)] = (
                    response.status_code,
                    EXPIRED_FORM in response.get_data(as_text=True),
                )
                response.close()
    not_refused = {key: answer for key, answer in refused.items() if answer != (400, True)}
    assert not not_refused, f"(status, says the form expired) for (endpoint, token): {not_refused}"


# A language link works signed out too: it goes back where the visitor came from.
SIGNED_OUT_REDIRECTS_ELSEWHERE = {("language.switch", "GET")}


def test_signed_out_visitors_are_sent_to_sign_in(
    app: Flask, admin_app: Flask, client: FlaskClient, connection: Connection
) -> None:
    world = _world(app, admin_app, client, "signed_out", "own")
    sent_elsewhere = set()
    for route in routes(admin_app):
        if ADMIN_ACCESS[(route.endpoint, route.method)].signed_out != 302:
            continue
        with undone(connection):
            browser = admin_app.test_client()
            token = _token(browser, signed_in=False)
            data = {"csrf_token": token} if route.method != "GET" else None
            response = browser.open(route.path(world.values), method=route.method, data=data)
            if urlsplit(response.headers["Location"]).path != "/signin":
                sent_elsewhere.add((route.endpoint, route.method))
            response.close()
    assert sent_elsewhere == SIGNED_OUT_REDIRECTS_ELSEWHERE
