"""Small-count suppression that cannot be undone by arithmetic (issue 16).

Primary: every count from 1 to ``SMALL_COUNT - 1`` is hidden. Complementary, over the whole system
of the export's relations (admin/statistics/exports.py lists them; admin/statistics/disclosure.py
audits them), repeated until nothing changes:

1. If a hidden count is determined by the published ones (through any combination of relations:
   ``disclosure.determined``), the smallest non-zero published count that combination uses is
   hidden too (ties: the first by figure and code; a zero only if the combination uses nothing else).
2. Otherwise, if a hidden count's range (``disclosure.ranges``: what the relations, the bounds and
   the floors leave possible) spans fewer than ``PROTECTION_RANGE`` counts above its least value,
   the smallest non-zero published count of a relation or bound it is in is hidden, looking further
   through relations of hidden counts when its own have no non-zero published count (a zero only
   when nothing else is left).

Each round hides one more count, so it ends; at worst every count of a connected set of relations
is hidden. A hidden count may then be of any size: exports mark it as hidden, never as "below 5".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from admin.statistics.disclosure import Bound, Key, Range, Relation, determined, ranges

SMALL_COUNT = 5
# A hidden count's possible range must span at least this much (1 to 5 and wider: "somewhere among
# five consecutive counts", as wide as the primary rule's own "1 to 4" and one more).
PROTECTION_RANGE = SMALL_COUNT - 1
TOTAL = "total"
NOT_KNOWN = "not_known"


@dataclass
class Cell:
    figure: str
    code: str
    label: str
    count: int
    hidden: bool = False

    @property
    def key(self) -> Key:
        return (self.figure, self.code)

    @property
    def floor(self) -> int:
        """The least this cell could be, as anyone reading the export knows: a listed part is there
        because it counts someone; "not known" and a total may be 0."""
        return 0 if self.code == NOT_KNOWN or self.figure == TOTAL else 1


@dataclass(frozen=True)
class Disclosure:
    """What the published counts give away about the hidden ones."""

    exact: dict[Key, tuple[Key, ...]]  # determined: by which published counts
    narrow: dict[Key, Range]  # a range narrower than PROTECTION_RANGE

    def __bool__(self) -> bool:
        return bool(self.exact or self.narrow)


def published(cells: Iterable[Cell]) -> dict[Key, int | None]:
    return {c.key: None if c.hidden else c.count for c in cells}


def audit(
    cells: list[Cell], relations: tuple[Relation, ...], bounds: tuple[Bound, ...]
) -> Disclosure:
    values = published(cells)
    exact = determined(values, relations)
    floors = {c.key: c.floor for c in cells}
    narrow = {
        key: found
        for key, found in ranges(values, relations, bounds, floors).items()
        if found.width < PROTECTION_RANGE
    }
    return Disclosure(exact, narrow)


def _smallest(cells: dict[Key, Cell], keys: Iterable[Key], zero: bool = True) -> Cell | None:
    """The smallest published count of ``keys``, a non-zero one first (a zero only if ``zero``)."""
    shown = [cells[k] for k in keys if not cells[k].hidden and (zero or cells[k].count)]
    if not shown:
        return None
    return min(shown, key=lambda c: (c.count == 0, c.count, c.key))


def _around(
    key: Key, cells: dict[Key, Cell], relations: tuple[Relation, ...], bounds: tuple[Bound, ...]
) -> Cell | None:
    """The complementary count for a narrow range of ``key``: the smallest non-zero published count
    of its relations and bounds, or, if they have none, of the relations of the hidden counts they
    reach (breadth first); a zero only if no non-zero count is reachable (hiding a 0 widens little)."""
    groups = [(r.total, *r.parts) for r in relations] + [(b.smaller, b.larger) for b in bounds]
    for zero in (False, True):
        seen, frontier = {key}, [key]
        while frontier:
            touching = [g for g in groups if any(k in g for k in frontier)]
            choice = _smallest(cells, {k for g in touching for k in g}, zero)
            if choice is not None:
                return choice
            frontier = sorted({k for g in touching for k in g if cells[k].hidden} - seen)
            seen.update(frontier)
    return None


def complement(
    cells: list[Cell], relations: tuple[Relation, ...], bounds: tuple[Bound, ...]
) -> Cell | None:
    """The next count to hide, or None when nothing hidden is given away (or nothing can help)."""
    by_key = {c.key: c for c in cells}
    found = audit(cells, relations, bounds)
    for key in sorted(found.exact):
        choice = _smallest(by_key, found.exact[key])
        if choice is not None:
            return choice
    for key in sorted(found.narrow):
        choice = _around(key, by_key, relations, bounds)
        if choice is not None:
            return choice
    return None


def protect(
    cells: list[Cell], relations: tuple[Relation, ...], bounds: tuple[Bound, ...] = ()
) -> list[Cell]:
    """Hide the small counts of ``cells`` and every count that would give one back (in place)."""
    for cell in cells:
        if 0 < cell.count < SMALL_COUNT:
            cell.hidden = True
    while (choice := complement(cells, relations, bounds)) is not None:
        choice.hidden = True
    return cells


class DisclosureError(RuntimeError):
    """An export would give a hidden count back: it is not written."""


def guard(cells: list[Cell], relations: tuple[Relation, ...], bounds: tuple[Bound, ...]) -> None:
    """The export's last check: nothing hidden is determined, and no hidden range is narrow."""
    found = audit(cells, relations, bounds)
    if found:
        # Keys only (figure and category), never a count.
        raise DisclosureError(
            f"hidden counts given away: {sorted(found.exact.keys() | found.narrow.keys())}"
        )
