"""The admin app reads every body through reprisal_intake.web.bodies too: no route, chunked or not,
reads more than its limit (1 MiB: no admin form takes a file). Built from the app's URL map."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.test import EnvironBuilder, run_wsgi_app

from reprisal_intake.web.bodies import body_limit
from tests.support.streams import CountingStream


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_no_admin_route_reads_past_its_limit(admin_app: Flask, chunked: bool) -> None:
    routes = [
        (rule.endpoint, rule.rule.replace("<", "x").replace(">", "x"))
        for rule in admin_app.url_map.iter_rules()
        if "POST" in (rule.methods or ())
    ]
    assert routes
    for endpoint, path in routes:
        with admin_app.test_request_context():
            limit = body_limit(endpoint)
        assert limit <= 1024 * 1024, endpoint
        stream = CountingStream()
        environ = EnvironBuilder(
            path=path, method="POST", content_type="application/x-www-form-urlencoded"
        ).get_environ()
        environ["wsgi.input"] = stream
        if chunked:
            environ.pop("CONTENT_LENGTH", None)
            environ["wsgi.input_terminated"] = True
        else:
            environ["CONTENT_LENGTH"] = str(limit + 1)
        _body, status, _headers = run_wsgi_app(admin_app, environ, buffered=True)
        assert not status.startswith("5"), (endpoint, status)
        assert stream.read_bytes <= limit + 64 * 1024, (endpoint, stream.read_bytes)
