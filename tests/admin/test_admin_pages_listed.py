"""The list of admin GET routes that are not pages (tests/support/admin_pages.py) stays true: each
names a real GET route, so that every other GET route is a page the browser test must reach."""

from __future__ import annotations

from flask import Flask

from tests.support.admin_pages import NOT_PAGES, get_endpoints, page_endpoints


def test_every_route_said_not_to_be_a_page_exists(admin_app: Flask) -> None:
    assert set(NOT_PAGES) - get_endpoints(admin_app) == set()


def test_the_pages_include_the_workspace(admin_app: Flask) -> None:
    assert {
        "auth.sign_in",
        "auth.accept_invitation",
        "auth.enrol",
        "auth.second_factor",
        "cases.case_list",
        "cases.case_page_view",
        "casework.overdue_view",
        "audit.log",
        "users.user_list",
        "statistics.dashboard",
    } <= page_endpoints(admin_app)
