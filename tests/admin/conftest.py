"""Admin tests run with cheap password and key derivation (the production costs are the defaults)."""

from __future__ import annotations

import pytest

from tests.support.admin import FAST_ADMIN_CONFIG


@pytest.fixture(autouse=True)
def _cheap_key_derivation(request: pytest.FixtureRequest) -> None:
    if "admin_app" in request.fixturenames:
        request.getfixturevalue("admin_app").config.update(FAST_ADMIN_CONFIG)
