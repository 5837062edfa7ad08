"""Limits that cannot be turned against the people they protect (web.admission, web.limits): junk
without a form token counts toward nothing, wrong codenames fill only the guesser's own bucket,
saturation gives the person their report back, and HEAD costs what GET costs."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from reprisal_intake.models import Case
from reprisal_intake.web.admission import Admission
from tests.factories import database, make_reviewer, report_form
from tests.support.forms import csrf_token, post_form

CODENAME = re.compile(r'<p class="codename" id="codename"[^>]*>([a-z \-]+)</p>')
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def reviewer(app: Flask):
    return make_reviewer(app, "CAT")


def cases(app: Flask) -> int:
    with database(app).session() as session:
        return session.scalar(select(func.count()).select_from(Case)) or 0


def send_report(client: FlaskClient, text: str = "A genuine report") -> tuple[int, str]:
    token = csrf_token(client, "/report")
    response = post_form(client, "/report", report_form(token, what_happened=text))
    return response.status_code, response.get_data(as_text=True)


def test_junk_posts_without_a_token_count_toward_nothing(
    app: Flask, client: FlaskClient, reviewer
) -> None:
    app.config["INTAKE_SUBMIT_LIMIT"] = "2 per minute"
    app.config["INTAKE_LOOKUP_LIMIT"] = "2 per minute"
    for _ in range(70):
        junk = app.test_client()
        assert junk.post("/report", data={"what_happened": "junk"}).status_code == 400
        assert junk.post("/followup", data={"codename": "junk"}).status_code == 400
    status, page = send_report(client)
    assert status == 200, page[:500]
    codename = CODENAME.search(page).group(1)
    token = csrf_token(client, "/followup")
    assert (
        client.post("/followup", data={"csrf_token": token, "codename": codename}).status_code
        == 303
    )
    assert cases(app) == 1


def test_a_flood_of_wrong_codenames_never_locks_out_the_right_one(
    app: Flask, client: FlaskClient, reviewer
) -> None:
    app.config["INTAKE_LOOKUP_LIMIT"] = "5 per minute"
    _status, page = send_report(client)
    codename = CODENAME.search(page).group(1)
    guesser = app.test_client()
    token = csrf_token(guesser, "/followup")
    statuses = {
        guesser.post(
            "/followup", data={"csrf_token": token, "codename": f"wrong guess {n}"}
        ).status_code
        for n in range(20)
    }
    assert 429 in statuses  # the guesser fills their own bucket
    person = app.test_client()
    token = csrf_token(person, "/followup")
    assert (
        person.post("/followup", data={"csrf_token": token, "codename": codename}).status_code
        == 303
    )


def test_a_person_refused_for_saturation_gets_the_report_back(
    app: Flask, client: FlaskClient, reviewer
) -> None:
    admission = Admission(capacity=1, queue_seconds=0.05)
    app.extensions["reprisal_admission"] = admission
    assert admission.enter()  # someone else holds the only slot
    token = csrf_token(client, "/report")
    typed = "Hours of careful writing about the travel ban"
    response = post_form(client, "/report", report_form(token, what_happened=typed))
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "nothing was saved" in page
    assert "Try again in a minute" in page
    assert typed in page
    assert cases(app) == 0
    admission.leave()
    # The page's own form sends it again as it is, with a fresh token.
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)
    fields += re.findall(r'<textarea id="[^"]+" name="([^"]+)"[^>]*>([^<]*)</textarea>', page)
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    response = post_form(client, "/report", data)
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    assert cases(app) == 1


def test_the_browser_path_is_told_busy_in_json(app: Flask, client: FlaskClient, reviewer) -> None:
    admission = Admission(capacity=1, queue_seconds=0.05)
    app.extensions["reprisal_admission"] = admission
    assert admission.enter()
    token = csrf_token(client, "/report")
    response = client.post("/report/uploads", headers={"X-CSRFToken": token})
    assert response.status_code == 503
    assert response.get_json() == {"error": "busy"}
    admission.leave()
    assert client.post("/report/uploads", headers={"X-CSRFToken": token}).status_code == 201


def test_an_expired_token_costs_no_slot_and_returns_the_text(
    app: Flask, client: FlaskClient, reviewer
) -> None:
    admission = Admission(capacity=1, queue_seconds=0.05)
    app.extensions["reprisal_admission"] = admission
    assert admission.enter()  # saturated: a request that needed a slot would get 503
    client.get("/report")
    response = post_form(client, "/report", report_form("expired", what_happened="My words"))
    assert response.status_code == 400
    assert "My words" in response.get_data(as_text=True)
    admission.leave()


def get_routes(app: Flask) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" in (rule.methods or ()) and not rule.arguments - {"lang", "code", "filename"}:
            path = rule.rule.replace("<any(ar,zh,en,fr,ru,es):lang>", "fr")
            path = path.replace("<code>", "CAT").replace("<path:filename>", "css/intake.css")
            paths.append(path)
    return sorted(paths)


def test_head_costs_what_get_costs_on_every_page(
    app: Flask, client: FlaskClient, reviewer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reprisal_intake.intake import views

    def no_submit_path() -> str:
        raise AssertionError("HEAD ran the submit path")

    monkeypatch.setattr(views, "codename_from_secret", no_submit_path)
    for path in get_routes(app):
        with client.get(path) as get, client.head(path) as head:
            assert head.status_code == get.status_code, path
            assert head.get_data() == b"", path
    assert cases(app) == 0
