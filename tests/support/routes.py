"""Requests built from an app's route map: every rule with sample values for its variables."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import flask
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection

from admin.auth import sessions
from reprisal_intake.models import User
from tests.factories import Account, database

# Methods that never change state; every other method a rule allows must carry a CSRF token.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    rule: str

    def path(self, values: Mapping[str, object]) -> str:
        """The rule's address with ``values`` for its variables; a variable without a value fails
        here, so a new kind of variable gets a sample value the day its route is added."""
        missing = _variables(self.rule) - set(values)
        assert not missing, f"{self.rule}: give the route map tests a sample value for {missing}"
        path = self.rule
        for name in _variables(self.rule):
            path = _substitute(path, name, str(values[name]))
        return path


def _variables(rule: str) -> set[str]:
    return set(re.findall(r"<(?:[^:<>]+:)?([a-z_]+)>", rule))


def _substitute(path: str, name: str, value: str) -> str:
    return re.sub(rf"<(?:[^<>]+:)?{name}>", value, path)


def routes(app: Flask, *, unsafe_only: bool = False) -> list[Route]:
    """Every (endpoint, method, rule) of ``app``'s route map, HEAD and OPTIONS left out."""
    found = {
        Route(rule.endpoint, method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in {"HEAD", "OPTIONS"} and not (unsafe_only and method in SAFE_METHODS)
    }
    return sorted(found, key=lambda route: (route.endpoint, route.method, route.rule))


def signed_in_client(app: Flask, account: Account) -> FlaskClient:
    """A browser fully signed in as ``account``, without the password and TOTP steps (each TOTP code
    is accepted once, so a test that needs many fresh sessions cannot sign in through the form)."""
    client = app.test_client()
    with app.test_request_context(), database(app).session() as db:
        user = db.get(User, account.id)
        assert user is not None
        sessions.start(db, user, sessions.STAGE_FULL)
        values = dict(flask.session)
    with client.session_transaction() as cookie_session:
        cookie_session.update(values)
    return client


@contextmanager
def undone(connection: Connection) -> Iterator[None]:
    """Whatever the requests inside change is rolled back afterwards (a savepoint)."""
    savepoint = connection.begin_nested()
    try:
        yield
    finally:
        if savepoint.is_active:
            savepoint.rollback()
