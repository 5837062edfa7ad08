"""Countries and States, named in the page's language.

* ``states``: the States a person may hold responsible, with the UN's official short names in the six
  official languages (UNTERM, through reprisal_intake/data/un_states.json; scripts/update_un_state_names.py
  refreshes it from OCHA's maintained taxonomy). No territory is offered.
* ``countries``: every ISO 3166-1 country and territory, from Babel's CLDR data, to name a code stored
  before the UN list was used.
"""

from __future__ import annotations

import json
import unicodedata
from functools import cache
from pathlib import Path

from babel import Locale

UN_STATES = Path(__file__).resolve().parent / "data" / "un_states.json"
UN_LANGUAGES = ("en", "fr", "es", "ru", "zh", "ar")

# CLDR lists groupings and reserved codes beside countries; keep the ISO 3166-1 ones, and Kosovo
# (XK, user-assigned but in common use).
_NOT_COUNTRIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"}
)


@cache
def countries(locale: str = "en") -> tuple[tuple[str, str], ...]:
    territories = Locale.parse(locale).territories
    pairs = [
        (code, name)
        for code, name in territories.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    ]
    return tuple(sorted(pairs, key=lambda pair: _sort_key(pair[1])))


@cache
def _un_states() -> tuple[tuple[str, dict[str, str]], ...]:
    document = json.loads(UN_STATES.read_text(encoding="utf-8"))
    return tuple((state["alpha2"], state["names"]) for state in document["states"])


@cache
def states(locale: str = "en") -> tuple[tuple[str, str], ...]:
    """(alpha-2 code, UN short name) of every State, in the UN language of ``locale`` (English for
    a locale the UN does not use), alphabetically."""
    language = locale.replace("-", "_").split("_")[0]
    language = language if language in UN_LANGUAGES else "en"
    pairs = [(code, names[language]) for code, names in _un_states()]
    return tuple(sorted(pairs, key=lambda pair: _sort_key(pair[1])))


def place_name(code: str, locale: str = "en") -> str:
    """A stored code's name: the State's UN name, or (a territory coded before) CLDR's name."""
    return dict(states(locale)).get(code) or dict(countries(locale)).get(code, code)


def _sort_key(name: str) -> str:
    """Alphabetical without accents or case, so that "Égypte" sorts among the E's in French."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
