"""Bad input gets a clear 4xx page and leaves the database exactly as it was."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import make_reviewer, report_form
from tests.support.forms import csrf_token, post_form
from tests.support.intake import assert_nothing_stored, counts


@pytest.fixture
def reviewer(app: Flask):
    return make_reviewer(app, "CAT")


def test_a_post_without_a_valid_csrf_token_is_refused_but_the_text_comes_back(
    app: Flask, client: FlaskClient, reviewer
) -> None:
    before = counts(app)
    client.get("/report")
    response = post_form(
        client, "/report", report_form("not-a-token", what_happened="Hours of careful writing")
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "nothing was saved" in page
    assert "Hours of careful writing" in page
    assert 'name="csrf_token" value="' in page
    assert_nothing_stored(app, before)
    fresh_token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert post_form(client, "/report", report_form(fresh_token)).status_code == 200


def test_a_post_from_a_fresh_browser_without_session_is_refused(
    app: Flask, client: FlaskClient, reviewer
) -> None:
    token = csrf_token(client, "/report")
    before = counts(app)
    fresh = app.test_client()
    response = post_form(fresh, "/report", report_form(token))
    assert response.status_code == 400
    assert_nothing_stored(app, before)


def test_an_oversize_post_gets_a_clear_413_page(app: Flask, client: FlaskClient, reviewer) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 256 * 1024
    token = csrf_token(client, "/report")
    before = counts(app)
    big = io.BytesIO(b"\0" * (300 * 1024))
    response = post_form(
        client,
        "/report",
        report_form(token, attachments=[(big, "big.bin", "application/octet-stream")]),
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "too large" in page
    assert_nothing_stored(app, before)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("mechanism", "NOPE"),
        ("mechanism", "CCPR"),  # known, but nobody can read it
        ("urgency", "tomorrow"),
        ("submitter_role", ""),
        ("acts", ["travel_ban", "not-an-act"]),
        ("state", "Atlantis"),
        ("consent_contact", "maybe"),
        ("consent_store_assess", ""),
        ("what_happened", ""),
        ("what_happened", "x" * 50_001),
    ],
)
def test_wrong_or_missing_values_show_the_form_with_an_error(
    app: Flask, client: FlaskClient, reviewer, field: str, value: object
) -> None:
    token = csrf_token(client, "/report")
    before = counts(app)
    response = post_form(client, "/report", report_form(token, **{field: value}))
    assert response.status_code == 400
    assert "There is a problem" in response.get_data(as_text=True)
    assert_nothing_stored(app, before)


def test_broken_multipart_is_a_400_not_a_500(app: Flask, client: FlaskClient, reviewer) -> None:
    token = csrf_token(client, "/report")
    before = counts(app)
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        + token.encode()
        + b'\r\n--XyZ\r\nContent-Disposition: form-data; name="attachments"; filename="a.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nhalf a file and no closing boundary"
    )
    response = client.post("/report", data=body, content_type="multipart/form-data; boundary=XyZ")
    assert 400 <= response.status_code < 500
    assert_nothing_stored(app, before)


def test_a_multipart_body_without_boundary_is_a_400(
    app: Flask, client: FlaskClient, reviewer
) -> None:
    csrf_token(client, "/report")
    before = counts(app)
    response = client.post("/report", data=b"garbage", content_type="multipart/form-data")
    assert response.status_code == 400
    assert_nothing_stored(app, before)


def test_a_json_body_is_refused(app: Flask, client: FlaskClient, reviewer) -> None:
    before = counts(app)
    response = client.post("/report", json={"mechanism": "CAT"})
    assert response.status_code == 400
    assert_nothing_stored(app, before)


def test_files_sent_to_a_form_without_file_fields_are_refused(
    app: Flask, client: FlaskClient
) -> None:
    token = csrf_token(client, "/followup")
    response = post_form(
        client,
        "/followup",
        {"csrf_token": token, "codename": "x", "f": (io.BytesIO(b"a"), "a.txt")},
    )
    assert response.status_code == 400


def test_unknown_pages_and_methods_get_clear_pages(client: FlaskClient) -> None:
    assert client.get("/nothing-here").status_code == 404
    assert "Page not found" in client.get("/nothing-here").get_data(as_text=True)
    response = client.put("/report")
    assert response.status_code == 405
    assert "cannot be used that way" in response.get_data(as_text=True)


def test_too_many_submissions_get_a_clear_429_page(
    app: Flask, client: FlaskClient, reviewer
) -> None:
    app.config["INTAKE_SUBMIT_LIMIT"] = "2 per minute"
    token = csrf_token(client, "/report")
    statuses = [post_form(client, "/report", report_form(token)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    page = post_form(client, "/report", report_form(token)).get_data(as_text=True)
    assert "Too many requests" in page


@pytest.mark.parametrize(
    "address", ["/report/keys/%00", "/report?mechanism=CAT%00", "/followup/%00case", "/%00/report"]
)
def test_a_nul_character_in_the_address_gets_a_400_page(client: FlaskClient, address: str) -> None:
    response = client.get(address)
    assert response.status_code == 400
    assert "We could not read what was sent" in response.get_data(as_text=True)


@pytest.mark.parametrize("host", ["a..b", "x" * 300])
def test_a_host_header_that_names_no_host_gets_a_400(client: FlaskClient, host: str) -> None:
    assert client.get("/", headers={"Host": host}).status_code == 400
