"""The admin app's pages, from its route map: which GET routes are pages a person reads (and so must be
checked in every language), which are not, and what a page a browser landed on was."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.exceptions import HTTPException

# GET routes that are not pages, with why. Every other GET route is a page, and the browser test
# (tests/browser/test_admin_pages.py) must reach it in at least one state.
NOT_PAGES: dict[str, str] = {
    "static": "the admin's own files (stylesheet, security-key script)",
    "design.common_css": "the stylesheet shared with the intake",
    "language.switch": "a link that sets the language and leads back",
    "admin.home": "leads on to the case list or the account page",
    "cases.download": "a decrypted attachment, sent as a file",
    "annual_report.export_period": "the drafting team's JSON export",
}
SCREEN_WIDTHS = (320, 390)


def get_endpoints(app: Flask) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())}


def page_endpoints(app: Flask) -> set[str]:
    """Every GET route that shows a page to a person."""
    return get_endpoints(app) - set(NOT_PAGES)


def endpoint_of(app: Flask, url: str, method: str = "GET") -> str | None:
    """The endpoint ``url`` reaches with ``method``, None when no route matches (a 404 page)."""
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _values = adapter.match(urlsplit(url).path, method=method)
    except HTTPException:
        return None
    return str(endpoint)


def wider_than_screen(page: Any, widths: tuple[int, ...] = SCREEN_WIDTHS) -> dict[int, int]:
    """The page's scroll width at each screen width where it is wider than the screen."""
    wider = {}
    size = page.viewport_size
    for width in widths:
        page.set_viewport_size({"width": width, "height": 800})
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            wider[width] = scroll_width
    page.set_viewport_size(size)
    return wider
