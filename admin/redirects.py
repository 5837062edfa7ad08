"""Where a ``next`` parameter may send the browser: only to a path on this site."""

from __future__ import annotations

import re

from flask import url_for

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def local_path(target: str | None) -> str | None:
    r"""``target`` if it is a path on this site, else None.

    Browsers read a backslash as a slash and drop tabs and newlines ("/\t/host" leaves the site),
    and no control character may go into a Location header."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not CONTROL_CHARACTERS.search(target)
    ):
        return target
    return None


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else the landing page."""
    return local_path(target) or url_for("admin.home")
