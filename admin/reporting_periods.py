"""The fixed reporting periods of the Secretary-General's annual report on reprisals: 1 May to
30 April, named by their two years ("2025-2026"). Exports are by whole period, never an ad-hoc range,
so that two exports cannot be subtracted from each other to isolate a few cases."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

PERIOD_PATTERN = re.compile(r"^(\d{4})-(\d{4})$")
FIRST_MONTH = 5


@dataclass(frozen=True)
class Period:
    start_year: int

    @property
    def code(self) -> str:
        return f"{self.start_year}-{self.start_year + 1}"

    @property
    def starts(self) -> datetime.date:
        return datetime.date(self.start_year, FIRST_MONTH, 1)

    @property
    def ends(self) -> datetime.date:
        return datetime.date(self.start_year + 1, FIRST_MONTH, 1) - datetime.timedelta(days=1)


def period_of(day: datetime.date) -> Period:
    return Period(day.year if day.month >= FIRST_MONTH else day.year - 1)


def parse_period(code: str) -> Period | None:
    """The period a code names, or None when it names none ("2025-2027", "2025")."""
    match = PERIOD_PATTERN.match(code.strip())
    if match is None:
        return None
    start, end = int(match.group(1)), int(match.group(2))
    if end != start + 1 or not 2000 <= start <= 2100:
        return None
    return Period(start)


def recent_periods(day: datetime.date, count: int = 4) -> list[Period]:
    """The current period and the ones before it, newest first (the choices offered)."""
    current = period_of(day).start_year
    return [Period(current - n) for n in range(count)]
