"""One design for both apps (issue 17): the intake and the admin app link the same stylesheet, each
from its own origin; no stylesheet fetches anything (no web font, no image, no import) or uses a
left/right property that would not mirror on an Arabic page."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from flask import Flask

ROOT = Path(__file__).resolve().parents[2]
COMMON = ROOT / "reprisal_intake" / "static" / "css" / "common.css"
STYLESHEETS = [
    COMMON,
    ROOT / "reprisal_intake/static/css/intake.css",
    ROOT / "admin/static/admin.css",
]
STYLESHEET_LINK = re.compile(r'<link rel="stylesheet" href="([^"]+)">')
# Physical directions: margin-left, padding-right, border-left, text-align: left, float: right,
# left: 0, ... (the logical ones, inline-start and inline-end, mirror in right-to-left pages).
PHYSICAL = re.compile(
    r"(?:margin|padding|border)-(?:left|right)|text-align:\s*(?:left|right)"
    r"|float:\s*(?:left|right)|(?<![-\w])(?:left|right)\s*:"
)
FETCHES = re.compile(r"url\(|@import|@font-face", re.IGNORECASE)


def without_comments(css: str) -> str:
    return re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)


def test_both_apps_link_the_shared_stylesheet_first(app: Flask, admin_app: Flask) -> None:
    intake_page = app.test_client().get("/report").get_data(as_text=True)
    admin_page = admin_app.test_client().get("/signin").get_data(as_text=True)
    assert STYLESHEET_LINK.findall(intake_page) == [
        "/static/css/common.css",
        "/static/css/intake.css",
    ]
    assert STYLESHEET_LINK.findall(admin_page) == ["/design/common.css", "/static/admin.css"]


def test_each_app_serves_the_same_shared_stylesheet_from_its_own_origin(
    app: Flask, admin_app: Flask
) -> None:
    expected = COMMON.read_bytes()
    for client, path in [
        (app.test_client(), "/static/css/common.css"),
        (admin_app.test_client(), "/design/common.css"),
    ]:
        with client.get(path, headers={"Accept-Encoding": "identity"}) as plain:
            assert plain.status_code == 200, path
            assert plain.headers["Content-Type"].startswith("text/css"), path
            assert plain.get_data() == expected, path
            assert "style-src 'self'" in plain.headers["Content-Security-Policy"], path
        with client.get(path, headers={"Accept-Encoding": "gzip"}) as packed:
            assert packed.headers["Content-Encoding"] == "gzip", path
            assert gzip.decompress(packed.get_data()) == expected, path


@pytest.mark.parametrize("stylesheet", STYLESHEETS, ids=lambda p: p.name)
def test_no_stylesheet_fetches_anything(stylesheet: Path) -> None:
    assert FETCHES.findall(without_comments(stylesheet.read_text())) == []


@pytest.mark.parametrize("stylesheet", STYLESHEETS, ids=lambda p: p.name)
def test_every_stylesheet_uses_logical_directions_only(stylesheet: Path) -> None:
    assert PHYSICAL.findall(without_comments(stylesheet.read_text())) == []


def test_the_shared_stylesheet_styles_fields_buttons_and_focus() -> None:
    css = without_comments(COMMON.read_text())
    for selector in (
        "label",
        "button",
        "a:focus",
        "input[type=text]",
        "select",
        "textarea",
        "th, td",
    ):
        assert re.search(rf"(^|[,\s}}]){re.escape(selector)}[\s,{{]", css), selector
    assert "outline: 3px solid var(--focus)" in css
