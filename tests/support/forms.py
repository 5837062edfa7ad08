"""Posting forms as a browser does: the page's CSRF token, multipart bodies."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

CSRF_PATTERN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form at ``path``, as a browser would get it."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    match = CSRF_PATTERN.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(
    client: FlaskClient, path: str, data: dict[str, Any], *, follow_redirects: bool = True
) -> Any:
    """POST ``data`` as multipart/form-data, as a browser sends a form with file inputs, and
    follow the redirect to the outcome page as a browser does (post/redirect/get).

    Werkzeug's test client spools bodies over 500 KB to a temporary file that it never closes; build
    the request here so that file is closed (warnings are errors in this suite).
    """
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(
        path=path, method="POST", data=data, content_type="multipart/form-data"
    )
    environ = builder.get_environ()
    try:
        return client.open(environ, follow_redirects=follow_redirects)
    finally:
        builder.close()
        environ["wsgi.input"].close()
