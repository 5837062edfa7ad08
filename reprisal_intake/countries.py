"""ISO 3166-1 countries and territories, named in the page's language (from Babel's CLDR data)."""

from __future__ import annotations

import unicodedata
from functools import cache

from babel import Locale

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


def _sort_key(name: str) -> str:
    """Alphabetical without accents or case, so that "Égypte" sorts among the E's in French."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
