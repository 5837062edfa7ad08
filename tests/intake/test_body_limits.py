"""Every route reads at most its own body limit, chunked bodies included, and JSON is refused by size
and depth before it is parsed (web.bodies). Built from the app's URL map: a new POST route gets the
64 KiB default unless it is listed."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import EnvironBuilder, run_wsgi_app

from reprisal_intake.web.bodies import BODY_LIMIT_DEFAULT, MAX_JSON_DEPTH, body_limit, json_depth
from tests.support.forms import csrf_token
from tests.support.streams import CountingStream

SMALL_MAX_CONTENT = 1024 * 1024


def post_routes(app: Flask) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if "POST" in (rule.methods or ()) and not rule.rule.startswith("/<any"):
            path = rule.rule.replace("<upload_id>", "abc").replace("<int:seq>", "0")
            routes.append((rule.endpoint, path))
    return sorted(routes)


def test_every_post_route_has_a_limit_of_kilobytes_unless_listed(app: Flask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = SMALL_MAX_CONTENT
    with app.test_request_context():
        limits = {endpoint: body_limit(endpoint) for endpoint, _path in post_routes(app)}
    assert limits["intake.followup_start"] == BODY_LIMIT_DEFAULT
    assert limits["intake.commit"] <= 512 * 1024
    assert limits["intake.upload_part"] == 8 * 1024 * 1024
    assert limits["intake.submit"] == SMALL_MAX_CONTENT
    assert limits["intake.followup_case"] == SMALL_MAX_CONTENT
    listed = {"intake.submit", "intake.followup_case", "intake.commit", "intake.upload_part"}
    for endpoint, limit in limits.items():
        if endpoint not in listed:
            assert limit == BODY_LIMIT_DEFAULT, endpoint


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_no_route_reads_past_its_limit(app: Flask, client: FlaskClient, chunked: bool) -> None:
    app.config["MAX_CONTENT_LENGTH"] = SMALL_MAX_CONTENT
    token = csrf_token(client, "/followup")
    for endpoint, path in post_routes(app):
        with app.test_request_context():
            limit = body_limit(endpoint)
        for content_type in ("multipart/form-data; boundary=x", "application/json"):
            stream = CountingStream()
            environ = EnvironBuilder(
                path=path, method="POST", content_type=content_type, headers={"X-CSRFToken": token}
            ).get_environ()
            environ["wsgi.input"] = stream
            if chunked:
                environ.pop("CONTENT_LENGTH", None)
                environ["wsgi.input_terminated"] = True
            else:
                environ["CONTENT_LENGTH"] = str(limit + 1)
            cookie = client.get_cookie("reprisal_intake")
            assert cookie is not None
            environ["HTTP_COOKIE"] = f"reprisal_intake={cookie.value}"
            _body, status, _headers = run_wsgi_app(app, environ, buffered=True)
            # Refused as too large, or not read at all (a page that needs a codename first).
            assert status.startswith("413") or stream.read_bytes == 0, (endpoint, status)
            assert stream.read_bytes <= limit + 64 * 1024, (endpoint, stream.read_bytes)


def test_json_depth_is_measured_without_parsing_and_strings_do_not_count() -> None:
    assert json_depth(b'{"a": [1, {"b": "[[[[{{{{"}]}') == 3
    assert json_depth("[" * 100 + "]" * 100) == 100
    assert json_depth(b'"\\"[[["') == 0


def test_a_deep_json_commit_is_refused_before_parsing(client: FlaskClient) -> None:
    token = csrf_token(client, "/followup")
    deep = "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)
    response = client.post(
        "/report/commit",
        data='{"mechanism": ' + deep + "}",
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 400
    assert response.get_json() == {"error": "not_json"}
    # 100,000 levels used to reach the parser (RecursionError); now they never get there.
    response = client.post(
        "/report/commit",
        data="[" * 100_000,
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 400
