from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any

from babel import Locale
from flask import Flask

from .speaklater import LazyString

class Babel:
    def __init__(self, app: Flask | None = None, **kwargs: Any) -> None: ...
    def init_app(
        self,
        app: Flask,
        default_locale: str = "en",
        default_domain: str = "messages",
        default_translation_directories: str = "translations",
        default_timezone: str = "UTC",
        locale_selector: Callable[[], str | None] | None = None,
        timezone_selector: Callable[[], str | None] | None = None,
    ) -> None: ...

def gettext(string: str, /, **variables: Any) -> str: ...
def ngettext(singular: str, plural: str, num: int, /, **variables: Any) -> str: ...
def lazy_gettext(string: str, /, **variables: Any) -> LazyString: ...
def get_locale() -> Locale | None: ...
def refresh() -> None: ...
def force_locale(locale: str | Locale) -> AbstractContextManager[None]: ...
def format_date(
    date: date | datetime | None = None, format: str | None = None, rebase: bool = True
) -> str: ...

__all__ = [
    "Babel",
    "LazyString",
    "force_locale",
    "format_date",
    "get_locale",
    "gettext",
    "lazy_gettext",
    "ngettext",
    "refresh",
]
