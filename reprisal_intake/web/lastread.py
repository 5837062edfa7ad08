"""The last good answer of a database read, for when the database is down.

The report form must still load while PostgreSQL restarts: the mechanism choices last read are good
enough to show it (sending it then gets the "try again in a minute" page with the typed report).
Only a read that failed because the database could not be reached falls back; any other error is
raised as usual. One value per process, per app.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from flask import current_app
from sqlalchemy.exc import InterfaceError, OperationalError

T = TypeVar("T")
DATABASE_UNREACHABLE = (OperationalError, InterfaceError)


class LastRead(Generic[T]):
    def __init__(self, read: Callable[[], T]) -> None:
        self._read = read
        self._values: dict[int, T] = {}
        self._lock = threading.Lock()

    def __call__(self) -> T:
        app_key = id(current_app._get_current_object())  # type: ignore[attr-defined]
        try:
            value = self._read()
        except DATABASE_UNREACHABLE:
            with self._lock:
                if app_key not in self._values:
                    raise
                return self._values[app_key]
        with self._lock:
            self._values[app_key] = value
        return value
