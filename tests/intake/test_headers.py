"""Every page carries the security headers of docs/design.md, and nothing leaves the origin."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import make_reviewer

INTAKE_PAGES = ["/", "/safety", "/report", "/followup", "/nothing-here"]


def directives(policy: str) -> dict[str, str]:
    return {
        part.strip().split(" ", 1)[0]: part.strip().split(" ", 1)[1]
        for part in policy.split(";")
        if part.strip()
    }


@pytest.mark.parametrize("path", INTAKE_PAGES)
def test_each_intake_page_has_strict_headers(app: Flask, client: FlaskClient, path: str) -> None:
    make_reviewer(app, "CAT")
    response = client.get(path)
    headers = response.headers
    csp = directives(headers["Content-Security-Policy"])
    assert csp["default-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["form-action"] == "'self'"
    assert csp["base-uri"] == "'none'"
    if path == "/report":
        assert csp["script-src"] == "'self' 'wasm-unsafe-eval'"
        assert csp["connect-src"] == "'self'"
    else:
        assert "script-src" not in csp and "connect-src" not in csp
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "no-store" in headers["Cache-Control"]
    assert "Strict-Transport-Security" not in headers


@pytest.mark.parametrize("path", ["/", "/safety", "/report", "/followup"])
def test_pages_load_nothing_from_elsewhere_and_run_no_inline_code(
    app: Flask, client: FlaskClient, path: str
) -> None:
    make_reviewer(app, "CAT")
    page = client.get(path).get_data(as_text=True)
    # The one link that leaves on purpose: the quick exit (a navigation, never a resource).
    page_without_exit = re.sub(r'<a class="quick-exit" href="https://[^"]+"', "", page)
    for url in re.findall(r'(?:src|href|action)="([^"]+)"', page_without_exit):
        assert url.startswith(("/", "#")), url
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", page, re.S)
    assert all(body.strip() == "" for body in scripts), "no inline script"
    if path != "/report":
        assert not scripts
    assert " style=" not in page
    assert "<style" not in page
    for tag in re.findall(r"<[a-z]+[^>]*>", page):
        assert not re.search(r"\son[a-z]+=", tag), tag


def test_the_landing_page_sets_no_cookie(client: FlaskClient) -> None:
    response = client.get("/")
    assert "Set-Cookie" not in response.headers
    assert "Set-Cookie" not in client.get("/safety").headers


def test_the_session_cookie_is_httponly_and_strict(app: Flask, client: FlaskClient) -> None:
    make_reviewer(app, "CAT")
    cookie = client.get("/report").headers["Set-Cookie"]
    assert cookie.startswith("reprisal_intake=")
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie


def test_static_files_get_the_same_headers(client: FlaskClient) -> None:
    response = client.get("/static/css/intake.css")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert directives(response.headers["Content-Security-Policy"])["default-src"] == "'none'"
    response.close()


def test_the_admin_app_has_its_own_cookie_name_and_key(app: Flask, admin_app: Flask) -> None:
    assert app.config["SESSION_COOKIE_NAME"] != admin_app.config["SESSION_COOKIE_NAME"]
    assert app.config["SECRET_KEY"] != admin_app.config["SECRET_KEY"]
    response = admin_app.test_client().get("/")
    assert directives(response.headers["Content-Security-Policy"])["default-src"] == "'none'"


def test_the_landing_page_and_the_form_weigh_under_60_kb_without_scripts(
    app: Flask, client: FlaskClient
) -> None:
    from sqlalchemy import select

    from reprisal_intake.models import Mechanism
    from tests.factories import database

    with database(app).session() as session:
        every_mechanism = list(session.scalars(select(Mechanism.code)))
    make_reviewer(app, *every_mechanism)
    for path in ["/", "/report"]:
        page = client.get(path).get_data()
        stylesheet = client.get("/static/css/intake.css")
        weight = len(page) + len(stylesheet.get_data())
        stylesheet.close()
        assert weight < 60 * 1024, f"{path} weighs {weight} bytes"
