"""Small-count suppression that cannot be undone by arithmetic (issue 16).

Primary: every count from 1 to ``SMALL_COUNT - 1`` is hidden. Complementary: the export's tables that
split a published total into parts (cases by month, by status; coded cases by State, setting, who was
targeted, age band; State measures by reply grade) each carry an explicit "not known" part, so each
is an equation ``parts = total``; in every such equation the hidden parts must be at least two and
together more than their smallest possible values (1 for a listed part, 0 for "not known"), or one
hidden part could be computed from the total and the others. Where that does not hold, the next
smallest part is hidden too; where nothing is left to hide, the total is hidden, and so on until
nothing changes. A total made of parts of another table (State replies = grades A, B, C and E) is
hidden whenever one of its parts is.

Tables whose parts overlap (a case under two mechanisms or several acts) add up to no total and need
primary suppression only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SMALL_COUNT = 5
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
    def floor(self) -> int:
        """The least this cell could be, as anyone reading the export knows: a listed part is there
        because it counts someone; "not known" may be 0."""
        return 0 if self.code == NOT_KNOWN or self.figure == TOTAL else 1


@dataclass(frozen=True)
class Partition:
    figure: str  # the table
    total: str  # the code of the total it splits


@dataclass(frozen=True)
class Subtotal:
    total: str  # the code of a total ...
    figure: str  # ... that is the sum of these parts of this table
    codes: frozenset[str]


@dataclass
class Protected:
    cells: list[Cell]
    partitions: tuple[Partition, ...]
    subtotals: tuple[Subtotal, ...] = field(default_factory=tuple)

    def total(self, code: str) -> Cell:
        return next(c for c in self.cells if c.figure == TOTAL and c.code == code)

    def parts(self, figure: str) -> list[Cell]:
        return [c for c in self.cells if c.figure == figure]


def _safe(parts: list[Cell], total: int) -> bool:
    hidden = [c for c in parts if c.hidden]
    if not hidden:
        return True
    slack = total - sum(c.count for c in parts if not c.hidden)
    return len(hidden) >= 2 and slack > sum(c.floor for c in hidden)


def _protect_partition(table: Protected, partition: Partition) -> bool:
    """One step towards a safe equation; True if it hid something."""
    total = table.total(partition.total)
    parts = table.parts(partition.figure)
    if total.hidden:
        shown = [c for c in parts if not c.hidden]
        for cell in shown:
            cell.hidden = True
        return bool(shown)
    if _safe(parts, total.count):
        return False
    shown = sorted((c for c in parts if not c.hidden), key=lambda c: (c.count, c.code))
    if shown:
        shown[0].hidden = True
    else:
        total.hidden = True
    return True


def protect(
    cells: list[Cell], partitions: tuple[Partition, ...], subtotals: tuple[Subtotal, ...] = ()
) -> Protected:
    table = Protected(cells, partitions, subtotals)
    for cell in cells:
        if 0 < cell.count < SMALL_COUNT:
            cell.hidden = True
    changed = True
    while changed:
        changed = False
        for partition in partitions:
            while _protect_partition(table, partition):
                changed = True
        for subtotal in subtotals:
            total = table.total(subtotal.total)
            parts = [c for c in table.parts(subtotal.figure) if c.code in subtotal.codes]
            if not total.hidden and any(c.hidden for c in parts):
                total.hidden = True
                changed = True
    return table
