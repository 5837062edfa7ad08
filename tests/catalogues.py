"""Checks shared by the intake's and the admin app's catalogue tests."""

from __future__ import annotations

from babel.messages.catalog import Catalog, Message


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
