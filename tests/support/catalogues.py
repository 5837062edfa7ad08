"""Checks shared by the intake's and the admin app's catalogue tests."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def read_catalogue(translations: Path, language: str) -> Catalog:
    with (translations / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


def extracted_messages(package: Path) -> set[str]:
    """Every translatable string of a package's code and templates, as its babel.cfg extracts."""
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    found = extract_from_dir(package, method_map, keywords=KEYWORDS)
    return {message[0] if isinstance(message, tuple) else message for _f, _l, message, *_ in found}


def strings_of(message: Message) -> tuple[str, ...]:
    string = message.string
    return tuple(string) if isinstance(string, (list, tuple)) else (str(string),)


def untranslated(messages: Catalog) -> list[object]:
    """The ids of entries that are fuzzy or have an empty translation."""
    return [
        m.id for m in messages if m.id and (m.fuzzy or any(not s.strip() for s in strings_of(m)))
    ]


def not_in_catalogue(messages: Catalog, used: set[str]) -> set[str]:
    """Strings the code uses that the catalogue does not have (an extraction was not run)."""
    ids = {m.id[0] if isinstance(m.id, tuple) else m.id for m in messages if m.id}
    return used - ids
